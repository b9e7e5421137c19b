/**
 * Normalisation of the dataset's English keys and katakana targets.
 *
 * Every source goes through the same two functions, so a rule means the same thing for all of
 * them. A function either returns the normalised value or names the rule that rejected it; the
 * build counts each rejection under that rule's id (see `rules.ts`), so nothing is dropped
 * silently.
 *
 * @module
 */

import { KATAKANA } from "../infer/vocab.ts";

/** Longest English key kept, in characters (a source length limit, counted when it applies). */
export const MAX_KEY_CHARS = 30;
/** Longest katakana target kept, in characters. */
export const MAX_KANA_CHARS = 30;
/** Most words in a phrase; longer multi-word keys are counted and dropped. */
export const MAX_PHRASE_WORDS = 4;

/** What kind of English key a record holds: one word, or a phrase of 2–4 words. */
export type KeyKind = "en" | "phrase";

/**
 * How the key was capitalised in its source: `lower` (a common word), `title` (a proper noun
 * or a sentence-initial word), `upper` (an all-caps acronym, two letters or more), `mixed`
 * (a brand spelling such as iPhone or McDonald).
 */
export type CaseClass = "lower" | "title" | "upper" | "mixed";

/** A normalised English key, or the id of the rule that rejected it. */
export type KeyResult =
  | { ok: true; key: string; kind: KeyKind; case: CaseClass }
  | { ok: false; rule: string };

/** A normalised katakana target, or the id of the rule that rejected it. */
export type KanaResult = { ok: true; kana: string } | { ok: false; rule: string };

