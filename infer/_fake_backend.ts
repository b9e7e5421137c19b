/**
 * Test helper: a deterministic fake {@link Backend} whose logits come from a plain function of
 * the source and the prefix decoded so far, so that decoding strategies can be checked against
 * exhaustive search and exact probabilities. It keeps the real contract's sharp edges: the
 * logits buffer is reused (overwritten) by the next step, and rows are re-arranged by `select`.
 *
 * @module
 */

import type { Backend, DecoderState } from "./backend.ts";
import { PAD, SOS } from "./vocab.ts";

/** Logits for the next token of one row: (V). */
export type LogitsFn = (src: readonly number[], prefix: readonly number[]) => ArrayLike<number>;

/** What a fake backend saw, for assertions on batching. */
export interface FakeStats {
  /** Rows fed at each step of every state, in order. */
  rowsPerStep: number[];
  /** States started. */
  starts: number;
  /** States disposed. */
  disposed: number;
}

/** A fake backend and its statistics. */
export interface FakeBackend extends Backend {
  readonly stats: FakeStats;
}

/**
 * Builds a fake backend over a vocabulary of `V` targets.
 *
 * Cross-attention of a row puts all weight on source position min(step, length - 1), where
 * length counts the source's ids up to and including EOS.
 *
 * @param V Target vocabulary size.
 * @param fn Logits of the next token given the source ids (without padding) and the prefix.
 * @returns The backend.
 */
export function createFakeBackend(V: number, fn: LogitsFn): FakeBackend {
  const stats: FakeStats = { rowsPerStep: [], starts: 0, disposed: 0 };
  return {
    name: "fake",
    stats,
    start(src: Int32Array, rows: number, srcLen: number): Promise<DecoderState> {
      stats.starts++;
      let sources = Array.from({ length: rows }, (_, r) => {
        const row = [...src.subarray(r * srcLen, (r + 1) * srcLen)];
        const end = row.indexOf(PAD);
        return end < 0 ? row : row.slice(0, end);
      });
      let prefixes: number[][] = sources.map(() => []);
      let disposed = false;
      const logits = { buffer: new Float32Array(0) };
      const alive = () => {
        if (disposed) throw new Error("Fake backend: state used after dispose()");
      };
      return Promise.resolve({
        get rows() {
          return sources.length;
        },
        step(tokens: Int32Array): Promise<Float32Array> {
          alive();
          if (tokens.length !== sources.length) {
            throw new RangeError(
              `Fake backend: ${tokens.length} tokens for ${sources.length} rows`,
            );
          }
          stats.rowsPerStep.push(tokens.length);
          if (logits.buffer.length !== tokens.length * V) {
            logits.buffer = new Float32Array(tokens.length * V);
          }
          logits.buffer.fill(NaN); // a caller keeping the previous step's logits sees garbage
          prefixes = prefixes.map((p, r) => {
            if (p.length === 0 && tokens[r] !== SOS) {
              throw new RangeError(`Fake backend: row ${r} starts with ${tokens[r]}, not SOS`);
            }
            return p.length === 0 && tokens[r] === SOS ? [SOS] : [...p, tokens[r]];
          });
          prefixes.forEach((p, r) => logits.buffer.set(fn(sources[r], p.slice(1)), r * V));
          return Promise.resolve(logits.buffer);
        },
        select(from: Int32Array): Promise<void> {
          alive();
          for (const i of from) {
            if (i < 0 || i >= sources.length) throw new RangeError(`Fake backend: no row ${i}`);
          }
          sources = [...from].map((i) => sources[i]);
          prefixes = [...from].map((i) => prefixes[i]);
          return Promise.resolve();
        },
        crossAttention(): Promise<Float32Array> {
          alive();
          const att = new Float32Array(sources.length * srcLen);
          sources.forEach((s, r) => {
            att[r * srcLen + Math.min(prefixes[r].length - 1, s.length - 1)] = 1;
          });
          return Promise.resolve(att);
        },
        dispose() {
          disposed = true;
          stats.disposed++;
        },
      });
    },
  };
}

/**
 * A bigram language model over V targets: the logits of the next token depend only on the
 * previous one (SOS first) and, through `shift`, on the source's first id, so different
 * sources decode differently.
 *
 * @param V Target vocabulary size.
 * @param seed Seed of the table's values.
 * @param scale Spread of the logits (larger: more peaked distributions).
 * @returns The logits function and its table (V, V).
 */
export function bigram(V: number, seed: number, scale = 2): { fn: LogitsFn; table: Float32Array } {
  let a = seed >>> 0;
  const rand = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const table = Float32Array.from({ length: V * V }, () => scale * (2 * rand() - 1)); // (V, V)
  const fn: LogitsFn = (src, prefix) => {
    const prev = prefix.length === 0 ? SOS : prefix[prefix.length - 1];
    const row = table.slice(prev * V, (prev + 1) * V);
    const shift = src[0] ?? 0;
    return row.map((x, v) => x + 0.5 * Math.sin(shift * (v + 1)));
  };
  return { fn, table };
}

/**
 * Every allowed output of at most `maxLength` tokens with its exact log-probability under
 * `fn` (PAD and SOS banned, EOS banned first, and at the limit only EOS closes the output),
 * by brute force: the oracle for beam search.
 *
 * @returns Outputs with their log-probabilities, most likely first.
 */
export function enumerate(
  fn: LogitsFn,
  V: number,
  src: readonly number[],
  maxLength: number,
): { tokens: number[]; logProb: number }[] {
  const out: { tokens: number[]; logProb: number }[] = [];
  const walk = (prefix: number[], logProb: number) => {
    const t = prefix.length;
    const logits = fn(src, prefix);
    const ok = (v: number) => v > 2 || (v === 2 && t > 0);
    let lse = 0;
    const max = Math.max(...Array.from({ length: V }, (_, v) => (ok(v) ? logits[v] : -Infinity)));
    for (let v = 0; v < V; v++) if (ok(v)) lse += Math.exp(logits[v] - max);
    lse = max + Math.log(lse);
    if (t > 0) out.push({ tokens: prefix, logProb: logProb + logits[2] - lse });
    if (t === maxLength) return;
    for (let v = 3; v < V; v++) walk([...prefix, v], logProb + logits[v] - lse);
  };
  walk([], 0);
  return out.sort((a, b) => b.logProb - a.logProb);
}
