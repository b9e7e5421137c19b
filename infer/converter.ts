/**
 * The converter: load a model, then convert words, batches of words, or running text to
 * katakana, with greedy decoding, beam search (n-best) or sampling.
 *
 * @module
 */

import type { Hypothesis } from "./_decode.ts";
import type { Backend } from "./backend.ts";
import { beamSearch } from "./beam.ts";
import { createCpuBackend } from "./cpu_backend.ts";
import { crc32 } from "./crc32.ts";
import { greedy } from "./greedy.ts";
import { type LoadedModel, readModel } from "./model_file.ts";
import type { ModelConfig, ModelMeta, Task } from "./model_spec.ts";
import {
  type Acronyms,
  encodeSource,
  type OnInvalid,
  parseArpabet,
  type Piece,
  planWord,
  splitText,
} from "./normalize.ts";
import { mixSeed, sample } from "./sample.ts";
import { scoreOutputs } from "./score.ts";
import { EOS, indexOf } from "./vocab.ts";

/**
 * Where a model comes from: `"c2k"` or `"p2k"` for the shipped models (found next to this
 * package, `../models/NAME.safetensors` relative to this module, through `fetch`: file URLs
 * in Deno, http(s) in browsers), a URL, or the file's bytes.
 */
export type ModelSource = "c2k" | "p2k" | URL | Uint8Array;

/** Options of {@link loadConverter}. */
export interface LoadOptions {
  /**
   * `"cpu"` (default): WebAssembly SIMD or plain TypeScript kernels, everywhere.
   * `"webgpu"`: the WebGPU backend; fails when WebGPU is unavailable.
   * `"auto"`: on a hardware adapter, WebGPU for batches of 32 words or more and the CPU for
   *   smaller ones; the CPU alone where WebGPU is missing or software-only.
   */
  backend?: "cpu" | "webgpu" | "auto";
  /** CPU kernels: `"wasm"` (default, falls back to `"ts"` without SIMD) or `"ts"`. */
  kernels?: "wasm" | "ts";
}

/** Options of every conversion. */
export interface ConvertOptions {
  /**
   * `"greedy"` (default; `"beam"` when `nbest` > 1), `"beam"`, or sampling: `"top_k"` among
   * the k most likely tokens, `"top_p"` among the smallest set reaching probability p.
   */
  strategy?: "greedy" | "beam" | "top_k" | "top_p";
  /** Beam width (default: 4, or `nbest` if larger). */
  beamWidth?: number;
  /** Beam length normalisation: rank by logProb / length^alpha (default 1; 0 ranks by probability). */
  alpha?: number;
  /** top_k: candidates per step (default 5). */
  k?: number;
  /** top_p: probability mass kept per step, in (0, 1] (default 0.9). */
  p?: number;
  /** Sampling temperature applied to the logits, > 0 (default 1). */
  temperature?: number;
  /** Sampling seed (32-bit integer); the same seed gives the same output. Default: random. */
  seed?: number;
  /**
   * Most katakana per output. Default: from the input's length (see {@link defaultMaxLength}),
   * at most the model's limit (maxTgtLen - 1), which is also the largest value accepted.
   */
  maxLength?: number;
  /**
   * Return this many candidates in `nbest` (beam search, or distinct samples when sampling).
   * Default 1 (and no `nbest` field unless asked for).
   */
  nbest?: number;
  /** Characters the model cannot read: `"pass"` (default) keeps them, `"error"` throws. */
  onInvalid?: OnInvalid;
  /** Throw an {@link IncompleteConversionError} instead of returning a cut output. */
  errorOnIncomplete?: boolean;
  /** All-caps acronyms and single letters: `"spell"` (default, エフビーアイ) or `"model"`. */
  acronyms?: Acronyms;
  /** Return the cross-attention weights of model outputs. */
  attention?: boolean;
  /** Words decoded together (default 64): larger is faster per word, up to memory. */
  batchSize?: number;
  /** Called after each batch with the model inputs done and their total. */
  onProgress?: (done: number, total: number) => void;
}

/** One candidate of an n-best list. */
export interface Candidate {
  /** The katakana. */
  kana: string;
  /** Its log-probability under the model (EOS included). */
  logProb: number;
  /** True when it was cut at the maximum length. */
  incomplete: boolean;
}