const KATAKANA_SET: ReadonlySet<string> = new Set(KATAKANA);
const WORD = /^[a-z][a-z']*$/;
// Small kana and the long mark cannot start a word.
const BAD_START = new Set([..."ァィゥェォッャュョヮー"]);
// Characters that look like the long-vowel mark in some sources (U+2212 minus, dashes, tildes).
const LONG_MARK_LOOKALIKES = new Set([..."−‐‑–—―〜～ｰ-"]);

function wordCase(word: string): CaseClass {
  const letters = word.replace(/[^A-Za-z]/g, "");
  if (letters === letters.toLowerCase()) return "lower";
  if (letters.length >= 2 && letters === letters.toUpperCase()) return "upper";
  const rest = letters.slice(1);
  return rest === rest.toLowerCase() ? "title" : "mixed";
}

/**
 * The capitalisation class of a text of one or more words: `upper` if any word is an all-caps
 * acronym, else `mixed` if any word has inner capitals, else `title` if any word is capitalised,
 * else `lower`.
 *
 * @param text English text as written in the source (after NFKC).
 * @returns Its {@link CaseClass}.
 * @example Classes
 * ```ts
 * import { caseClass } from "./normalize.ts";
 * caseClass("computer"); // "lower"
 * caseClass("New York"); // "title"
 * caseClass("AIDS"); // "upper"
 * caseClass("iPhone"); // "mixed"
 * ```
 */
export function caseClass(text: string): CaseClass {
  const classes = text.split(/[\s-]+/).filter((w) => /[A-Za-z]/.test(w)).map(wordCase);
  for (const c of ["upper", "mixed", "title"] as const) if (classes.includes(c)) return c;
  return "lower";
}

/**
 * Folds Latin diacritics to plain letters (café → cafe) and straightens curly apostrophes.
 *
 * @param text Text after NFKC.
 * @returns The text with combining marks removed.
 */
export function foldLatin(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC").replace(/[’‘`´]/g, "'");
}

/**
 * Normalises an English key: NFKC, diacritics folded, hyphens and underscores read as spaces,
 * spaces collapsed, lower-cased; then each word must be a–z with inner apostrophes.
 *
 * @param raw The English text as the source writes it.
 * @returns The key, its kind and the source's capitalisation, or the rule that rejected it:
 *   `key-empty`, `key-chars` (characters other than a–z, apostrophe, space), `key-single-letter`,
 *   `key-too-many-words` (more than {@link MAX_PHRASE_WORDS}), `key-too-long`.
 * @example A phrase
 * ```ts
 * import { normalizeKey } from "./normalize.ts";
 * normalizeKey("Anglo-Saxon"); // { ok: true, key: "anglo saxon", kind: "phrase", case: "title" }
 * normalizeKey("ＩＤＥ"); // { ok: true, key: "ide", kind: "en", case: "upper" }
 * ```
 */
export function normalizeKey(raw: string): KeyResult {
  const text = foldLatin(raw.normalize("NFKC")).replace(/[-_]/g, " ").replace(/\s+/g, " ").trim();
  if (text === "") return { ok: false, rule: "key-empty" };
  const key = text.toLowerCase();
  const words = key.split(" ");
  if (!words.every((w) => WORD.test(w))) return { ok: false, rule: "key-chars" };
  if (words.length === 1 && key.length === 1) return { ok: false, rule: "key-single-letter" };
  if (words.length > MAX_PHRASE_WORDS) return { ok: false, rule: "key-too-many-words" };
  if (key.length > MAX_KEY_CHARS) return { ok: false, rule: "key-too-long" };
  return { ok: true, key, kind: words.length === 1 ? "en" : "phrase", case: caseClass(text) };
}

/**
 * Normalises a katakana target: NFKC (half-width katakana become full-width), then every
 * character must be in the model's KATAKANA vocabulary.
 *
 * @param raw The katakana as the source writes it.
 * @returns The kana, or the rule that rejected it: `kana-empty`, `kana-middle-dot` (・),
 *   `kana-small-ka-ke` (ヵ ヶ), `kana-lookalike` (U+2212 and dashes used for ー),
 *   `kana-other-chars` (anything else outside KATAKANA), `kana-bad-start` (starts with a small
 *   kana or ー), `kana-too-long`.
 * @example
 * ```ts
 * import { normalizeKana } from "./normalize.ts";
 * normalizeKana("ｺﾝﾋﾟｭｰﾀｰ"); // { ok: true, kana: "コンピューター" }
 * normalizeKana("コンピュ−タ−"); // { ok: false, rule: "kana-lookalike" }
 * ```
 */
export function normalizeKana(raw: string): KanaResult {
  const kana = raw.normalize("NFKC").trim();
  if (kana === "") return { ok: false, rule: "kana-empty" };
  for (const ch of kana) {
    if (KATAKANA_SET.has(ch)) continue;
    if (ch === "・") return { ok: false, rule: "kana-middle-dot" };
    if (ch === "ヵ" || ch === "ヶ") return { ok: false, rule: "kana-small-ka-ke" };
    if (LONG_MARK_LOOKALIKES.has(ch)) return { ok: false, rule: "kana-lookalike" };
    return { ok: false, rule: "kana-other-chars" };
  }
  if (BAD_START.has(kana[0])) return { ok: false, rule: "kana-bad-start" };
  if (kana.length > MAX_KANA_CHARS) return { ok: false, rule: "kana-too-long" };
  return { ok: true, kana };
}

/**
 * True when `text` (after NFKC) is written entirely in katakana, so that a source field can be
 * told apart from a kanji or alphabetic one before it is treated as a target.
 *
 * @param text Any text.
 * @returns Whether it contains katakana and only katakana, ・ and long-mark look-alikes.
 */
export function looksKatakana(text: string): boolean {
  return /^[\u30a0-\u30ff\uff66-\uff9f−‐–—～〜-]+$/u.test(text.normalize("NFKC")) &&
    /[\u30a1-\u30fa]/u.test(text.normalize("NFKC"));
}

/**
 * True when `text` (after NFKC) is written in Latin letters (with spaces, hyphens, apostrophes,
 * dots or digits), so that it can be read as an English source word.
 *
 * @param text Any text.
 * @returns Whether it starts with a Latin letter and holds no other script.
 */
export function looksLatin(text: string): boolean {
  return /^[\p{Script=Latin}][\p{Script=Latin}\p{M}0-9 '’.&,!?\-]*$/u.test(
    text.normalize("NFKC").trim(),
  );
}
