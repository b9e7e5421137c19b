/**
 * The auxiliary G2P task: C2K also learns to write a word's CMUdict pronunciation (spelling →
 * ARPAbet) with the same encoder and decoder. CMUdict holds about four times as many words as
 * the katakana data, so the shared encoder sees how far more English spellings sound.
 *
 * The decoder tells the two outputs apart by its first input: SOS starts katakana, `<g2p>`
 * starts ARPAbet. Training appends the 69 phones and `<g2p>` to the target vocabulary; export
 * and validation cut them off again ({@link kanaOnly}), so a shipped model is an ordinary C2K
 * file. Only words of the train split (data/split.ts) are used: no valid or test word's
 * pronunciation is ever seen.
 *
 * @module
 */

import { splitOf } from "../data/split.ts";
import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { ARPABET, C2K_SOURCE, indexOf, TARGET } from "../infer/vocab.ts";
import type { Item } from "./batches.ts";
import { makeRng } from "./rng.ts";

/** The decoder's first input for the G2P task. */
export const G2P_START = "<g2p>";

/** Target vocabulary of a run with the G2P task: katakana, then phones, then `<g2p>`. */
export const G2P_TARGET: readonly string[] = [...TARGET, ...ARPABET, G2P_START];

/** A float tensor by name, as training holds it. */
type Params = Map<string, Float32Array>;

/**
 * Encodes CMUdict words of the train split as G2P items (the first pronunciation of each).
 *
 * @param dict word → pronunciations, as `data/sources/cmudict.ts` reads them
 * @param task the task id the items count under in the loss
 * @param maxSrcLen longest source, EOS included
 * @param maxTgtLen longest decoder input, start symbol included
 * @returns one item per usable word, in dictionary order (`example` = -1: no dataset example)
 * @example
 * ```ts
 * import { g2pItems } from "./g2p.ts";
 * const items = g2pItems(new Map([["cat", ["K AE1 T"]]]), 3, 32, 32);
 * ```
 */
export function g2pItems(
  dict: ReadonlyMap<string, readonly string[]>,
  task: number,
  maxSrcLen: number,
  maxTgtLen: number,
): Item[] {
  const src = indexOf(C2K_SOURCE);
  const tgt = indexOf(G2P_TARGET);
  const start = tgt.get(G2P_START)!;
  const items: Item[] = [];
  for (const [word, prons] of dict) {
    if (splitOf(word) !== "train" || prons.length === 0) continue;
    const phones = prons[0].split(" ");
    if (word.length + 1 > maxSrcLen || phones.length + 1 > maxTgtLen) continue;
    const s = Int32Array.from(word, (ch) => src.get(ch) ?? -1);
    const t = Int32Array.from(phones, (p) => tgt.get(p) ?? -1);
    if (s.includes(-1) || t.includes(-1)) continue;
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

/** Whether a model config carries the G2P outputs. */
export function hasG2p(c: ModelConfig): boolean {
  return c.tgtVocab.length === G2P_TARGET.length && c.tgtVocab.at(-1) === G2P_START;
}

/**
 * The katakana model inside a G2P-trained one: target embedding rows and output columns cut
 * to the katakana vocabulary. Other configs are returned as they are.
 *
 * @param c a model config, with or without the G2P outputs
 * @param params its parameters by spec name
 * @returns the katakana-only config and parameters (shared buffers where unchanged)
 */
export function kanaOnly(c: ModelConfig, params: Params): { config: ModelConfig; params: Params } {
  if (!hasG2p(c)) return { config: c, params };
  const config = { ...c, tgtVocab: [...TARGET] };
  const V = TARGET.length, Vg = G2P_TARGET.length, d = c.dModel;
  const out: Params = new Map(params);
  out.set("tgt_embed", params.get("tgt_embed")!.slice(0, V * d));
  out.set("out.b", params.get("out.b")!.slice(0, V));
  const w = params.get("out.w")!, cut = new Float32Array(d * V);
  for (let r = 0; r < d; r++) cut.set(w.subarray(r * Vg, r * Vg + V), r * V);
  out.set("out.w", cut);
  return { config, params: out };
}

/**
 * Parameters of a katakana model placed into a G2P model's: every tensor copied, except that
 * the target embedding and output layer keep `fresh`'s values for the G2P symbols.
 *
 * @param from the katakana model's parameters (its config has {@link TARGET} as targets)
 * @param to the G2P model's config
 * @param fresh initial parameters of `to`
 * @returns `to`'s parameters
 */
export function withG2p(from: Params, to: ModelConfig, fresh: Params): Params {
  const V = TARGET.length, Vg = G2P_TARGET.length, d = to.dModel;
  const out: Params = new Map();
  for (const s of tensorSpecs(to)) {
    const src = from.get(s.name)!, dst = fresh.get(s.name)!.slice();
    if (s.name === "out.w") {
      for (let r = 0; r < d; r++) dst.set(src.subarray(r * V, (r + 1) * V), r * Vg);
    } else {
      dst.set(src); // tgt_embed and out.b: the katakana rows come first
    }
    out.set(s.name, dst);
  }
  return out;
}