/** The result of converting one word (or phrase). */
export interface Conversion {
  /** The input as given (ARPAbet arrays joined by spaces). */
  input: string;
  /** The katakana. */
  kana: string;
  /**
   * log P(output) under the model: the sum over model-read pieces, 0 for letter names and
   * passed-through text.
   */
  logProb: number;
  /** True when a model output reached the maximum length without ending (it is cut). */
  incomplete: boolean;
  /** The candidates, best first, when `nbest` was given (model-read inputs only). */
  nbest?: Candidate[];
  /**
   * Cross-attention when asked for (model-read inputs only): one row per output katakana and
   * a last row for EOS, each over the source symbols then EOS.
   */
  attention?: number[][];
  /**
   * How the kana came: read by the model, passed through unchanged, spelled as letter names,
   * or, for input mixing these (R2D2), `"mixed"`.
   */
  source: "model" | "passthrough" | "letters" | "mixed";
}

/** The result of converting running text. */
export interface TextConversion {
  /** The text as given. */
  text: string;
  /** The text with every English word replaced by katakana; the rest kept. */
  kana: string;
  /** The words and other non-blank pieces, in order. */
  words: Conversion[];
}

/** A loaded model, ready to convert. */
export interface Converter {
  /** What the model reads: spelling (c2k) or ARPAbet (p2k). */
  readonly task: Task;
  /** The model file's metadata: config, checksum, training facts. */
  readonly meta: ModelMeta;
  /** The compute backend's name ("wasm", "cpu", "webgpu"). */
  readonly backend: string;
  /**
   * Converts one word or phrase (c2k), or one ARPAbet string or array (p2k).
   * @throws {TypeError} On empty input, or unreadable input under `onInvalid: "error"`.
   * @throws {RangeError} On options out of range or input longer than the model accepts.
   * @throws {IncompleteConversionError} On a cut output under `errorOnIncomplete`.
   */
  convert(word: string | string[], options?: ConvertOptions): Promise<Conversion>;
  /** Converts many words at once (batched: much faster per word than one by one). */
  convertBatch(words: (string | string[])[], options?: ConvertOptions): Promise<Conversion[]>;
  /**
   * Converts running text (c2k only): words split on spaces, hyphens and camelCase, the rest
   * (punctuation, digits, Japanese) kept as it is.
   */
  convertText(text: string, options?: ConvertOptions): Promise<TextConversion>;
  /**
   * log P(kana | input) of each candidate under this model, by teacher forcing, on the terms
   * of {@link Conversion.logProb}: to re-rank candidates, or to weigh another model's.
   * @throws {TypeError} When the model does not read the input whole (letter names, mixed
   *   input), or a candidate holds a character that is not one of its katakana.
   * @throws {RangeError} When a candidate is longer than the model emits.
   */
  score(word: string | string[], candidates: readonly string[]): Promise<number[]>;
  /** Frees the backend's memory; the converter must not be used afterwards. */
  dispose(): void;
}

/** Thrown under `errorOnIncomplete` when an output is cut at the maximum length. */
export class IncompleteConversionError extends Error {
  /** The cut conversion, as it would have been returned. */
  readonly conversion: Conversion;

  /**
   * Builds the error for a cut conversion.
   *
   * @param conversion The cut conversion.
   * @param maxLength The limit it reached.
   */
  constructor(conversion: Conversion, maxLength: number) {
    super(
      `Cannot convert ${JSON.stringify(conversion.input)}: the output reached the maximum ` +
        `length of ${maxLength} without ending (${JSON.stringify(conversion.kana)}); ` +
        `raise maxLength or drop errorOnIncomplete`,
    );
    this.name = "IncompleteConversionError";
    this.conversion = conversion;
  }
}

/**
 * The default maximum output length for a source of `symbols` symbols. Katakana run longer
 * than spelling for short words (ax → アックス) and shorter for long ones (through → スルー),
 * so the limit is generous for short inputs: 2 × symbols + 4 for c2k (each letter rarely gives
 * more than two kana), and 2 × phonemes + 2 for p2k (a phoneme gives one or two kana: ER0 →
 * アー). The result is clamped to the model's limit.
 *
 * @param task What the model reads.
 * @param symbols Source symbols, EOS not counted.
 * @param config The model's config (for maxTgtLen).
 * @returns The limit on output katakana.
 * @example
 * ```ts
 * import { defaultMaxLength } from "./converter.ts";
 * import { tinyConfig } from "./_test_model.ts";
 * const cap = defaultMaxLength("c2k", 100, tinyConfig({ maxTgtLen: 32 })); // 31
 * ```
 */
export function defaultMaxLength(task: Task, symbols: number, config: ModelConfig): number {
  const want = task === "c2k" ? 2 * symbols + 4 : 2 * symbols + 2;
  return Math.min(want, config.maxTgtLen - 1);
}

interface Resolved {
  strategy: "greedy" | "beam" | "top_k" | "top_p";
  nbest: number;
  batchSize: number;
  seed: number;
}

