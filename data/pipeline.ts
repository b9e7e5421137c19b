/**
 * The dataset build without its inputs and outputs: source texts in, C2K and P2K examples and
 * their statistics out. `build.ts` fetches the sources and writes the files; tests run this on
 * small fixtures.
 *
 * @module
 */

import type { Example } from "./dataset.ts";
import { mergePairs } from "./merge.ts";
import type { RawPair } from "./pair.ts";
import type { RuleCounts } from "./rules.ts";
import { createRuleLog } from "./rules.ts";
import { soundAlikeScore } from "./sound_alike.ts";
import { readCmudict } from "./sources/cmudict.ts";
import { readEdict } from "./sources/edict.ts";
import { romajiPairs } from "./sources/romaji.ts";
import { readSkk } from "./sources/skk.ts";
import { readSudachi } from "./sources/sudachi.ts";
import { readUnidic } from "./sources/unidic.ts";
import { splitOf } from "./split.ts";

/** The sources' contents, already read and decoded. */
export interface SourceTexts {
  /** UniDic's `lex_3_1.csv`. */
  unidic: string;
  /** The parsed Sudachi synonym groups. */
  sudachi: unknown;
  /** SKK-JISYO.L, decoded. */
  skk: string;
  /** EDICT, decoded. */
  edict: string;
  /** CMUdict: entry → phones. */
  cmudict: Readonly<Record<string, string>>;
  /** Romanises katakana (wanakana's `toRomaji`). */
  toRomaji: (kana: string) => string;
}

/** Options of {@link buildDataset}. */
export interface BuildOptions {
  /** Reports a step's name as it starts (for the CLI's progress). */
  step?: (name: string) => void;
  /** Called with lines read while reading UniDic. */
  unidicProgress?: (lines: number) => void;
  /** Caps on romaji pairs per category (defaults in `sources/romaji.ts`). */
  romajiCaps?: Parameters<typeof romajiPairs>[1]["caps"];
}

/** What {@link buildDataset} returns. */
export interface BuildResult {
  /** C2K examples sorted by key. */
  c2k: Example[];
  /** P2K examples sorted by key. */
  p2k: Example[];
  /** Removals per rule and source. */
  rules: RuleCounts;
  /** Pairs each source offered, before any rule. */
  readPairs: Record<string, number>;
  /** Pairs each source still contributes to the records. */
  keptPairs: Record<string, number>;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the dataset from the sources.
 *
 * @param src The sources' contents.
 * @param options Progress callbacks and caps.
 * @returns Examples for both tasks, and counts for the card.
 * @throws {SyntaxError} When a source line is malformed (the message names file and line).
 */
export function buildDataset(src: SourceTexts, options: BuildOptions = {}): BuildResult {
  const { step = () => {}, unidicProgress } = options;
  const log = createRuleLog();
  step("unidic");
  const unidic = readUnidic(src.unidic, "lex_3_1.csv", log, unidicProgress);
  step("sudachi");
  const sudachi = readSudachi(src.sudachi, "sudachi-synonyms-dictionary.json", log);
  step("skk");
  const skk = readSkk(src.skk, "SKK-JISYO.L");
  step("edict");
  const edict = readEdict(src.edict, "edict", log);
  step("cmudict");
  const cmudict = readCmudict(src.cmudict);
  step("merge");
  const pairs: RawPair[] = [...unidic.pairs, ...sudachi, ...skk, ...edict];
  const merged = mergePairs(pairs, { cmudict, log, soundScore: soundAlikeScore });
  step("romaji");
  const englishKeys = new Set(merged.records.map((r) => r.key));
  const romaji = romajiPairs(unidic.japanese, {
    toRomaji: src.toRomaji,
    englishKeys,
    log,
    caps: options.romajiCaps,
  });
  const readPairs = { ...merged.readPairs, romaji: unidic.japanese.length };
  const keptPairs = { ...merged.keptPairs, romaji: romaji.length };
  const c2k: Example[] = [
    ...merged.records.map((r) => ({ ...r, split: splitOf(r.key) })),
    ...romaji.map((r) => ({
      key: r.key,
      kana: [r.kana],
      sources: [["unidic"]],
      kind: "romaji" as const,
      split: splitOf(r.key),
    })),
  ].sort((a, b) => cmp(a.key, b.key));
  step("p2k");
  const p2k: Example[] = c2k
    .filter((e) => e.kind !== "phrase" && cmudict.has(e.key))
    .map((e) => ({
      key: e.key,
      phones: cmudict.get(e.key)!,
      kana: e.kana,
      kind: e.kind,
      split: e.split,
    }));
  return { c2k, p2k, rules: log.counts(), readPairs, keptPairs };
}
