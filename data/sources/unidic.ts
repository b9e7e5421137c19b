/**
 * UniDic (`lex_3_1.csv` of Debian's unidic-mecab): English → katakana pairs from lemmas that
 * carry their source word (コンピューター-computer), and Japanese readings for romaji pairs.
 *
 * Columns (0-based) read: 4–7 part of speech, 10 lemma reading, 11 lemma (with `-english` for
 * loanwords and foreign names), 12 written form, 13 pronunciation, 16 word origin (外 loanword,
 * 固 proper noun, 和 native, 漢 Sino-Japanese).
 *
 * @module
 */

import { numberedLines, parseCsvLine } from "../csv.ts";
import { looksKatakana, looksLatin } from "../normalize.ts";
import type { RawPair } from "../pair.ts";
import type { RuleLog } from "../rules.ts";

/** Which kind of Japanese word a reading is, for the romaji pairs. */
export type JapaneseCategory = "surname" | "given" | "place" | "word";

/** A katakana reading of a Japanese word or name (not a loanword). */
export interface JapaneseReading {
  /** The lemma reading in katakana (トウキョウ, spelled with ウ rather than ー). */
  reading: string;
  /** Surname, given name, place name or common word. */
  category: JapaneseCategory;
}

/** What {@link readUnidic} finds. */
export interface UnidicResult {
  /** English → katakana pairs. */
  pairs: RawPair[];
  /** Readings of Japanese words and names, one per row (duplicates included). */
  japanese: JapaneseReading[];
}

const FIELDS = 17;
const PLURAL = /[スズ]$/;

function category(row: string[]): JapaneseCategory | undefined {
  const [p1, p2, p3, p4, origin] = [row[4], row[5], row[6], row[7], row[16]];
  if (p1 !== "名詞") return undefined;
  if (origin === "固" && p2 === "固有名詞") {
    if (p3 === "人名" && p4 === "姓") return "surname";
    if (p3 === "人名" && p4 === "名") return "given";
    if (p3 === "地名" && p4 === "一般") return "place";
  }
  if ((origin === "和" || origin === "漢") && p2 === "普通名詞" && p3 === "一般") return "word";
  return undefined;
}

function loanPairs(row: string[], kanaPart: string, english: string, log: RuleLog): RawPair[] {
  const proper = row[5] === "固有名詞";
  const lemmaKana = kanaPart.normalize("NFKC");
  const pairs: RawPair[] = [{ source: "unidic", english, kana: kanaPart, canonical: true, proper }];
  const orth = row[12].normalize("NFKC");
  if (looksLatin(orth)) {
    // The surface is the English word itself (Eyes → アイズ): the key is what is written, and
    // the target is the pronunciation; the lemma's case says whether it is a common word.
    const sameWord = orth.toLowerCase() === english.toLowerCase();
    pairs.push({
      source: "unidic",
      english: sameWord ? english : orth,
      kana: row[13],
      canonical: false,
      proper,
    });
  } else if (looksKatakana(orth) && orth !== lemmaKana) {
    if (PLURAL.test(orth) && orth.slice(0, -1) === lemmaKana && !/s$/i.test(english)) {
      log.remove("unidic-plural-variant", "unidic");
    } else {
      pairs.push({ source: "unidic", english, kana: row[12], canonical: false, proper });
    }
  }
  return pairs;
}

/**
 * Reads UniDic's lexicon.
 *
 * @param text The whole `lex_3_1.csv`.
 * @param file Its name, for errors.
 * @param log Where rule removals are counted.
 * @param progress Called with the number of lines read, now and then.
 * @returns Pairs and Japanese readings.
 * @throws {SyntaxError} When a line has fewer than 17 fields or bad quoting; the message names
 *   the file and line.
 * @example
 * ```ts
 * import { readUnidic } from "./unidic.ts";
 * import { createRuleLog } from "../rules.ts";
 * const row = "コンピュータ,1,2,3,名詞,普通名詞,一般,*,*,*,コンピューター," +
 *   "コンピューター-computer,コンピュータ,コンピュータ,コンピュータ,コンピュータ,外";
 * readUnidic(row, "lex.csv", createRuleLog()).pairs.map((p) => p.kana);
 * // ["コンピューター", "コンピュータ"]
 * ```
 */
export function readUnidic(
  text: string,
  file: string,
  log: RuleLog,
  progress: (lines: number) => void = () => {},
): UnidicResult {
  const pairs: RawPair[] = [];
  const japanese: JapaneseReading[] = [];
  for (const [n, line] of numberedLines(text)) {
    if (n % 10000 === 0) progress(n);
    const row = parseCsvLine(line, `${file}:${n}`);
    if (row.length < FIELDS) {
      throw new SyntaxError(
        `Cannot parse ${file}:${n}: expected at least ${FIELDS} fields, found ${row.length}`,
      );
    }
    const dash = row[11].indexOf("-");
    const english = dash > 0 ? row[11].slice(dash + 1) : "";
    if (english !== "" && looksLatin(english)) {
      const kanaPart = row[11].slice(0, dash);
      if (!looksKatakana(kanaPart)) log.remove("unidic-not-english-lemma", "unidic");
      else pairs.push(...loanPairs(row, kanaPart, english, log));
      continue;
    }
    const cat = dash > 0 ? undefined : category(row);
    if (cat && looksKatakana(row[10])) japanese.push({ reading: row[10], category: cat });
  }
  return { pairs, japanese };
}
