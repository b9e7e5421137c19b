/**
 * Romaji → katakana pairs: Japanese words and names from UniDic (native and Sino-Japanese
 * readings, not loanwords), romanised by a library (`wanakana`'s `toRomaji` in the build), so
 * that the model learns to read "nakahara" as ナカハラ.
 *
 * @module
 */

import { normalizeKana } from "../normalize.ts";
import type { RuleLog } from "../rules.ts";
import { fnv1a32 } from "../split.ts";
import type { JapaneseCategory, JapaneseReading } from "./unidic.ts";

/** How many romaji pairs to keep per category (8,000 in all by default). */
export const ROMAJI_CAPS: Readonly<Record<JapaneseCategory, number>> = {
  surname: 3000,
  given: 2500,
  place: 1500,
  word: 1000,
};

/** A romaji pair. */
export interface RomajiPair {
  /** The romanised reading (a–z and apostrophe). */
  key: string;
  /** The katakana reading. */
  kana: string;
  /** What kind of word it came from. */
  category: JapaneseCategory;
}

/** Options of {@link romajiPairs}. */
export interface RomajiOptions {
  /** Romanises katakana (wanakana's `toRomaji`). */
  toRomaji: (kana: string) => string;
  /** English keys: a romaji key equal to one is dropped (the English reading wins). */
  englishKeys: ReadonlySet<string>;
  /** Where rule removals are counted. */
  log: RuleLog;
  /** Caps per category; defaults to {@link ROMAJI_CAPS}. */
  caps?: Readonly<Record<JapaneseCategory, number>>;
}

/**
 * Builds romaji pairs: each distinct reading is romanised; readings that fail the katakana
 * rules or romanise to anything but a–z and apostrophe are counted and dropped; a key that two
 * readings share keeps the reading that sorts first; then each category keeps its cap, chosen
 * by a seeded hash of the key so that the sample is stable.
 *
 * @param readings Japanese readings (duplicates allowed).
 * @param options See {@link RomajiOptions}.
 * @returns Pairs sorted by key.
 */
export function romajiPairs(readings: JapaneseReading[], options: RomajiOptions): RomajiPair[] {
  const { toRomaji, englishKeys, log, caps = ROMAJI_CAPS } = options;
  const byReading = new Map<string, JapaneseCategory>();
  for (const r of readings) if (!byReading.has(r.reading)) byReading.set(r.reading, r.category);
  const byKey = new Map<string, RomajiPair>();
  for (const reading of [...byReading.keys()].sort()) {
    const kana = normalizeKana(reading);
    if (!kana.ok) {
      log.remove(kana.rule, "romaji");
      continue;
    }
    const key = toRomaji(kana.kana);
    if (!/^[a-z][a-z']*$/.test(key) || key.length < 2 || key.length > 30) {
      log.remove("romaji-chars", "romaji");
      continue;
    }
    if (englishKeys.has(key)) {
      log.remove("romaji-english-key", "romaji");
      continue;
    }
    if (byKey.has(key)) {
      log.remove("source-duplicate", "romaji");
      continue;
    }
    byKey.set(key, { key, kana: kana.kana, category: byReading.get(reading)! });
  }
  const kept: RomajiPair[] = [];
  for (const category of Object.keys(caps) as JapaneseCategory[]) {
    const pool = [...byKey.values()].filter((p) => p.category === category)
      .sort((a, b) => fnv1a32(`romaji:${a.key}`) - fnv1a32(`romaji:${b.key}`) || cmp(a.key, b.key));
    kept.push(...pool.slice(0, caps[category]));
    if (pool.length > caps[category]) {
      log.remove("romaji-over-cap", "romaji", pool.length - caps[category]);
    }
  }
  return kept.sort((a, b) => cmp(a.key, b.key));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
