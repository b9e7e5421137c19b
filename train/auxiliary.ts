/**
 * The auxiliary CMUdict tasks. CMUdict holds about four times as many words as the katakana
 * data, so a model can learn more of how English is spelt and said from it:
 *
 * - G2P, for C2K: write a word's pronunciation (spelling → ARPAbet), so that the encoder sees
 *   how far more spellings sound;
 * - P2G, for P2K: write a word's spelling (ARPAbet → letters), so that the model learns which
 *   spellings lie behind the sounds, which katakana often follow (フロリダ, not フラリダ).
 *
 * The same encoder and decoder do both; the decoder tells the outputs apart by its first
 * input: SOS starts katakana, `<g2p>` or `<p2g>` starts the auxiliary output. Training appends
 * the auxiliary symbols to the target vocabulary; export and validation cut them off again
 * ({@link kanaOnly}), so a shipped model is an ordinary C2K or P2K file. Only words of the
 * train split (data/split.ts) are used: no valid or test word is ever seen.
 *
 * @module
 */

import { splitOf } from "../data/split.ts";
import { type ModelConfig, type Task, tensorSpecs } from "../infer/model_spec.ts";
import { ARPABET, C2K_SOURCE, indexOf, P2K_SOURCE, TARGET } from "../infer/vocab.ts";
import type { Item } from "./batches.ts";
import { makeRng } from "./rng.ts";

/** The auxiliary task of each model: G2P for C2K, P2G for P2K. */
export type AuxTask = "g2p" | "p2g";

/** The decoder's first input for the G2P task. */
export const G2P_START = "<g2p>";
/** The decoder's first input for the P2G task. */
export const P2G_START = "<p2g>";

/** Target vocabulary of a C2K run with the G2P task: katakana, then phones, then `<g2p>`. */
export const G2P_TARGET: readonly string[] = [...TARGET, ...ARPABET, G2P_START];

/** Target vocabulary of a P2K run with the P2G task: katakana, then letters, then `<p2g>`. */
export const P2G_TARGET: readonly string[] = [
  ...TARGET,
  ..."abcdefghijklmnopqrstuvwxyz'",
  P2G_START,
];

/** The auxiliary task a model of `task` learns. */
export const auxTaskOf = (task: Task): AuxTask => task === "c2k" ? "g2p" : "p2g";

/** The target vocabulary of a run of `task` with its auxiliary task. */
export const auxTarget = (task: Task): readonly string[] =>
  task === "c2k" ? G2P_TARGET : P2G_TARGET;

/** A float tensor by name, as training holds it. */
type Params = Map<string, Float32Array>;

/**
 * Encodes CMUdict words of the train split as auxiliary items (the first pronunciation of
 * each): spelling → phones for C2K, phones → spelling for P2K.
 *
 * @param model which model's task: "c2k" (G2P) or "p2k" (P2G)
 * @param dict word → pronunciations, as `data/sources/cmudict.ts` reads them
 * @param task the task id the items count under in the loss
 * @param maxSrcLen longest source, EOS included
 * @param maxTgtLen longest decoder input, start symbol included
 * @returns one item per usable word, in dictionary order (`example` = -1: no dataset example)
 * @example
 * ```ts
 * import { auxItems } from "./auxiliary.ts";
 * const items = auxItems("c2k", new Map([["cat", ["K AE1 T"]]]), 3, 32, 32);
 * ```
 */
export function auxItems(
  model: Task,
  dict: ReadonlyMap<string, readonly string[]>,
  task: number,
  maxSrcLen: number,
  maxTgtLen: number,
): Item[] {
  const target = auxTarget(model);
  const src = indexOf(model === "c2k" ? C2K_SOURCE : P2K_SOURCE);
  const tgt = indexOf(target);
  const start = tgt.get(target.at(-1)!)!;
  const items: Item[] = [];
  for (const [word, prons] of dict) {
    if (splitOf(word) !== "train" || prons.length === 0) continue;
    const letters = Array.from(word), phones = prons[0].split(" ");
    const [from, to] = model === "c2k" ? [letters, phones] : [phones, letters];
    if (from.length + 1 > maxSrcLen || to.length + 1 > maxTgtLen) continue;
    const s = Int32Array.from(from, (x) => src.get(x) ?? -1);
    const t = Int32Array.from(to, (x) => tgt.get(x) ?? -1);
    if (s.some((i) => i < 3) || t.some((i) => i < 3)) continue;
    items.push({ src: s, tgt: t, task, example: -1, start });
  }
  return items;
}

/**
 * A seeded sample of `n` items (all of them when `n` is 0 or at least their number).
 *
 * @returns a new array; the same seed gives the same sample
 */
export function sampleItems(items: readonly Item[], n: number, seed: number): Item[] {
  const out = items.slice();
  if (n === 0 || n >= out.length) return out;
  const rng = makeRng(seed);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(out.length - i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.slice(0, n);
}

/** Whether a model config carries auxiliary outputs. */
export function hasAux(c: ModelConfig): boolean {
  return c.tgtVocab.length === auxTarget(c.task).length &&
    c.tgtVocab.at(-1) === auxTarget(c.task).at(-1);
}

/**
 * The katakana model inside one trained with an auxiliary task: target embedding rows and
 * output columns cut to the katakana vocabulary. Other configs are returned as they are.
 *
 * @param c a model config, with or without auxiliary outputs
 * @param params its parameters by spec name
 * @returns the katakana-only config and parameters (shared buffers where unchanged)
 */
export function kanaOnly(c: ModelConfig, params: Params): { config: ModelConfig; params: Params } {
  if (!hasAux(c)) return { config: c, params };
  const config = { ...c, tgtVocab: [...TARGET] };
  const V = TARGET.length, Va = c.tgtVocab.length, d = c.dModel;
  const out: Params = new Map(params);
  out.set("tgt_embed", params.get("tgt_embed")!.slice(0, V * d));
  out.set("out.b", params.get("out.b")!.slice(0, V));
  const w = params.get("out.w")!, cut = new Float32Array(d * V);
  for (let r = 0; r < d; r++) cut.set(w.subarray(r * Va, r * Va + V), r * V);
  out.set("out.w", cut);
  return { config, params: out };
}

/**
 * Parameters of a katakana model placed into a model with auxiliary outputs: every tensor
 * copied, except that the target embedding and output layer keep `fresh`'s values for the
 * auxiliary symbols.
 *
 * @param from the katakana model's parameters (its config has {@link TARGET} as targets)
 * @param to the auxiliary model's config
 * @param fresh initial parameters of `to`
 * @returns `to`'s parameters
 */
export function withAux(from: Params, to: ModelConfig, fresh: Params): Params {
  const V = TARGET.length, Va = to.tgtVocab.length, d = to.dModel;
  const out: Params = new Map();
  for (const s of tensorSpecs(to)) {
    const src = from.get(s.name)!, dst = fresh.get(s.name)!.slice();
    if (s.name === "out.w") {
      for (let r = 0; r < d; r++) dst.set(src.subarray(r * V, (r + 1) * V), r * Va);
    } else {
      dst.set(src); // tgt_embed and out.b: the katakana rows come first
    }
    out.set(s.name, dst);
  }
  return out;
}
