/**
 * Teacher-forced scoring: log P(output | source) of given outputs, on the same terms as the
 * decoders' `logProb` (PAD and SOS never allowed, EOS not first, EOS counted at the end), so a
 * candidate from one model can be weighed by another.
 *
 * @module
 */

import { allowed, logSumExp, padSources } from "./_decode.ts";
import type { Backend } from "./backend.ts";
import { EOS, SOS } from "./vocab.ts";

/**
 * Scores (source, output) pairs in one batch.
 *
 * @param backend A loaded model.
 * @param sources Source ids per row, each ending in EOS.
 * @param outputs Target ids per row, without SOS or EOS; rows may differ in length.
 * @returns log P(output, then EOS | source) per row; -Infinity for an output holding a
 *   token that is never allowed (PAD, SOS, or EOS inside it).
 * @throws {RangeError} When the counts differ, or an output is longer than the model allows.
 */
export async function scoreOutputs(
  backend: Backend,
  sources: readonly Int32Array[],
  outputs: readonly (readonly number[])[],
): Promise<number[]> {
  if (sources.length !== outputs.length) {
    throw new RangeError(`Cannot score: ${outputs.length} outputs for ${sources.length} sources`);
  }
  const rows = sources.length;
  if (rows === 0) return [];
  const { src, srcLen } = padSources(sources);
  const state = await backend.start(src, rows, srcLen);
  const out = new Array<number>(rows).fill(0);
  const longest = Math.max(...outputs.map((o) => o.length));
  try {
    let feed = new Int32Array(rows).fill(SOS);
    for (let t = 0; t <= longest; t++) {
      const logits = await state.step(feed);
      const V = logits.length / rows;
      feed = new Int32Array(rows).fill(EOS); // finished rows run on, ignored
      for (let r = 0; r < rows; r++) {
        const o = outputs[r];
        if (t > o.length) continue;
        const want = t < o.length ? o[t] : EOS;
        const ok = allowed(want, t) && want < V && (want !== EOS || t === o.length);
        out[r] += ok ? logits[r * V + want] - logSumExp(logits, r * V, V, t) : -Infinity;
        if (t < o.length && o[t] > EOS && o[t] < V) feed[r] = o[t];
      }
    }
  } finally {
    state.dispose();
  }
  return out;
}
