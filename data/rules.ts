/**
 * The dataset's filtering rules and a log that counts what each one removed, per source.
 *
 * Every record a rule rejects is counted here under the rule's id; the card lists each rule
 * with its description and counts, so a reader can see what was left out and why.
 *
 * @module
 */

/** What each rule removes, in the card's words. Ids are stable; the card lists them in order. */
export const RULES: Readonly<Record<string, string>> = {
  "source-duplicate": "the same (English, katakana) pair listed again by the same source",
  "unidic-plural-variant": "UniDic written forms that are the lemma plus ス/ズ (plural forms " +
    "filed under the singular lemma: アイテムズ under item)",
  "unidic-not-english-lemma": "UniDic rows whose lemma reading is not katakana (はあはあ-Ha'aha'a)",
  "sudachi-retired": "Sudachi items kept only as a record of a deletion (expandControl 2)",
  "sudachi-other-form": "Sudachi pairs across different word forms: abbreviations " +
    "(略語・略称: software / ソフト), translations (対訳), other names (別称), former names (旧称)",
  "sudachi-misspelling": "Sudachi items marked as misspellings (間違い表記)",
  "edict-foreign-origin": "EDICT entries tagged with a source language other than English " +
    "(ger:, fre:, ita:, lat: …)",
  "key-empty": "the English key is empty after normalisation",
  "key-chars": "the English key holds characters other than a–z, apostrophe and space (after " +
    "NFKC, diacritic folding, hyphens read as spaces): digits, dots, other scripts",
  "key-single-letter": "single letters (read as letter names, not by the model)",
  "key-too-many-words": "more than 4 words",
  "key-too-long": "the key is longer than 30 characters",
  "kana-empty": "the katakana target is empty",
  "kana-middle-dot": "the target holds a middle dot ・",
  "kana-small-ka-ke": "the target holds ヵ or ヶ",
  "kana-lookalike": "the target holds a look-alike of ー (U+2212 minus, dashes, tildes)",
  "kana-other-chars": "the target holds characters outside the model's katakana " +
    "(hiragana, kanji, Latin letters, ヷ–ヺ, ヽヾ)",
  "kana-bad-start": "the target starts with a small kana or ー",
  "kana-too-long": "the target is longer than 30 characters",
  "acronym": "all-caps acronyms (AIDS, ＩＤＥ): read as letter names, not by the model",
  "brand-mixed-case": "brand spellings with inner capitals (iPhone, McAfee)",
  "proper-not-in-cmudict": "capitalised names (and UniDic proper nouns) whose lower-cased form " +
    "CMUdict does not know and no source lists in lower case (Guingamp → ガンガン)",
  "not-sound-alike": "pairs that fail the sound-alike check: translations, not source " +
    "words (EDICT: trouble → イザコザ), clipped forms (word processor → ワープロ), non-English " +
    "readings (weil → ベイユ)",
  "skk-run-together": "SKK keys that are two or more known words run together " +
    "(moneysupply, beergarden), not known as one word elsewhere",
  "skk-typo": "SKK keys one edit away from a known word that has the same katakana " +
    "(misspellings), not known elsewhere",
  "variant-clipped": "variants that are another variant of the same key cut short by two kana " +
    "or more (レズ beside レズビアン, チョコ beside チョコレート), or the longer one when it " +
    "sounds less like the key",
  "variant-only-old-spelling": "keys whose only targets are old large-kana spellings (スピリツト)",
  "romaji-chars": "romanised readings with characters other than a–z and apostrophe",
  "romaji-english-key": "romanised readings that are also an English key (hide, sake): " +
    "the English reading wins",
  "romaji-over-cap": "romanised readings beyond the cap on romaji pairs (sampled by a " +
    "seeded hash)",
};

/** Counts of removals: rule id → source → count. */
export type RuleCounts = Record<string, Record<string, number>>;

/** A log of rule removals, counted per rule and source. */
export interface RuleLog {
  /**
   * Counts one removal (or `n`).
   * @throws {RangeError} When `rule` is not a rule id in {@link RULES}.
   */
  remove(rule: string, source: string, n?: number): void;
  /** The counts so far, rules and sources sorted. */
  counts(): RuleCounts;
}

/**
 * Creates an empty {@link RuleLog}.
 *
 * @returns A log whose `remove()` accepts only ids listed in {@link RULES}.
 * @throws {RangeError} From `remove()`, for an unknown rule id.
 * @example
 * ```ts
 * import { createRuleLog } from "./rules.ts";
 * const log = createRuleLog();
 * log.remove("acronym", "skk");
 * log.counts(); // { acronym: { skk: 1 } }
 * ```
 */
export function createRuleLog(): RuleLog {
  const counts: RuleCounts = {};
  return {
    remove(rule, source, n = 1) {
      if (!(rule in RULES)) throw new RangeError(`Cannot count rule "${rule}": it is not in RULES`);
      const bySource = counts[rule] ??= {};
      bySource[source] = (bySource[source] ?? 0) + n;
    },
    counts() {
      const out: RuleCounts = {};
      for (const rule of Object.keys(RULES)) {
        if (!counts[rule]) continue;
        out[rule] = Object.fromEntries(
          Object.entries(counts[rule]).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
        );
      }
      return out;
    },
  };
}
