/**
 * Decode a split with a loaded model and score it: the shared core of per-epoch validation
 * (train/loop.ts) and `deno task eval` (train/evaluate.ts).
 *
 * Every source is one prediction: a word for C2K, each listed pronunciation for P2K; its
 * references are all accepted katakana variants of its example.
 *
 * @module
 */

import type { Backend } from "../infer/backend.ts";
import { beamSearch, DEFAULT_ALPHA } from "../infer/beam.ts";
import { greedy, type Hypothesis } from "../infer/greedy.ts";
import { EOS } from "../infer/vocab.ts";
import { encodeExamples, type SourceExample } from "./batches.ts";
import type { Kind } from "./config.ts";
import { characterErrorRate, type Scored } from "./metrics.ts";

/** One source to decode, with what it is judged against. */
export interface EvalItem {
  /** Source ids followed by EOS. */
  source: Int32Array;
  /** The example's key (the English word, phrase or romaji). */
  key: string;
  /** The source as text: the key (C2K) or the pronunciation (P2K). */
  input: string;
  /** Accepted variants, best first. */
  references: readonly string[];
  kind: Kind;
}

/** Items to decode and how many sources were left out. */
export interface EvalSet {
  items: EvalItem[];
  /** Sources longer than the model's maxSrcLen, or with symbols outside its vocabulary. */
  skipped: number;
}

/**
 * Turns examples into sources to decode.
 *
 * @param examples Examples of one split.
 * @param task Which source the model reads.
 * @param kinds Kinds to keep.
 * @param maxSrcLen The model's longest source, EOS included.
 * @returns The items, in example order.
 */
export function evalSet(
  examples: readonly SourceExample[],
  task: "c2k" | "p2k",
  kinds: readonly Kind[],
  maxSrcLen: number,
): EvalSet {
  // Targets do not limit decoding, so their length and variants do not matter here.
  const enc = encodeExamples(examples, {
    task,
    variants: "top",
    kinds,
    maxSrcLen,
    maxTgtLen: Number.MAX_SAFE_INTEGER,
  });
  const sourceIndex = new Map<number, number>(); // which pronunciation of the example
  const items = enc.items.map((it): EvalItem => {
    const ex = examples[it.example];
    const k = sourceIndex.get(it.example) ?? 0;
    sourceIndex.set(it.example, k + 1);
    const source = new Int32Array(it.src.length + 1);
    source.set(it.src);
    source[it.src.length] = EOS;
    return {
      source,
      key: ex.key,
      input: task === "c2k" ? ex.key : (ex.phones?.[k] ?? ""),
      references: ex.kana,
      kind: ex.kind,
    };
  });
  return { items, skipped: enc.tooLong + enc.unknownSymbol + enc.noSource };
}

/** How to decode. */
export interface DecodeSettings {
  strategy: "greedy" | "beam";
  /** Beam width (beam only). */
  beam?: number;
  /** Length normalisation exponent (beam only). */
  alpha?: number;
  /** Most katakana per output: the model's maxTgtLen - 1. */
  maxLength: number;
  /** Sources per decoder batch. */
  batchSize?: number;
  /** Called after each batch with the number of sources done in it. */
  onBatch?: (done: number) => void;
}

/**
 * Decodes every item and returns the katakana strings.
 *
 * @param backend A loaded model.
 * @param items What to decode.
 * @param tgtVocab The model's target symbols by id.
 * @param s Strategy, beam width, maximum length, batch size.
 * @returns One prediction per item, in order; an incomplete output is returned as far as it got.
 */
export async function decodeItems(
  backend: Backend,
  items: readonly EvalItem[],
  tgtVocab: readonly string[],
  s: DecodeSettings,
): Promise<string[]> {
  const batchSize = s.batchSize ?? 64;
  // Decode in length order so a batch's rows finish together; report in the original order.
  const order = items.map((_, i) => i).sort((a, b) =>
    items[a].source.length - items[b].source.length || a - b
  );
  const out = new Array<string>(items.length);
  for (let at = 0; at < order.length; at += batchSize) {
    const idx = order.slice(at, at + batchSize);
    const sources = idx.map((i) => items[i].source);
    let hyps: Hypothesis[];
    if (s.strategy === "beam") {
      const n = await beamSearch(backend, sources, {
        maxLength: s.maxLength,
        width: s.beam ?? 4,
        alpha: s.alpha ?? DEFAULT_ALPHA,
        nbest: 1,
      });
      hyps = n.map((list) => list[0]);
    } else {
      hyps = await greedy(backend, sources, { maxLength: s.maxLength });
    }
    idx.forEach((i, r) => (out[i] = hyps[r].tokens.map((t) => tgtVocab[t]).join("")));
    s.onBatch?.(idx.length);
  }
  return out;
}

/** Pairs predictions with their items for {@link score}. */
export function scored(items: readonly EvalItem[], predictions: readonly string[]): Scored[] {
  return items.map((it, i) => ({
    prediction: predictions[i],
    references: it.references,
    kind: it.kind,
  }));
}

/** One wrong prediction. */
export interface ErrorCase {
  kind: Kind;
  input: string;
  prediction: string;
  references: readonly string[];
  cer: number;
}

/**
 * The wrong predictions, worst first (highest CER, then longest reference, then input order).
 *
 * @param items The decoded items.
 * @param predictions Their predictions.
 * @param limit Most cases to return.
 * @returns The cases.
 */
export function worstErrors(
  items: readonly EvalItem[],
  predictions: readonly string[],
  limit: number,
): ErrorCase[] {
  const cases: (ErrorCase & { at: number })[] = [];
  items.forEach((it, i) => {
    const p = predictions[i];
    if (it.references.includes(p)) return;
    cases.push({
      at: i,
      kind: it.kind,
      input: it.input,
      prediction: p,
      references: it.references,
      cer: characterErrorRate(p, it.references),
    });
  });
  cases.sort((a, b) =>
    b.cer - a.cer || b.references[0].length - a.references[0].length || a.at - b.at
  );
  return cases.slice(0, limit).map(({ at: _, ...c }) => c);
}
