/**
 * Beam search with length normalisation and n-best lists, for many sources at once.
 *
 * @module
 */

import {
  allowed,
  argmax,
  attentionRow,
  type DecodeOptions,
  type Hypothesis,
  limits,
  logSumExp,
  padSources,
} from "./_decode.ts";
import type { Backend } from "./backend.ts";
import { EOS, SOS } from "./vocab.ts";

/** Options of {@link beamSearch}. */
export interface BeamOptions extends DecodeOptions {
  /** Live hypotheses kept per source at every step (default 4). */
  width?: number;
  /**
   * Length normalisation: hypotheses are ranked by logProb / L^alpha, L = tokens + 1 (EOS).
   * 0 (default) ranks by probability alone; larger values favour longer outputs.
   */
  alpha?: number;
  /** Hypotheses returned per source, best first (default 1; at most `width`). */
  nbest?: number;
}

// A prefix tree of hypotheses: each node adds one token to its parent's output.
interface Node {
  token: number;
  parent: Node | null;
  /** Tokens from the root (SOS) to here, this one included. */
  length: number;
  logProb: number;
  /** The decoder row it was extended from, in the step that made it. */
  row: number;
  att?: Float32Array;
}

interface Finished {
  node: Node;
  logProb: number;
  incomplete: boolean;
  score: number;
  att?: Float32Array;
}

interface Search {
  live: Node[];
  finished: Finished[];
  done: boolean;
}

function unwind(f: Finished): Hypothesis {
  const tokens: number[] = [];
  const attention: Float32Array[] = [];
  for (let n: Node | null = f.node; n && n.parent; n = n.parent) {
    tokens.push(n.token);
    if (n.att) attention.push(n.att);
  }
  tokens.reverse();
  attention.reverse();
  if (f.att) attention.push(f.att);
  return {
    tokens,
    logProb: f.logProb,
    incomplete: f.incomplete,
    ...(f.att ? { attention } : {}),
  };
}

// The `width` best one-token extensions (EOS excluded) of rows r0…r1-1, best first.
function extend(
  logits: Float32Array,
  lse: number[],
  rowNode: Node[],
  rowAtt: (Float32Array | undefined)[],
  r0: number,
  r1: number,
  V: number,
  width: number,
): Node[] {
  const top: Node[] = [];
  for (let r = r0; r < r1; r++) {
    const parent = rowNode[r];
    for (let v = EOS + 1; v < V; v++) {
      const logProb = parent.logProb + logits[r * V + v] - lse[r];
      if (top.length === width && logProb <= top[width - 1].logProb) continue;
      let i = Math.min(top.length, width - 1);
      while (i > 0 && top[i - 1].logProb < logProb) i--;
      const length = parent.length + 1;
      top.splice(i, 0, { token: v, parent, length, logProb, row: r, att: rowAtt[r] });
      if (top.length > width) top.pop();
    }
  }
  return top;
}

function checkOptions(width: number, alpha: number, nbest: number): void {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`Invalid beam width: ${width}; it must be a positive integer`);
  }
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new RangeError(`Invalid alpha: ${alpha}; it must be a number ≥ 0`);
  }
  if (!Number.isInteger(nbest) || nbest < 1 || nbest > width) {
    throw new RangeError(
      `Invalid nbest: ${nbest}; it must be an integer from 1 to the beam width (${width})`,
    );
  }
}

/**
 * Default length normalisation exponent: hypotheses rank by logProb / length^1. Chosen on the
 * validation split (C2K, width 4): alpha 1 beats greedy on exact, BLEU and CER, alpha 0 does not.
 */
export const DEFAULT_ALPHA = 1;

