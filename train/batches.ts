/**
 * From dataset examples to the integer tensors a training step reads: encode every example to
 * vocabulary ids (skipping, and counting, what does not fit), then group examples of similar
 * length into batches (length bucketing keeps padding small), in a seeded order.
 *
 * Tensors of one batch (B rows, S = longest source + 1, T = longest target + 1):
 * ```text
 * src     (B, S) int64  source ids, EOS, PAD…
 * tgt_in  (B, T) int64  SOS (or an item's own start symbol), katakana ids, PAD…
 * tgt_out (B, T) int64  katakana ids, EOS, PAD…
 * task    (B)    int64  task id of each row
 * ```
 *
 * @module
 */

import { C2K_SOURCE, EOS, indexOf, P2K_SOURCE, PAD, SOS, TARGET } from "../infer/vocab.ts";
import type { Kind } from "./config.ts";
import { makeRng, type Rng } from "./rng.ts";

/** What batching reads from a dataset example (`data/dataset.ts`'s Example fits). */
export interface SourceExample {
  /** The English spelling (or romaji, or a phrase). */
  key: string;
  /** Accepted katakana variants, best first. */
  kana: string[];
  /** Kind of example; each trained kind is one task. */
  kind: Kind;
  /** P2K: every listed pronunciation, ARPAbet symbols separated by spaces. */
  phones?: string[];
}

/** One encoded (source, target) pair. */
export interface Item {
  /** Source ids, without EOS. */
  src: Int32Array;
  /** Target ids, without SOS or EOS. */
  tgt: Int32Array;
  /** Task id (index into the trained kinds). */
  task: number;
  /** Index of the example it came from (-1: an auxiliary item, see train/auxiliary.ts). */
  example: number;
  /** The decoder's first input; SOS when absent. */
  start?: number;
}

/** Options of {@link encodeExamples}. */
export interface EncodeOptions {
  /** c2k reads `key`, p2k reads each of `phones`. */
  task: "c2k" | "p2k";
  /** "top": the first variant only; "all": one item per accepted variant. */
  variants: "top" | "all";
  /** Kinds to keep; the task id of a kind is its index here (unknown kinds get task 0). */
  kinds: readonly Kind[];
  /** Kinds that get their own task id; defaults to `kinds`. */
  taskKinds?: readonly Kind[];
  /** Longest source, EOS included. */
  maxSrcLen: number;
  /** Longest decoder input, SOS included. */
  maxTgtLen: number;
}

/** Encoded items with the counts of what was left out and why. */
export interface Encoded {
  items: Item[];
  /** Examples of a kind not asked for. */
  otherKind: number;
  /** Pairs whose source or target is longer than the model allows. */
  tooLong: number;
  /** Pairs with a symbol outside the vocabularies (the first few are listed in `unknown`). */
  unknownSymbol: number;
  /** P2K examples without a pronunciation. */
  noSource: number;
  /** Up to 10 symbols that were not in a vocabulary. */
  unknown: string[];
}

const TARGET_IDS = indexOf(TARGET);
const C2K_IDS = indexOf(C2K_SOURCE);
const P2K_IDS = indexOf(P2K_SOURCE);

/** Splits a source into vocabulary symbols: characters (c2k) or space-separated phones (p2k). */
export function sourceSymbols(task: "c2k" | "p2k", text: string): string[] {
  if (task === "c2k") return Array.from(text.toLowerCase());
  // P2K: symbols separated by single spaces; a word boundary is written " | " or two spaces.
  return text.trim().split(/ +/).map((s) => (s === "|" ? " " : s));
}

function encode(symbols: string[], ids: Map<string, number>, unknown: string[]): Int32Array | null {
  const out = new Int32Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const id = ids.get(symbols[i]);
    if (id === undefined || id < 3) {
      if (unknown.length < 10 && !unknown.includes(symbols[i])) unknown.push(symbols[i]);
      return null;
    }
    out[i] = id;
  }
  return out;
}

/**
 * Encodes examples to id sequences.
 *
 * @param examples Dataset examples.
 * @param opts Which source, variants and kinds; the length limits.
 * @returns The items in example order, and counts of what was skipped.
 * @example
 * ```ts
 * import { encodeExamples } from "./batches.ts";
 * const { items } = encodeExamples(
 *   [{ key: "cat", kana: ["キャット"], kind: "en" }],
 *   { task: "c2k", variants: "top", kinds: ["en"], maxSrcLen: 32, maxTgtLen: 32 },
 * );
 * ```
 */