function resolve(o: ConvertOptions): Resolved {
  const nbest = o.nbest ?? 1;
  if (!Number.isInteger(nbest) || nbest < 1) {
    throw new RangeError(`Invalid nbest: ${nbest}; it must be a positive integer`);
  }
  const strategy = o.strategy ?? (nbest > 1 ? "beam" : "greedy");
  if (!["greedy", "beam", "top_k", "top_p"].includes(strategy)) {
    throw new RangeError(
      `Invalid strategy "${strategy}"; use "greedy", "beam", "top_k" or "top_p"`,
    );
  }
  if (strategy === "greedy" && nbest > 1) {
    throw new RangeError(
      `Invalid nbest: ${nbest} with strategy "greedy"; use "beam" (or sampling) for n-best lists`,
    );
  }
  const batchSize = o.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Invalid batchSize: ${batchSize}; it must be a positive integer`);
  }
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed)) throw new RangeError(`Invalid seed: ${seed}; it must be an integer`);
  for (const key of ["onInvalid", "acronyms"] as const) {
    const allowed = key === "onInvalid" ? ["pass", "error"] : ["spell", "model"];
    if (o[key] !== undefined && !allowed.includes(o[key]!)) {
      throw new RangeError(`Invalid ${key} "${o[key]}"; use "${allowed.join('" or "')}"`);
    }
  }
  return { strategy, nbest, batchSize, seed };
}

// One model input: its ids, its length limit, and where its results go.
interface Job {
  ids: Int32Array;
  maxLength: number;
  key: string;
  results?: Hypothesis[];
}

/**
 * Wraps a loaded model and a backend into a {@link Converter}. {@link loadConverter} is the
 * usual way in; this one serves other backends (tests, benchmarks) and models already read.
 *
 * @param model The model's metadata and config (the tensors are not used here).
 * @param backend A backend running that model.
 * @returns The converter.
 * @example On a random model
 * ```ts
 * import { createConverter } from "./converter.ts";
 * import { createCpuBackend } from "./cpu_backend.ts";
 * import { randomModel, tinyConfig } from "./_test_model.ts";
 * const config = tinyConfig();
 * const backend = createCpuBackend(config, randomModel(config, 1));
 * const meta = { format: "e2k-model" as const, version: 1, config, crc32: "00000000" };
 * const c2k = createConverter({ meta, config }, backend);
 * const out = await c2k.convert("cat");
 * if (out.source !== "model") throw new Error("expected a model reading");
 * ```
 */
export function createConverter(
  model: Pick<LoadedModel, "meta" | "config">,
  backend: Backend,
): Converter {
  const { meta, config } = model;
  const task = config.task;
  const index = indexOf(config.srcVocab);
  const targets = indexOf(config.tgtVocab);
  const limit = config.maxTgtLen - 1;
  let disposed = false;

  const kana = (tokens: number[]) => tokens.map((t) => config.tgtVocab[t]).join("");

  const plan = (word: string | string[], o: ConvertOptions): Piece[] => {
    if (task === "p2k") {
      const symbols = parseArpabet(word, config.srcVocab);
      const text = typeof word === "string" ? word : word.join(" ");
      return [{ kind: "model", text, symbols }];
    }
    if (typeof word !== "string") {
      throw new TypeError(
        `Cannot convert ${JSON.stringify(word)}: a c2k model reads spelling, pass a string`,
      );
    }
    return planWord(word, o);
  };

  const job = (piece: Piece & { kind: "model" }, input: string, o: ConvertOptions): Job => {
    const ids = encodeSource(piece.symbols, index, config.maxSrcLen, input);
    const maxLength = o.maxLength ?? defaultMaxLength(task, piece.symbols.length, config);
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > limit) {
      throw new RangeError(
        `Invalid maxLength: ${maxLength}; this model emits 1 to ${limit} katakana`,
      );
    }
    return { ids, maxLength, key: `${ids.join()}/${maxLength}` };
  };

  const decode = async (jobs: Job[], o: ConvertOptions, r: Resolved): Promise<void> => {
    // Identical inputs are decoded once (all strategies are deterministic given the seed,
    // and sampling seeds depend on the input alone); shorter sources are batched together.
    const unique = new Map<string, Job>();
    for (const j of jobs) if (!unique.has(j.key)) unique.set(j.key, j);
    const todo = [...unique.values()].sort((a, b) => a.ids.length - b.ids.length);
    for (let at = 0; at < todo.length; at += r.batchSize) {
      const batch = todo.slice(at, at + r.batchSize);
      const sources = batch.map((j) => j.ids);
      const maxLength = batch.map((j) => j.maxLength);
      const attention = o.attention ?? false;
      let out: Hypothesis[][];
      if (r.strategy === "greedy") {
        out = (await greedy(backend, sources, { maxLength, attention })).map((h) => [h]);
      } else if (r.strategy === "beam") {
        const width = o.beamWidth ?? Math.max(4, r.nbest);
        out = await beamSearch(backend, sources, {
          maxLength,
          attention,
          width,
          alpha: o.alpha,
          nbest: r.nbest,
        });
      } else {
        out = await sample(backend, sources, {
          method: r.strategy,
          k: o.k,
          p: o.p,
          temperature: o.temperature,
          // A word's samples depend on the seed and the word, not on the rest of the batch.
          seeds: sources.map((s) =>
            mixSeed(r.seed, crc32(new Uint8Array(s.buffer, s.byteOffset, s.byteLength)))
          ),
          samples: r.nbest,
          maxLength,
          attention,
        });
      }
      batch.forEach((j, i) => (j.results = out[i]));
      o.onProgress?.(Math.min(at + r.batchSize, todo.length), todo.length);
    }
    for (const j of jobs) j.results = unique.get(j.key)!.results;
  };

  const pieceResult = (
    input: string,
    piece: Piece,
    j: Job | undefined,
    o: ConvertOptions,
  ): Conversion => {
    if (piece.kind !== "model") {
      const pass = piece.kind === "pass";
      return {
        input,
        kana: pass ? piece.text : piece.kana,
        logProb: 0,
        incomplete: false,
        source: pass ? "passthrough" : "letters",
      };
    }
    const [best, ...rest] = j!.results!;
    const c: Conversion = {
      input,
      kana: kana(best.tokens),
      logProb: best.logProb,
      incomplete: best.incomplete,
      source: "model",
    };
    if (o.nbest !== undefined) {
      c.nbest = [best, ...rest].map((h) => ({
        kana: kana(h.tokens),
        logProb: h.logProb,
        incomplete: h.incomplete,
      }));
    }
    if (o.attention) c.attention = best.attention!.map((row) => [...row]);
    if (c.incomplete && o.errorOnIncomplete) throw new IncompleteConversionError(c, j!.maxLength);
    return c;
  };

  const alive = () => {
    if (disposed) throw new TypeError("Cannot convert: the converter was disposed");
  };

  const convertBatch = async (
    words: (string | string[])[],
    options: ConvertOptions = {},
  ): Promise<Conversion[]> => {
    alive();
    const r = resolve(options);
    const inputs = words.map((w) => (typeof w === "string" ? w : w.join(" ")));
    const plans = words.map((w) => plan(w, options));
    const jobs = plans.map((pieces, i) =>
      pieces.map((p) => (p.kind === "model" ? job(p, inputs[i], options) : undefined))
    );
    await decode(jobs.flat().filter((j): j is Job => j !== undefined), options, r);
    return plans.map((pieces, i) => {
      const parts = pieces.map((p, k) => pieceResult(inputs[i], p, jobs[i][k], options));
      if (parts.length === 1) return parts[0];
      return {
        input: inputs[i],
        kana: parts.map((c) => c.kana).join(""),
        logProb: parts.reduce((a, c) => a + c.logProb, 0),
        incomplete: parts.some((c) => c.incomplete),
        source: "mixed",
      };
    });
  };

  return {
    task,
    meta,
    backend: backend.name,
    async convert(word, options) {
      return (await convertBatch([word], options))[0];
    },
    convertBatch,
    async convertText(text, options = {}) {
      alive();
      if (task !== "c2k") {
        throw new TypeError(
          "Cannot convert text with a p2k model: it reads ARPAbet; use convert() or convertBatch()",
        );
      }
      const r = resolve(options);
      const pieces = splitText(text, options);
      const jobs = pieces.map((p) => (p.kind === "model" ? job(p, p.text, options) : undefined));
      await decode(jobs.filter((j): j is Job => j !== undefined), options, r);
      const parts = pieces.map((p, i) => pieceResult(p.text, p, jobs[i], options));
      return {
        text,
        kana: parts.map((c) => c.kana).join(""),
        words: parts.filter((c) => c.source !== "passthrough" || c.input.trim() !== ""),
      };
    },
    async score(word, candidates) {
      alive();
      const input = typeof word === "string" ? word : word.join(" ");
      const pieces = plan(word, {});
      const piece = pieces[0];
      if (pieces.length !== 1 || piece.kind !== "model") {
        throw new TypeError(
          `Cannot score "${input}": the model does not read it whole (it converts to letter ` +
            "names or passes through); score a word the model reads",
        );
      }
      const ids = encodeSource(piece.symbols, index, config.maxSrcLen, input);
      const outputs = candidates.map((c) => {
        if (c.length > limit) {
          throw new RangeError(
            `Cannot score "${c}": longer than the ${limit} katakana this model emits`,
          );
        }
        return Array.from(c, (ch) => {
          const id = targets.get(ch);
          if (id === undefined || id <= EOS) {
            throw new TypeError(`Cannot score "${c}": "${ch}" is not one of the model's katakana`);
          }
          return id;
        });
      });
      return await scoreOutputs(backend, outputs.map(() => ids), outputs);
    },
    dispose() {
      disposed = true;
      (backend as { dispose?: () => void }).dispose?.();
    },
  };
}

