/**
 * The dataset's statistics, written to `data/stats.json` and shown in the card; the data tests
 * check the committed files against them.
 *
 * @module
 */

import type { Example, Kind, Split } from "./dataset.ts";
import { SOURCES } from "./pair.ts";
import type { BuildResult } from "./pipeline.ts";
import type { RuleCounts } from "./rules.ts";
import { SOUND_ALIKE_THRESHOLD, soundsAlike } from "./sound_alike.ts";
import { fnv1a32 } from "./split.ts";

/** The exact package versions the dataset is built from. */
export const PACKAGES = {
  "unidic-mecab": "3.1.1-1",
  skkdic: "20230109-1",
  edict: "2021.02.03-1",
  "sudachi-synonyms-dictionary": "18.0.0",
  "cmu-pronouncing-dictionary": "3.0.0",
  wanakana: "5.3.1",
} as const;

/** Counts of one task's file. */
export interface TaskStats {
  /** Records. */
  records: number;
  /** Records per kind. */
  kinds: Record<Kind, number>;
  /** Records per split. */
  splits: Record<Split, number>;
  /** Records per kind and split. */
  kindSplits: Record<Kind, Record<Split, number>>;
  /** Katakana variants in all. */
  variants: number;
  /** Records with more than one katakana variant. */
  multiVariant: number;
  /** P2K: pronunciations in all. */
  pronunciations?: number;
}

/** Everything `data/stats.json` holds. */
export interface DatasetStats {
  /** Package versions. */
  packages: typeof PACKAGES;
  /** C2K counts. */
  c2k: TaskStats;
  /** P2K counts. */
  p2k: TaskStats;
  /** Per source: pairs read, pairs kept, keys it gives at least one variant of. */
  sources: Record<string, { read: number; kept: number; keys: number }>;
  /** Removals per rule and source. */
  rules: RuleCounts;
  /**
   * The sound-alike check on mismatched pairs: each English word with the top katakana of
   * another word chosen by hash; `pass` of them wrongly sound alike.
   */
  soundAlikeShuffled: { threshold: number; pairs: number; pass: number };
}

const KIND_LIST: readonly Kind[] = ["en", "phrase", "romaji"];
const SPLIT_LIST: readonly Split[] = ["train", "valid", "test"];

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function taskStats(examples: Example[], phones: boolean): TaskStats {
  const s: TaskStats = {
    records: examples.length,
    kinds: zeros(KIND_LIST),
    splits: zeros(SPLIT_LIST),
    kindSplits: Object.fromEntries(KIND_LIST.map((k) => [k, zeros(SPLIT_LIST)])) as TaskStats[
      "kindSplits"
    ],
    variants: 0,
    multiVariant: 0,
  };
  if (phones) s.pronunciations = 0;
  for (const e of examples) {
    s.kinds[e.kind] += 1;
    s.splits[e.split] += 1;
    s.kindSplits[e.kind][e.split] += 1;
    s.variants += e.kana.length;
    s.multiVariant += Number(e.kana.length > 1);
    if (phones) s.pronunciations! += e.phones?.length ?? 0;
  }
  return s;
}

/**
 * Computes the statistics of a build.
 *
 * @param result What `buildDataset()` returned.
 * @returns The statistics (plain JSON).
 */
export function computeStats(result: BuildResult): DatasetStats {
  const sources: DatasetStats["sources"] = {};
  for (const name of [...SOURCES, "romaji"]) {
    const keys = result.c2k.filter((e) =>
      name === "romaji"
        ? e.kind === "romaji"
        : e.kind !== "romaji" && e.sources!.some((s) =>
          s.includes(name)
        )
    ).length;
    sources[name] = {
      read: result.readPairs[name] ?? 0,
      kept: result.keptPairs[name] ?? 0,
      keys,
    };
  }
  const words = result.c2k.filter((e) => e.kind === "en");
  let pass = 0;
  for (const e of words) {
    const other = words[fnv1a32(`shuffle:${e.key}`) % words.length];
    pass += Number(other.key !== e.key && soundsAlike(e.key, other.kana[0]));
  }
  return {
    packages: PACKAGES,
    c2k: taskStats(result.c2k, false),
    p2k: taskStats(result.p2k, true),
    sources,
    rules: result.rules,
    soundAlikeShuffled: { threshold: SOUND_ALIKE_THRESHOLD, pairs: words.length, pass },
  };
}
