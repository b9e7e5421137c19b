/**
 * Detectors for two kinds of noise in SKK's alphabet keys: compounds written run together
 * (moneysupply → マネーサプライ) and misspellings (an edit away from a word that another source
 * lists with the same katakana).
 *
 * @module
 */

const LETTERS = "abcdefghijklmnopqrstuvwxyz'";
/** The shortest part a run-together key is split into. */
export const MIN_PART = 3;

/**
 * Whether `key` is two or more known words run together, each at least {@link MIN_PART} letters.
 *
 * @param key A single-word key.
 * @param known Known single words (CMUdict and the other sources).
 * @returns True when such a segmentation exists.
 * @example
 * ```ts
 * import { isRunTogether } from "./skk_noise.ts";
 * isRunTogether("moneysupply", new Set(["money", "supply"])); // true
 * ```
 */
export function isRunTogether(key: string, known: ReadonlySet<string>): boolean {
  // parts[i]: the fewest known words that key[0..i) splits into (Infinity: none).
  const parts = new Array<number>(key.length + 1).fill(Infinity);
  parts[0] = 0;
  for (let end = MIN_PART; end <= key.length; end++) {
    for (let start = 0; start <= end - MIN_PART; start++) {
      if (parts[start] === Infinity || !known.has(key.slice(start, end))) continue;
      parts[end] = Math.min(parts[end], parts[start] + 1);
    }
  }
  // The whole key as one known word is not a run-together compound.
  return parts[key.length] >= 2 && parts[key.length] !== Infinity;
}

/**
 * Every string one edit (deletion, insertion, substitution, adjacent transposition) from `key`.
 *
 * @param key A word.
 * @returns Its neighbours (may repeat).
 */
export function* editNeighbours(key: string): Generator<string> {
  for (let i = 0; i <= key.length; i++) {
    const [a, b] = [key.slice(0, i), key.slice(i)];
    if (b) yield a + b.slice(1);
    if (b.length > 1) yield a + b[1] + b[0] + b.slice(2);
    for (const c of LETTERS) {
      yield a + c + b;
      if (b && c !== b[0]) yield a + c + b.slice(1);
    }
  }
}

/**
 * Whether `key` looks like a misspelling: a word one edit away lists the same katakana.
 *
 * @param key A single-word key.
 * @param kana Its katakana.
 * @param kanaByKey Katakana of the words other sources list.
 * @returns True for a likely misspelling.
 * @example
 * ```ts
 * import { isTypo } from "./skk_noise.ts";
 * isTypo("acount", "アカウント", new Map([["account", new Set(["アカウント"])]])); // true
 * ```
 */
export function isTypo(
  key: string,
  kana: string,
  kanaByKey: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  for (const n of editNeighbours(key)) {
    if (n !== key && kanaByKey.get(n)?.has(kana)) return true;
  }
  return false;
}