export function encodeExamples(examples: readonly SourceExample[], opts: EncodeOptions): Encoded {
  const out: Encoded = {
    items: [],
    otherKind: 0,
    tooLong: 0,
    unknownSymbol: 0,
    noSource: 0,
    unknown: [],
  };
  const taskKinds = opts.taskKinds ?? opts.kinds;
  const srcIds = opts.task === "c2k" ? C2K_IDS : P2K_IDS;
  examples.forEach((ex, index) => {
    if (!opts.kinds.includes(ex.kind)) return void out.otherKind++;
    const sources = opts.task === "c2k" ? [ex.key] : ex.phones ?? [];
    if (sources.length === 0) return void out.noSource++;
    const targets = opts.variants === "top" ? ex.kana.slice(0, 1) : ex.kana;
    const task = Math.max(0, taskKinds.indexOf(ex.kind));
    for (const source of sources) {
      const src = encode(sourceSymbols(opts.task, source), srcIds, out.unknown);
      for (const kana of targets) {
        const tgt = encode(Array.from(kana), TARGET_IDS, out.unknown);
        if (src === null || tgt === null) out.unknownSymbol++;
        else if (src.length + 1 > opts.maxSrcLen || tgt.length + 1 > opts.maxTgtLen) out.tooLong++;
        else out.items.push({ src, tgt, task, example: index });
      }
    }
  });
  return out;
}

/** Options of {@link planBatches}. */
export interface BatchOptions {
  /** Rows per batch (used when `tokenBudget` is 0). */
  batchSize: number;
  /** If > 0: most rows × longest sequence (source or target, with EOS/SOS) per batch. */
  tokenBudget?: number;
  /** Shuffle seed; `null` keeps a deterministic length order (for evaluation). */
  seed: number | null;
}

/** Shuffles `xs` in place (Fisher–Yates) and returns it. */
function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function lengthOf(it: Item): number {
  return Math.max(it.src.length, it.tgt.length) + 1;
}

/**
 * Groups items into batches of similar length: order items by (source length, target length)
 * with ties broken at random, cut the order into batches, then shuffle the batches.
 *
 * @param items Encoded items.
 * @param opts Batch size or token budget, and the seed.
 * @returns For each batch, the indices of its items.
 * @throws {RangeError} When a token budget cannot hold even one item.
 */
export function planBatches(items: readonly Item[], opts: BatchOptions): number[][] {
  const order = items.map((_, i) => i);
  const rng = opts.seed === null ? null : makeRng(opts.seed);
  if (rng) shuffle(order, rng);
  // Array.prototype.sort is stable, so the shuffle decides the order within equal lengths.
  order.sort((a, b) =>
    items[a].src.length - items[b].src.length || items[a].tgt.length - items[b].tgt.length
  );
  const batches: number[][] = [];
  const budget = opts.tokenBudget ?? 0;
  let cur: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = lengthOf(items[i]);
    if (budget > 0 && len > budget) {
      throw new RangeError(
        `Invalid token budget ${budget}: an item needs ${len} tokens; raise "tokenBudget"`,
      );
    }
    const full = budget > 0
      ? (cur.length + 1) * Math.max(longest, len) > budget
      : cur.length >= opts.batchSize;
    if (full) {
      batches.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(i);
    longest = Math.max(longest, len);
  }
  if (cur.length > 0) batches.push(cur);
  if (rng) shuffle(batches, rng);
  return batches;
}

/** One batch as flat typed arrays, ready to become tensors. */
export interface Batch {
  rows: number;
  /** Source width: longest source + EOS. */
  srcLen: number;
  /** Target width: longest target + 1 (SOS in `tgtIn`, EOS in `tgtOut`). */
  tgtLen: number;
  /** (rows, srcLen) */
  src: BigInt64Array;
  /** (rows, tgtLen) */
  tgtIn: BigInt64Array;
  /** (rows, tgtLen) */
  tgtOut: BigInt64Array;
  /** (rows) */
  task: BigInt64Array;
  /** Target tokens that count in the loss (katakana + EOS, no padding). */
  tokens: number;
}

/**
 * Builds the padded tensors of one batch.
 *
 * @param items All items.
 * @param indices The batch's item indices.
 * @returns The batch's arrays, PAD-filled.
 */
export function makeBatch(items: readonly Item[], indices: readonly number[]): Batch {
  const rows = indices.length;
  let srcLen = 0, tgtLen = 0, tokens = 0;
  for (const i of indices) {
    srcLen = Math.max(srcLen, items[i].src.length + 1);
    tgtLen = Math.max(tgtLen, items[i].tgt.length + 1);
  }
  const src = new BigInt64Array(rows * srcLen).fill(BigInt(PAD));
  const tgtIn = new BigInt64Array(rows * tgtLen).fill(BigInt(PAD));
  const tgtOut = new BigInt64Array(rows * tgtLen).fill(BigInt(PAD));
  const task = new BigInt64Array(rows);
  indices.forEach((index, r) => {
    const it = items[index];
    for (let j = 0; j < it.src.length; j++) src[r * srcLen + j] = BigInt(it.src[j]);
    src[r * srcLen + it.src.length] = BigInt(EOS);
    tgtIn[r * tgtLen] = BigInt(it.start ?? SOS);
    for (let j = 0; j < it.tgt.length; j++) {
      tgtIn[r * tgtLen + j + 1] = BigInt(it.tgt[j]);
      tgtOut[r * tgtLen + j] = BigInt(it.tgt[j]);
    }
    tgtOut[r * tgtLen + it.tgt.length] = BigInt(EOS);
    task[r] = BigInt(it.task);
    tokens += it.tgt.length + 1;
  });
  return { rows, srcLen, tgtLen, src, tgtIn, tgtOut, task, tokens };
}
