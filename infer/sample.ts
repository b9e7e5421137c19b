/**
 * Sampling: top-k and top-p (nucleus), by probability, with the temperature applied to the
 * logits before the softmax, from a seeded generator so that a seed reproduces the output.
 *
 * @module
 */

import { type Chooser, type DecodeOptions, decodeRows, type Hypothesis } from "./_decode.ts";
import type { Backend } from "./backend.ts";
import { EOS } from "./vocab.ts";

/** Options of {@link sample}. */
export interface SampleOptions extends DecodeOptions {
  /** `"top_k"`: draw among the k most likely tokens; `"top_p"`: among the smallest set whose
   * probabilities add up to at least p. */
  method: "top_k" | "top_p";
  /** For top_k: how many tokens to draw among (default 5). */
  k?: number;
  /** For top_p: the probability mass to keep, in (0, 1] (default 0.9). */
  p?: number;
  /** Divides the logits before the softmax: below 1 sharpens, above 1 flattens (default 1). */
  temperature?: number;
  /** One seed per source (32-bit integers): a source's samples depend on its seed alone. */
  seeds: readonly number[];
  /** Samples drawn per source (default 1); duplicates are merged. */
  samples?: number;
}

/**
 * A seeded generator of uniform numbers in [0, 1) (mulberry32: 32 bits of state, fast, and
 * good enough for sampling tokens).
 *
 * @param seed Any integer; only its low 32 bits count.
 * @returns The generator.
 * @example
 * ```ts
 * import { createRandom } from "./sample.ts";
 * const a = createRandom(42), b = createRandom(42);
 * if (a() !== b()) throw new Error("not reproducible");
 * ```
 */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes two integers into one 32-bit seed (the murmur3 finaliser), so that nearby inputs
 * give unrelated seeds.
 *
 * @param a First integer (a user's seed).
 * @param b Second integer (an index).
 * @returns A 32-bit unsigned seed.
 */
export function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function checkOptions(o: SampleOptions, count: number): Required<Omit<SampleOptions, "attention">> {
  const { method, k = 5, p = 0.9, temperature = 1, samples = 1 } = o;
  if (method !== "top_k" && method !== "top_p") {
    throw new RangeError(`Invalid sampling method "${method}"; use "top_k" or "top_p"`);
  }
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Invalid k: ${k}; it must be a positive integer`);
  }
  if (!(p > 0 && p <= 1)) throw new RangeError(`Invalid p: ${p}; it must be in (0, 1]`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`Invalid temperature: ${temperature}; it must be a number > 0`);
  }
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`Invalid samples: ${samples}; it must be a positive integer`);
  }
  if (o.seeds.length !== count) {
    throw new RangeError(`Invalid seeds: ${o.seeds.length} seeds for ${count} sources`);
  }
  return { method, k, p, temperature, samples, seeds: o.seeds, maxLength: o.maxLength };
}

/**
 * Draws one token from one row of logits: softmax(logits / temperature) over the allowed
 * tokens (max subtracted), cut to the top k or to the top-p nucleus, renormalised, and
 * sampled by probability.
 *
 * @param logits (rows, V) logits.
 * @param off Offset of the row.
 * @param V Vocabulary size.
 * @param t Step (EOS is banned at 0).
 * @param o Method, k, p and temperature.
 * @param u A uniform number in [0, 1).
 * @param scratch Two arrays of at least V entries, reused between calls.
 * @returns The token drawn.
 */
export function drawToken(
  logits: Float32Array,
  off: number,
  V: number,
  t: number,
  o: { method: "top_k" | "top_p"; k: number; p: number; temperature: number },
  u: number,
  scratch: { prob: Float64Array; order: Int32Array },
): number {
  const first = t === 0 ? EOS + 1 : EOS;
  const n = V - first;
  const { prob, order } = scratch;
  let max = -Infinity;
  for (let v = first; v < V; v++) max = Math.max(max, logits[off + v] / o.temperature);
  for (let i = 0; i < n; i++) {
    order[i] = first + i;
    prob[first + i] = Math.exp(logits[off + first + i] / o.temperature - max);
  }
  const sorted = order.subarray(0, n).sort((a, b) => prob[b] - prob[a] || a - b);
  let keep = n;
  if (o.method === "top_k") keep = Math.min(o.k, n);
  else {
    let total = 0;
    for (let i = 0; i < n; i++) total += prob[sorted[i]];
    let cum = 0;
    for (keep = 0; keep < n && cum < o.p * total;) cum += prob[sorted[keep++]];
  }
  let mass = 0;
  for (let i = 0; i < keep; i++) mass += prob[sorted[i]];
  let x = u * mass;
  for (let i = 0; i < keep; i++) {
    x -= prob[sorted[i]];
    if (x < 0) return sorted[i];
  }
  return sorted[keep - 1];
}

/**
 * Samples outputs for every source in one batch (`samples` rows per source). Each row has its
 * own generator seeded from its source's seed and its sample index, so results do not depend
 * on how sources are batched. A row stops at EOS; at the maximum length it gets one more step
 * and is flagged `incomplete` when EOS is not the most likely token there. Reported
 * log-probabilities are the model's own (temperature 1, no top-k/top-p cut).
 *
 * @param backend A loaded model.
 * @param sources Source ids per word, each ending in EOS.
 * @param options Method, k, p, temperature, seeds, samples, maximum lengths, attention.
 * @returns Per source, its distinct samples, most likely first.
 * @throws {RangeError} When an option is out of range.
 * @example The same seed gives the same sample
 * ```ts
 * import { sample } from "./sample.ts";
 * import { createCpuBackend } from "./cpu_backend.ts";
 * import { randomModel, tinyConfig } from "./_test_model.ts";
 * import { EOS } from "./vocab.ts";
 * const config = tinyConfig();
 * const backend = createCpuBackend(config, randomModel(config, 1));
 * const options = { method: "top_p" as const, p: 0.9, temperature: 0.8, seeds: [42], maxLength: 8 };
 * const [[a]] = await sample(backend, [Int32Array.of(5, 6, EOS)], options);
 * const [[b]] = await sample(backend, [Int32Array.of(5, 6, EOS)], options);
 * if (a.tokens.join() !== b.tokens.join()) throw new Error("not reproducible");
 * ```
 */
export async function sample(
  backend: Backend,
  sources: readonly Int32Array[],
  options: SampleOptions,
): Promise<Hypothesis[][]> {
  const o = checkOptions(options, sources.length);
  const randoms = o.seeds.map((seed) =>
    Array.from({ length: o.samples }, (_, copy) => createRandom(mixSeed(seed, copy)))
  );
  const scratch = { prob: new Float64Array(0), order: new Int32Array(0) };
  const draw: Chooser = (logits, off, V, t, source, copy) => {
    if (scratch.prob.length < V) {
      [scratch.prob, scratch.order] = [new Float64Array(V), new Int32Array(V)];
    }
    return drawToken(logits, off, V, t, o, randoms[source][copy](), scratch);
  };
  const out = await decodeRows(backend, sources, { ...options, copies: o.samples }, draw);
  return out.map(distinct);
}

function distinct(hs: Hypothesis[]): Hypothesis[] {
  const seen = new Map<string, Hypothesis>();
  for (const h of hs) if (!seen.has(h.tokens.join())) seen.set(h.tokens.join(), h);
  return [...seen.values()].sort((a, b) => b.logProb - a.logProb);
}
