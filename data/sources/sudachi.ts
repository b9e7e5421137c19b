/**
 * Sudachi's synonym dictionary (npm `sudachi-synonyms-dictionary`): within a synonym group, an
 * item in the alphabet and an item in katakana with the same vocabulary number name the same
 * word (presence / プレゼンス).
 *
 * @module
 */

import { looksKatakana, looksLatin } from "../normalize.ts";
import type { RawPair } from "../pair.ts";
import type { RuleLog } from "../rules.ts";

/** One item of a synonym group, as the package's JSON holds it (fields read here only). */
export interface SudachiItem {
  /** Expansion control: 2 marks an item kept only as a record of a deletion. */
  expandControl: number;
  /** Vocabulary number inside the group: items with the same number are one word. */
  vocabularyNumber: number | undefined;
  /** Word-form kind: 代表語 (the word), 対訳, 別称, 旧称, 間違い. */
  gokeiSyubetsu: string;
  /** Abbreviation kind: 代表語形 or an abbreviation. */
  ryakusyou: string;
  /** Spelling kind: 代表表記, アルファベット表記, 異表記・表記ゆれ, 間違い表記. */
  hyoukiYure: string;
  /** Fields (人名, 地名, IT …). */
  bunya: string[];
  /** The headword. */
  midashi: string;
}

/** A synonym group. */
export interface SudachiGroup {
  /** Group number. */
  id: string;
  /** Its items. */
  items: SudachiItem[];
}

function checkItem(item: unknown, where: string): SudachiItem {
  const it = item as Partial<SudachiItem> | null;
  if (
    typeof it !== "object" || it === null || typeof it.midashi !== "string" ||
    typeof it.gokeiSyubetsu !== "string" || typeof it.ryakusyou !== "string" ||
    typeof it.hyoukiYure !== "string" || !Array.isArray(it.bunya) ||
    typeof it.expandControl !== "number"
  ) {
    throw new SyntaxError(
      `Cannot read ${where}: expected an item with midashi, gokeiSyubetsu, ryakusyou, ` +
        `hyoukiYure, bunya and expandControl`,
    );
  }
  return it as SudachiItem;
}

function pairOf(latin: SudachiItem, kana: SudachiItem, log: RuleLog): RawPair | undefined {
  if (latin.expandControl === 2 || kana.expandControl === 2) {
    log.remove("sudachi-retired", "sudachi");
    return undefined;
  }
  if (kana.hyoukiYure === "間違い表記" || latin.hyoukiYure === "間違い表記") {
    log.remove("sudachi-misspelling", "sudachi");
    return undefined;
  }
  if (
    latin.gokeiSyubetsu !== kana.gokeiSyubetsu || latin.ryakusyou !== "代表語形" ||
    kana.ryakusyou !== "代表語形"
  ) {
    log.remove("sudachi-other-form", "sudachi");
    return undefined;
  }
  const proper = [...latin.bunya, ...kana.bunya].some((b) => b.endsWith("名"));
  return {
    source: "sudachi",
    english: latin.midashi,
    kana: kana.midashi,
    canonical: kana.hyoukiYure === "代表表記",
    proper,
  };
}

/**
 * Reads the synonym groups.
 *
 * @param groups The parsed `sudachi-synonyms-dictionary.json` (an array of groups).
 * @param file Its name, for errors.
 * @param log Where rule removals are counted.
 * @returns English → katakana pairs.
 * @throws {SyntaxError} When the JSON is not an array of groups with items; the message names
 *   the group by index and id.
 */
export function readSudachi(groups: unknown, file: string, log: RuleLog): RawPair[] {
  if (!Array.isArray(groups)) throw new SyntaxError(`Cannot read ${file}: expected an array`);
  const pairs: RawPair[] = [];
  groups.forEach((group: Partial<SudachiGroup> | null, g) => {
    const where = `${file} group ${g} ("${group?.id}")`;
    if (typeof group !== "object" || group === null || !Array.isArray(group.items)) {
      throw new SyntaxError(`Cannot read ${where}: expected an object with items`);
    }
    const items = group.items.map((it, i) => checkItem(it, `${where} item ${i}`));
    for (const latin of items) {
      if (!looksLatin(latin.midashi)) continue;
      for (const kana of items) {
        if (kana.vocabularyNumber !== latin.vocabularyNumber) continue;
        if (!looksKatakana(kana.midashi)) continue;
        const pair = pairOf(latin, kana, log);
        if (pair) pairs.push(pair);
      }
    }
  });
  return pairs;
}