/**
 * Beam search over every source in one batch: each source keeps `width` live hypotheses (one
 * decoder row each, re-arranged with `select`), every EOS extension of a live hypothesis is
 * kept as a finished one, and a source stops when its `nbest` best finished hypotheses
 * cannot be beaten by any live one (an exact bound: scores only fall, and
 * logProb / L^alpha is largest at the longest allowed L). Sources that stop leave the
 * batch. EOS is banned at the first step, PAD and SOS always. At the maximum length every
 * live hypothesis is closed with EOS and flagged `incomplete` when EOS was not its most
 * likely next token. With a width of at least V^maxLength it is an exhaustive search.
 *
 * @param backend A loaded model.
 * @param sources Source ids per word, each ending in EOS.
 * @param options Width, alpha, nbest, maximum lengths, attention.
 * @returns Per source, up to `nbest` hypotheses, best (by normalised score) first.
 * @throws {RangeError} When width, alpha, nbest or maxLength is out of range.
 * @example The two best outputs of a (random) model
 * ```ts
 * import { beamSearch } from "./beam.ts";
 * import { createCpuBackend } from "./cpu_backend.ts";
 * import { randomModel, tinyConfig } from "./_test_model.ts";
 * import { EOS } from "./vocab.ts";
 * const config = tinyConfig();
 * const backend = createCpuBackend(config, randomModel(config, 1));
 * const ids = Int32Array.of(5, 6, EOS); // "ca", then EOS
 * const [[best, second]] = await beamSearch(backend, [ids], { maxLength: 8, width: 4, nbest: 2 });
 * // Ranked by logProb / (length + 1), the default length normalisation (alpha 1).
 * const score = (h: typeof best) => h.logProb / (h.tokens.length + 1);
 * if (score(best) < score(second)) throw new Error("n-best list is not sorted");
 * ```
 */
export async function beamSearch(
  backend: Backend,
  sources: readonly Int32Array[],
  options: BeamOptions,
): Promise<Hypothesis[][]> {
  const { width = 4, alpha = DEFAULT_ALPHA, nbest = 1, attention = false } = options;
  checkOptions(width, alpha, nbest);
  const max = limits(options.maxLength, sources.length);
  if (sources.length === 0) return [];
  const norm = (len: number) => (alpha === 0 ? 1 : Math.pow(len, alpha));
  const searches: Search[] = sources.map((_, i) => ({
    live: [{ token: SOS, parent: null, length: 0, logProb: 0, row: i }],
    finished: [],
    done: false,
  }));
  const { src, srcLen } = padSources(sources);
  const state = await backend.start(src, sources.length, srcLen);
  try {
    // Row r decodes live hypothesis rowNode[r] of source rowSource[r]; rows are grouped by source.
    let rowSource = sources.map((_, i) => i);
    let rowNode = searches.map((s) => s.live[0]);
    let input = new Int32Array(rowSource.length).fill(SOS);
    for (let t = 0; rowSource.length > 0; t++) {
      const logits = await state.step(input); // (rows, V)
      const V = logits.length / rowSource.length;
      const att = attention ? await state.crossAttention() : undefined; // (rows, srcLen)
      const rowAtt = rowSource.map((s, r) =>
        att ? attentionRow(att, r, srcLen, sources[s].length) : undefined
      );
      const lse = rowSource.map((_, r) => logSumExp(logits, r * V, V, t));
      const from: number[] = [];
      const nextNode: Node[] = [];
      const nextSource: number[] = [];
      for (let r0 = 0, r1 = 0; r0 < rowSource.length; r0 = r1) {
        const s = rowSource[r0];
        while (r1 < rowSource.length && rowSource[r1] === s) r1++;
        const search = searches[s];
        const finish = (r: number, incomplete: boolean) => {
          const node = rowNode[r];
          const logProb = node.logProb + logits[r * V + EOS] - lse[r];
          const score = logProb / norm(node.length + 1);
          search.finished.push({ node, logProb, incomplete, score, att: rowAtt[r] });
        };
        if (t === max[s]) {
          for (let r = r0; r < r1; r++) finish(r, argmax(logits, r * V, V, t) !== EOS);
          search.done = true;
          continue;
        }
        if (allowed(EOS, t)) { for (let r = r0; r < r1; r++) finish(r, false); }
        search.live = extend(logits, lse, rowNode, rowAtt, r0, r1, V, width);
        search.finished.sort((a, b) => b.score - a.score);
        search.finished.length = Math.min(search.finished.length, nbest);
        const best = Math.max(...search.live.map((n) => n.logProb));
        search.done = search.live.length === 0 ||
          (search.finished.length === nbest &&
            best / norm(max[s] + 1) <= search.finished[nbest - 1].score);
        if (search.done) continue;
        for (const node of search.live) {
          from.push(node.row);
          nextNode.push(node);
          nextSource.push(s);
        }
      }
      if (from.length === 0) break;
      if (from.length !== rowSource.length || from.some((r, i) => r !== i)) {
        await state.select(Int32Array.from(from));
      }
      rowSource = nextSource;
      rowNode = nextNode;
      input = Int32Array.from(nextNode, (n) => n.token);
    }
  } finally {
    state.dispose();
  }
  return searches.map((s) =>
    s.finished.sort((a, b) => b.score - a.score).slice(0, nbest).map(unwind)
  );
}
