/**
 * English words to katakana with small Transformer models, in Deno, browsers and edge
 * runtimes, with no dependencies. C2K reads spelling ("computer" → コンピューター); P2K reads
 * ARPAbet phonemes ("K AH0 M P Y UW1 T ER0"), such as a G2P library or CMUdict gives.
 *
 * Load a converter once, then convert single words, batches (much faster per word), or
 * running text, whose words are split on spaces, hyphens and camelCase, with all-caps
 * acronyms read as letter names and everything else (punctuation, Japanese) kept. Decoding
 * is greedy by default; beam search gives n-best lists with log-probabilities; top-k and
 * top-p sampling take a temperature and a seed. An output that reaches its maximum length
 * says `incomplete: true` instead of being cut silently.
 *
 * @example Converting words and text with the shipped model
 * ```ts
 * import { loadConverter } from "@e2k/e2k";
 *
 * const c2k = await loadConverter("c2k");
 * console.log((await c2k.convert("computer")).kana); // コンピューター
 * const { kana } = await c2k.convertText("I use JavaScript and the FBI API.");
 * const best = await c2k.convert("internet", { strategy: "beam", nbest: 3 });
 * for (const { kana, logProb } of best.nbest!) console.log(kana, Math.exp(logProb));
 * c2k.dispose();
 * ```
 *
 * @module
 */

export {
  type Candidate,
  type Conversion,
  type Converter,
  type ConvertOptions,
  createConverter,
  defaultMaxLength,
  IncompleteConversionError,
  loadConverter,
  type LoadOptions,
  type ModelSource,
  type TextConversion,
} from "./infer/converter.ts";
export { type CombineOptions, convertWithPhones } from "./infer/combine.ts";
export type { Backend, DecoderState } from "./infer/backend.ts";
export type { Activation, ModelConfig, ModelMeta, Task } from "./infer/model_spec.ts";
export { type LoadedModel, readModel, type WeightDType } from "./infer/model_file.ts";
export { type CpuBackendOptions, createCpuBackend } from "./infer/cpu_backend.ts";
export {
  type Acronyms,
  type NormalizeOptions,
  normalizeText,
  type OnInvalid,
  parseArpabet,
  type Piece,
  spellLetters,
  splitText,
} from "./infer/normalize.ts";
export { type DecodeOptions, greedy, type Hypothesis } from "./infer/greedy.ts";
export { type BeamOptions, beamSearch } from "./infer/beam.ts";
export { sample, type SampleOptions } from "./infer/sample.ts";
