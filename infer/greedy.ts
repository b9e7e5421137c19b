/**
 * Greedy decoding: at every step, the most likely allowed token, for many sources at once.
 *
 * @module
 */

import { argmax, type DecodeOptions, decodeRows, type Hypothesis } from "./_decode.ts";
import type { Backend } from "./backend.ts";

export type { DecodeOptions, Hypothesis } from "./_decode.ts";

/**
 * Decodes every source greedily in one batch. Rows that emit EOS leave the batch (the decoder
 * state is narrowed with `select`), so a batch costs as many steps as its longest output.
 * EOS is banned at the first step, PAD and SOS always. A source that reaches its maximum
 * length gets one more step to emit EOS; if EOS is not then the most likely token, its result
 * says `incomplete: true`.
 *
 * @param backend A loaded model.
 * @param sources Source ids per word, each ending in EOS (see `encodeSource`).
 * @param options Maximum lengths; whether to collect cross-attention.
 * @returns One hypothesis per source, in order.
 * @throws {RangeError} When `maxLength` is not a positive integer per source.
 * @example With a backend that always prefers token 3, then EOS
 * ```ts
 * import { greedy } from "./greedy.ts";
 * import type { Backend } from "./backend.ts";
 * const V = 5;
 * const backend: Backend = {
 *   name: "toy",
 *   start: (_src, rows) => {
 *     let n = rows, t = 0;
 *     return Promise.resolve({
 *       get rows() { return n; },
 *       step: (tokens) => {
 *         const logits = new Float32Array(tokens.length * V);
 *         for (let r = 0; r < tokens.length; r++) logits[r * V + (t === 0 ? 3 : 2)] = 5;
 *         t++;
 *         return Promise.resolve(logits);
 *       },
 *       select: (from) => { n = from.length; return Promise.resolve(); },
 *       crossAttention: () => Promise.resolve(new Float32Array(n)),
 *       dispose: () => {},
 *     });
 *   },
 * };
 * const [out] = await greedy(backend, [Int32Array.of(3, 2)], { maxLength: 4 });
 * if (out.tokens.join() !== "3" || out.incomplete) throw new Error("unexpected");
 * ```
 */
export async function greedy(
  backend: Backend,
  sources: readonly Int32Array[],
  options: DecodeOptions,
): Promise<Hypothesis[]> {
  const out = await decodeRows(backend, sources, options, argmax);
  return out.map(([h]) => h);
}
