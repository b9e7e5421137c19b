/**
 * Quality figures for katakana predictions, each computed overall and by kind of example.
 *
 * Definitions (a prediction is one string; its references are all accepted variants):
 *
 * - **Exact match**: the share of predictions equal to at least one reference.
 * - **Character BLEU-3**, corpus-level, the definition of torcheval's `BLEUScore(n_gram=3)`
 *   that e2k reports, with characters as tokens and no special tokens:
 *   for n = 1..3, clipped matches m_n = Σ over predictions of Σ over the prediction's n-grams
 *   of min(count in prediction, max count in any one reference), and possible p_n = Σ
 *   max(0, |prediction| − n + 1). With c = Σ |prediction| and r = Σ (length of the shortest
 *   reference), BLEU = BP · exp(⅓ Σ_n ln(m_n / p_n)), BP = 1 if c > r else exp(1 − r / c).
 *   BLEU is 0 when some m_n or p_n is 0 (no smoothing).
 * - **CER**: per prediction, the Levenshtein distance (insert, delete, substitute, each 1;
 *   over Unicode code points) to the closest reference, divided by that reference's length
 *   (the closest is the one with the smallest distance; ties go to the smaller rate);
 *   then averaged over predictions. So CER may exceed 1 for a prediction much longer than
 *   every reference.
 *
 * @module
 */

/** One scored prediction. */
export interface Scored {
  /** The model's output. */
  prediction: string;
  /** Every accepted variant (at least one). */
  references: readonly string[];
  /** The example's kind ("en", "phrase", "romaji"), for the breakdown. */
  kind: string;
}

/** The figures for one group of predictions. */
export interface Figures {
  /** Number of predictions. */
  count: number;
  /** Share equal to an accepted variant, 0..1. */
  exact: number;
  /** Corpus-level character BLEU-3, 0..1. */
  bleu: number;
  /** Mean character error rate against the closest variant. */
  cer: number;
}

/** Figures overall and for each kind present. */
export interface Report {
  overall: Figures;
  byKind: Record<string, Figures>;
}

/** Whether `prediction` equals one of `references`. */
export function exactMatch(prediction: string, references: readonly string[]): boolean {
  return references.includes(prediction);
}

/**
 * Levenshtein distance over code points (insertions, deletions, substitutions cost 1).
 *
 * @example
 * ```ts
 * import { editDistance } from "./metrics.ts";
 * editDistance("コンピュータ", "コンピューター"); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a), y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Array<number>(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}

/**
 * Character error rate of one prediction against its closest reference.
 *
 * @throws {RangeError} When there is no reference or the closest one is empty.
 */
export function characterErrorRate(prediction: string, references: readonly string[]): number {
  if (references.length === 0) throw new RangeError("Cannot score a prediction with no reference");
  let best = Infinity, rate = Infinity;
  for (const ref of references) {
    const d = editDistance(prediction, ref);
    const len = Array.from(ref).length;
    const r = len === 0 ? (d === 0 ? 0 : Infinity) : d / len;
    if (d < best || (d === best && r < rate)) [best, rate] = [d, r];
  }
  if (!Number.isFinite(rate)) throw new RangeError("Cannot score against an empty reference");
  return rate;
}

/** Running sums of corpus-level BLEU. */
export interface BleuAccumulator {
  /** Adds one prediction with its references. */
  add(prediction: string, references: readonly string[]): void;
  /** The corpus-level score so far. */
  score(): number;
}

function ngrams(chars: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const g = chars.slice(i, i + n).join("\u0000");
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}

/**
 * Starts a corpus-level character BLEU (defined in the module doc).
 *
 * @param maxN Largest n-gram order (3 to compare with e2k).
 * @example
 * ```ts
 * import { createBleu } from "./metrics.ts";
 * const bleu = createBleu(3);
 * bleu.add("アイウ", ["アイウ"]);
 * bleu.score(); // 1
 * ```
 */
export function createBleu(maxN = 3): BleuAccumulator {
  const matches = new Array<number>(maxN).fill(0);
  const possible = new Array<number>(maxN).fill(0);
  let predLen = 0, refLen = 0;
  return {
    add(prediction, references) {
      if (references.length === 0) {
        throw new RangeError("Cannot score a prediction with no reference");
      }
      const p = Array.from(prediction);
      const refs = references.map((r) => Array.from(r));
      predLen += p.length;
      refLen += Math.min(...refs.map((r) => r.length));
      for (let n = 1; n <= maxN; n++) {
        const maxRef = new Map<string, number>();
        for (const r of refs) {
          for (const [g, c] of ngrams(r, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
        }
        for (const [g, c] of ngrams(p, n)) matches[n - 1] += Math.min(c, maxRef.get(g) ?? 0);
        possible[n - 1] += Math.max(0, p.length - n + 1);
      }
    },
    score() {
      if (matches.some((m) => m === 0) || possible.some((p) => p === 0)) return 0;
      const logMean = matches.reduce((s, m, i) => s + Math.log(m / possible[i]), 0) / maxN;
      const bp = predLen > refLen ? 1 : Math.exp(1 - refLen / predLen);
      return bp * Math.exp(logMean);
    },
  };
}

function figures(items: readonly Scored[]): Figures {
  const bleu = createBleu(3);
  let exact = 0, cer = 0;
  for (const it of items) {
    if (exactMatch(it.prediction, it.references)) exact++;
    cer += characterErrorRate(it.prediction, it.references);
    bleu.add(it.prediction, it.references);
  }
  const n = items.length;
  return { count: n, exact: n ? exact / n : 0, bleu: bleu.score(), cer: n ? cer / n : 0 };
}

/**
 * Exact match, BLEU-3 and CER, overall and by kind.
 *
 * @param items Predictions with their references and kinds.
 * @returns The figures; `byKind` has one entry per kind present.
 * @throws {RangeError} When an item has no reference.
 */
export function score(items: readonly Scored[]): Report {
  const groups = new Map<string, Scored[]>();
  for (const it of items) {
    const g = groups.get(it.kind) ?? [];
    g.push(it);
    groups.set(it.kind, g);
  }
  const byKind: Record<string, Figures> = {};
  for (const [kind, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    byKind[kind] = figures(g);
  }
  return { overall: figures(items), byKind };
}
