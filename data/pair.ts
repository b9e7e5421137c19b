/**
 * The raw pair every source reader yields: English text as the source writes it, and one
 * katakana reading, before normalisation and filtering.
 *
 * @module
 */

/** The curated English → katakana sources, in the card's order. */
export const SOURCES = ["unidic", "sudachi", "skk", "edict"] as const;

/** One of {@link SOURCES}. */
export type SourceId = typeof SOURCES[number];

/** An English → katakana pair as a source lists it. */
export interface RawPair {
  /** Which source lists it. */
  source: SourceId;
  /** The English text as written there (any case, maybe full-width). */
  english: string;
  /** The katakana as written there (maybe half-width, maybe with look-alikes). */
  kana: string;
  /** True when the source marks this reading as its headword or lemma (a tie-breaker in ranking). */
  canonical: boolean;
  /** True when the source marks the word as a proper noun (kept only if CMUdict knows it). */
  proper?: boolean;
}
