/**
 * Both models on one word whose pronunciation is known: C2K reads the spelling, P2K the
 * ARPAbet, and the union of their beams is re-ranked by
 * log P_c2k(kana | spelling) + weight · log P_p2k(kana | phones). The two err on different
 * words, so together they beat either (CARD.md, "Both models together": 73.9% exact on the
 * P2K test words, against 69.3% for C2K and 57.2% for P2K alone).
 *
 * @module
 */

import type { Candidate, Conversion, Converter } from "./converter.ts";

/** Options of {@link convertWithPhones}. */
export interface CombineOptions {
  /** Weight of P2K's log-probability against C2K's (default 1, chosen on the validation split). */
  weight?: number;
  /** Candidates each model's beam gives (default 4). */
  beamWidth?: number;
}

/**
 * Converts a word with C2K and its pronunciation with P2K, and keeps the reading both models
 * like best.
 *
 * @param c2k A C2K converter.
 * @param p2k A P2K converter.
 * @param word The English word.
 * @param phones Its ARPAbet pronunciation (a string or an array of symbols).
 * @param options The weight of P2K and the beam width.
 * @returns The best reading; `logProb` is the combined score, and `nbest` every candidate
 *   with its combined score, best first. Where C2K does not read the word whole (acronyms
 *   spelled as letter names, mixed input), C2K's conversion as it is.
 * @throws {TypeError} When the converters are not a C2K and a P2K model, or the input is empty
 *   or unreadable.
 * @throws {RangeError} On a weight that is negative or not finite, or a bad beam width.
 * @example
 * ```ts
 * import { loadConverter } from "../mod.ts";
 * import { convertWithPhones } from "./combine.ts";
 * const c2k = await loadConverter("c2k");
 * const p2k = await loadConverter("p2k");
 * const out = await convertWithPhones(c2k, p2k, "florida", "F L AO1 R IH0 D AH0");
 * console.log(out.kana); // フロリダ
 * ```
 */
export async function convertWithPhones(
  c2k: Converter,
  p2k: Converter,
  word: string,
  phones: string | string[],
  options: CombineOptions = {},
): Promise<Conversion> {
  const { weight = 1, beamWidth = 4 } = options;
  if (c2k.task !== "c2k" || p2k.task !== "p2k") {
    throw new TypeError(
      `Cannot combine: expected a c2k and a p2k converter, got ${c2k.task} and ${p2k.task}`,
    );
  }
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RangeError(`Invalid weight: ${weight}; use a finite number >= 0`);
  }
  const opts = { strategy: "beam" as const, beamWidth, nbest: beamWidth };
  const fromSpelling = await c2k.convert(word, opts);
  if (fromSpelling.source !== "model") return fromSpelling;
  const fromPhones = await p2k.convert(phones, opts);
  const pool = await scorePool(c2k, p2k, word, phones, [fromSpelling, fromPhones]);
  const ranked: Candidate[] = pool
    .map((p) => ({ kana: p.kana, logProb: p.c2k + weight * p.p2k, incomplete: p.incomplete }))
    .sort((x, y) => y.logProb - x.logProb);
  return { input: word, ...ranked[0], source: "model", nbest: ranked };
}

/** One pooled candidate with its log-probability under each model. */
export interface PooledCandidate {
  kana: string;
  /** log P_c2k(kana | spelling). */
  c2k: number;
  /** log P_p2k(kana | phones). */
  p2k: number;
  /** True when a beam cut it at its maximum length. */
  incomplete: boolean;
}

/**
 * The distinct candidates of both conversions' n-best lists, in order, each scored by both
 * models: what {@link convertWithPhones} ranks, and what `train/rerank.ts` ranks at several
 * weights.
 *
 * @param conversions C2K's and P2K's conversions of the word, with `nbest`.
 */
export async function scorePool(
  c2k: Converter,
  p2k: Converter,
  word: string,
  phones: string | string[],
  conversions: readonly Conversion[],
): Promise<PooledCandidate[]> {
  const all = conversions.flatMap((c) => c.nbest ?? []);
  const kana = [...new Set(all.map((c) => c.kana))];
  const cut = new Set(all.filter((c) => c.incomplete).map((c) => c.kana));
  const [a, b] = await Promise.all([c2k.score(word, kana), p2k.score(phones, kana)]);
  return kana.map((k, i) => ({ kana: k, c2k: a[i], p2k: b[i], incomplete: cut.has(k) }));
}
