/**
 * Ranking of a key's katakana variants: most sources first, then the spelling more sources
 * give as their headword, then code-point order; old spellings with large kana (スピリツト for
 * スピリット) never come first.
 *
 * @module
 */

import type { SourceId } from "./pair.ts";
import { SOURCES } from "./pair.ts";

/** One katakana variant of a key and who lists it. */
export interface Variant {
  /** The katakana. */
  kana: string;
  /** Sources that list it. */
  sources: ReadonlySet<SourceId>;
  /** How many of them give it as their headword or lemma. */
  canonical: number;
}

const SMALL_TO_LARGE: Readonly<Record<string, string>> = {
  "ァ": "ア",
  "ィ": "イ",
  "ゥ": "ウ",
  "ェ": "エ",
  "ォ": "オ",
  "ッ": "ツ",
  "ャ": "ヤ",
  "ュ": "ユ",
  "ョ": "ヨ",
  "ヮ": "ワ",
};
// A large ツ before a k, s, t, p, g or d sound is where modern spelling has the small ッ
// (ヘツド for ヘッド). Not before b: ピッツバーグ (Pittsburgh) spells "ts" with a large ツ; and
// only in single words without a "ts" sound, since ツ ends a word in phrases (フルーツドロップ).
const TS_SOUND = / |ts|tz|ds|zz/;
const OLD_TSU = /ツ[カキクケコガギグゲゴサシスセソタチテトダヂヅデドパピプペポ]/;

/**
 * Writes every small kana large (ッ → ツ, ャ → ヤ …), as spelling did before the 1940s.
 *
 * @param kana Katakana.
 * @returns The same with large kana only.
 */
export function enlarge(kana: string): string {
  return [...kana].map((ch) => SMALL_TO_LARGE[ch] ?? ch).join("");
}

/**
 * Whether a variant is an old large-kana spelling: another variant becomes it when its small
 * kana are written large, or it has a large ツ where a small ッ belongs (ツト, ツク, ツド …)
 * and the key is one word without a "ts" sound.
 *
 * @param kana The variant.
 * @param others All variants of the same key (may include `kana`).
 * @param key The English key; omit it to test the variants only.
 * @returns True for an old spelling.
 * @example
 * ```ts
 * import { isOldSpelling } from "./rank.ts";
 * isOldSpelling("スピリツト", ["スピリット", "スピリツト"]); // true
 * isOldSpelling("スピリット", ["スピリット", "スピリツト"]); // false
 * ```
 */
export function isOldSpelling(kana: string, others: readonly string[], key = ""): boolean {
  if (OLD_TSU.test(kana) && !TS_SOUND.test(key)) return true;
  return others.some((o) => o !== kana && enlarge(o) === kana);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Ranks variants (see the module doc). Old spellings go after every modern one.
 *
 * @param variants A key's variants, in any order.
 * @param key The English key (see {@link isOldSpelling}).
 * @returns The ranked variants, and whether every one of them is an old spelling.
 */
export function rankVariants(
  variants: readonly Variant[],
  key = "",
): { ranked: Variant[]; allOld: boolean } {
  const all = variants.map((v) => v.kana);
  const old = new Set(all.filter((k) => isOldSpelling(k, all, key)));
  const ranked = [...variants].sort((a, b) =>
    Number(old.has(a.kana)) - Number(old.has(b.kana)) ||
    b.sources.size - a.sources.size ||
    b.canonical - a.canonical ||
    cmp(a.kana, b.kana)
  );
  return { ranked, allOld: old.size === variants.length };
}

/**
 * A variant's sources in the card's order.
 *
 * @param sources A set of sources.
 * @returns Them as a sorted array.
 */
export function orderedSources(sources: ReadonlySet<SourceId>): SourceId[] {
  return SOURCES.filter((s) => sources.has(s));
}
