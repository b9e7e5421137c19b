/**
 * What the decoding strategies share: the result type, batching of sources, and the rules on
 * which tokens may be emitted (PAD and SOS never; EOS not at the first step).
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { EOS, PAD, SOS } from "./vocab.ts";

/** One decoded output. */
export interface Hypothesis {
  /** Target ids emitted, without SOS and EOS. */
  tokens: number[];
  /**
   * log P(tokens, then EOS) under the model, with the banned tokens (PAD, SOS, EOS at the
   * first step) taken out of every softmax. For an incomplete output too, this ends with
   * the log-probability of EOS right after the last token, so all outputs are comparable.
   */
  logProb: number;
  /**
   * True when the output reached its maximum length and the model's most likely next token
   * was not EOS: the output is cut, not finished.
   */
  incomplete: boolean;
  /**
   * Cross-attention weights, one row per output step (tokens.length + 1: the EOS step last),
   * each (source symbols + EOS); only when asked for.
   */
  attention?: Float32Array[];
}

/** Options every strategy takes. */
export interface DecodeOptions {
  /**
   * Most tokens to emit before EOS, per source or one for all. At least 1, and at most the
   * model's maxTgtLen - 1 (the decoder needs one more position to emit EOS).
   */
  maxLength: number | readonly number[];
  /** Collect cross-attention weights (default false). */
  attention?: boolean;
}

/**
 * Pads sources (each ending in EOS) into one row-major batch.
 *
 * @param sources Source ids per row.
 * @returns The batch (rows, srcLen), PAD-filled, and srcLen.
 */
export function padSources(sources: readonly Int32Array[]): { src: Int32Array; srcLen: number } {
  const srcLen = Math.max(...sources.map((s) => s.length));
  const src = new Int32Array(sources.length * srcLen).fill(PAD); // (rows, srcLen)
  sources.forEach((s, i) => src.set(s, i * srcLen));
  return { src, srcLen };
}

/**
 * Expands `maxLength` to one limit per source and checks it.
 *
 * @throws {RangeError} When a limit is not a positive integer or the counts disagree.
 */
export function limits(maxLength: number | readonly number[], count: number): number[] {
  const out = typeof maxLength === "number" ? new Array<number>(count).fill(maxLength) : [
    ...maxLength,
  ];
  if (out.length !== count) {
    throw new RangeError(`Invalid maxLength: ${out.length} limits for ${count} sources`);
  }
  for (const n of out) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Invalid maxLength: ${n}; it must be a positive integer`);
    }
  }
  return out;
}

/** Whether token `v` may be emitted at step `t` (PAD and SOS never, EOS not first). */
export function allowed(v: number, t: number): boolean {
  return v > EOS || (v === EOS && t > 0);
}

/**
 * log Σ exp over the allowed tokens of one row of logits, subtracting the max first so that
 * large logits cannot overflow.
 *
 * @param logits (rows, V) logits.
 * @param off Offset of the row.
 * @param V Vocabulary size.
 * @param t Step (0 = first output token, where EOS is banned).
 */
export function logSumExp(logits: Float32Array, off: number, V: number, t: number): number {
  const first = t === 0 ? EOS + 1 : EOS;
  let max = -Infinity;
  for (let v = first; v < V; v++) if (logits[off + v] > max) max = logits[off + v];
  let sum = 0;
  for (let v = first; v < V; v++) sum += Math.exp(logits[off + v] - max);
  return max + Math.log(sum);
}

/** The allowed token with the largest logit in one row (the lowest id on ties). */
export function argmax(logits: Float32Array, off: number, V: number, t: number): number {
  let best = t === 0 ? EOS + 1 : EOS;
  for (let v = best + 1; v < V; v++) if (logits[off + v] > logits[off + best]) best = v;
  return best;
}

/** Copies the attention row of `row` for a source of `len` ids out of a (rows, srcLen) batch. */
export function attentionRow(
  att: Float32Array,
  row: number,
  srcLen: number,
  len: number,
): Float32Array {
  return att.slice(row * srcLen, row * srcLen + len);
}

/**
 * Chooses each row's next token from its logits: row `off` of (rows, V) at step `t`, for
 * copy `copy` of source `source`. It must return an allowed token.
 */
export type Chooser = (
  logits: Float32Array,
  off: number,
  V: number,
  t: number,
  source: number,
  copy: number,
) => number;

/**
 * Decodes `copies` independent rows per source, one token per row and step, chosen by
 * `choose` (argmax for greedy, a draw for sampling). Rows that emit EOS leave the batch (the
 * state is narrowed with `select`). A row that reaches its source's maximum length gets one
 * more step, whose EOS log-probability ends its score; it is `incomplete` when EOS is not
 * the most likely token there.
 *
 * @param backend A loaded model.
 * @param sources Source ids per word, each ending in EOS.
 * @param options Maximum lengths, attention, copies per source (default 1).
 * @param choose The token rule.
 * @returns Per source, its copies in order.
 */
export async function decodeRows(
  backend: Backend,
  sources: readonly Int32Array[],
  options: DecodeOptions & { copies?: number },
  choose: Chooser,
): Promise<Hypothesis[][]> {
  const { copies = 1, attention = false } = options;
  const max = limits(options.maxLength, sources.length);
  const out: Hypothesis[][] = sources.map(() =>
    Array.from({ length: copies }, () => ({
      tokens: [],
      logProb: 0,
      incomplete: false,
      ...(attention ? { attention: [] } : {}),
    }))
  );
  if (sources.length === 0) return out;
  const { src, srcLen } = padSources(sources);
  const state = await backend.start(src, sources.length, srcLen);
  try {
    // Row r decodes copy rows[r] % copies of source floor(rows[r] / copies).
    let rows = Array.from({ length: sources.length * copies }, (_, i) => i);
    if (copies > 1) await state.select(Int32Array.from(rows, (i) => Math.floor(i / copies)));
    let input = new Int32Array(rows.length).fill(SOS);
    for (let t = 0; rows.length > 0; t++) {
      const logits = await state.step(input); // (rows, V)
      const V = logits.length / rows.length;
      const keep: number[] = [];
      rows.forEach((i, r) => {
        const s = Math.floor(i / copies), h = out[s][i % copies], off = r * V;
        const lse = logSumExp(logits, off, V, t);
        if (t === max[s]) {
          h.logProb += logits[off + EOS] - lse;
          h.incomplete = argmax(logits, off, V, t) !== EOS;
          return;
        }
        const pick = choose(logits, off, V, t, s, i % copies);
        h.logProb += logits[off + pick] - lse;
        if (pick === EOS) return;
        h.tokens.push(pick);
        keep.push(r);
      });
      if (attention) {
        const att = await state.crossAttention(); // (rows, srcLen)
        rows.forEach((i, r) => {
          const s = Math.floor(i / copies);
          out[s][i % copies].attention!.push(attentionRow(att, r, srcLen, sources[s].length));
        });
      }
      if (keep.length === 0) break;
      if (keep.length < rows.length) await state.select(Int32Array.from(keep));
      rows = keep.map((r) => rows[r]);
      input = Int32Array.from(rows, (i) => out[Math.floor(i / copies)][i % copies].tokens.at(-1)!);
    }
    return out;
  } finally {
    state.dispose();
  }
}