async function fetchModel(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const shipped = source === "c2k" || source === "p2k";
  const url = shipped ? new URL(`../models/${source}.safetensors`, import.meta.url) : source;
  if (!(url instanceof URL)) {
    throw new TypeError(
      `Cannot load model ${JSON.stringify(source)}: use "c2k", "p2k", a URL or the file's bytes`,
    );
  }
  const missing = shipped
    ? `the shipped ${source} model (${url.href}) is not there; train and export it first ` +
      "(deno task train, then deno task export)"
    : `${url.href} could not be read`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`Cannot load model: ${missing} (${(e as Error).message})`, { cause: e });
  }
  if (!response.ok) {
    throw new Error(`Cannot load model: ${missing} (HTTP ${response.status})`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

// Below this many rows the CPU wins even on a real GPU: a decoder step costs the GPU some 40
// dispatches (on an H100 the CPU was 11x faster at batch 1, WebGPU 4x faster at batch 64).
const AUTO_GPU_MIN_ROWS = 32;

// "auto" on a hardware adapter: each batch goes where it runs faster.
function autoBackend(
  gpu: Backend & { dispose(): void },
  cpu: Backend,
): Backend & { dispose(): void } {
  return {
    dispose: () => gpu.dispose(),
    name: `auto (${gpu.name} from ${AUTO_GPU_MIN_ROWS} words, else ${cpu.name})`,
    start: (src, rows, srcLen) => (rows >= AUTO_GPU_MIN_ROWS ? gpu : cpu).start(src, rows, srcLen),
  };
}

// The one place where backends are chosen; a new backend plugs in here.
async function createBackend(model: LoadedModel, options: LoadOptions): Promise<Backend> {
  const { backend = "cpu", kernels } = options;
  if (!["cpu", "webgpu", "auto"].includes(backend)) {
    throw new RangeError(`Invalid backend "${backend}"; use "cpu", "webgpu" or "auto"`);
  }
  if (backend === "webgpu" || backend === "auto") {
    // Loaded on demand, so CPU-only users never fetch the WebGPU code.
    const { createWebGpuBackend } = await import("./webgpu/backend.ts");
    try {
      const gpu = await createWebGpuBackend(model.config, model.tensors);
      if (backend === "webgpu") return gpu;
      if (!gpu.adapter.includes("(software)")) {
        return autoBackend(gpu, createCpuBackend(model.config, model.tensors, { kernels }));
      }
      gpu.dispose(); // a software adapter is slower than the CPU kernels
    } catch (e) {
      if (backend === "webgpu") {
        throw new Error(`Cannot use the WebGPU backend: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  return createCpuBackend(model.config, model.tensors, { kernels });
}

/**
 * Loads a model and returns a converter for it.
 *
 * @param source `"c2k"` (default) or `"p2k"` for the shipped models, a URL, or the bytes of
 *   a model file.
 * @param options Which backend and kernels to run on.
 * @returns The converter.
 * @throws {Error} When the file cannot be fetched (for a shipped model: it is not exported
 *   yet), or WebGPU was asked for and is unavailable.
 * @throws {SyntaxError} When the bytes are not an e2k model file.
 * @throws {RangeError} When the file is truncated, corrupted or inconsistent, or an option is
 *   unknown.
 * @example Converting words with the shipped model
 * ```ts
 * import { loadConverter } from "./converter.ts";
 * const c2k = await loadConverter("c2k");
 * console.log((await c2k.convert("computer")).kana); // コンピューター
 * console.log((await c2k.convertText("I love JavaScript")).kana);
 * ```
 */
export async function loadConverter(
  source: ModelSource = "c2k",
  options: LoadOptions = {},
): Promise<Converter> {
  const model = readModel(await fetchModel(source));
  return createConverter(model, await createBackend(model, options));
}
