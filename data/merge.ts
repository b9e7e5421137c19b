/**
 * Merging: raw pairs from every source → one record per English key with ranked katakana
 * variants. Every pair a rule removes is counted in the rule log, per source.
 *
 * The order of the rules: normalise key and kana; drop duplicates within a source; drop
 * acronyms and brand spellings; keep capitalised names only when CMUdict knows them or a source
 * lists them in lower case; the sound-alike check (on every source: EDICT's glosses need it
 * most, but UniDic and Sudachi file clipped forms such as ワープロ under their full words too);
 * SKK's run-together and misspelled keys; then group by key, drop clipped variants, and rank.
 *
 * @module
 */

import type { CaseClass, KeyKind } from "./normalize.ts";
import { normalizeKana, normalizeKey } from "./normalize.ts";
import type { RawPair, SourceId } from "./pair.ts";
import type { Variant } from "./rank.ts";
import { orderedSources, rankVariants } from "./rank.ts";
import type { RuleLog } from "./rules.ts";
import { isRunTogether, isTypo } from "./skk_noise.ts";
import { SOUND_ALIKE_THRESHOLD } from "./sound_alike.ts";

/** A merged English record. */
export interface MergedRecord {
  /** The normalised key. */
  key: string;
  /** One word or a phrase. */
  kind: KeyKind;
  /** Ranked katakana variants. */
  kana: string[];
  /** For each variant, the sources listing it. */
  sources: SourceId[][];
}

/** Options of {@link mergePairs}. */
export interface MergeOptions {
  /** Words CMUdict knows. */
  cmudict: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** Where rule removals are counted. */
  log: RuleLog;
  /** The sound-alike score (see `sound_alike.ts`), from 0 to 1. */
  soundScore: (english: string, kana: string) => number;
  /** The score a pair needs; defaults to `SOUND_ALIKE_THRESHOLD`. */
  soundThreshold?: number;
}

/** What {@link mergePairs} returns. */
export interface MergeResult {
  /** Records sorted by key. */
  records: MergedRecord[];
  /** Pairs each source contributed after every rule. */
  keptPairs: Record<string, number>;
  /** Pairs each source offered (before any rule, duplicates included). */
  readPairs: Record<string, number>;
}

interface Candidate {
  source: SourceId;
  key: string;
  kind: KeyKind;
  kana: string;
  canonical: boolean;
  case: CaseClass;
  proper: boolean;
}

const CASE_ORDER: readonly CaseClass[] = ["lower", "title", "mixed", "upper"];

function normalizeAll(pairs: RawPair[], log: RuleLog): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const p of pairs) {
    const key = normalizeKey(p.english);
    if (!key.ok) {
      log.remove(key.rule, p.source);
      continue;
    }
    const kana = normalizeKana(p.kana);
    if (!kana.ok) {
      log.remove(kana.rule, p.source);
      continue;
    }
    const id = `${p.source}\t${key.key}\t${kana.kana}`;
    const seen = byId.get(id);
    if (!seen) {
      byId.set(id, {
        source: p.source,
        key: key.key,
        kind: key.kind,
        kana: kana.kana,
        canonical: p.canonical,
        case: key.case,
        proper: p.proper ?? false,
      });
      continue;
    }
    // The same pair again: keep the most common-word reading of it (eye over ＥＹＥ).
    log.remove("source-duplicate", p.source);
    seen.canonical ||= p.canonical;
    seen.proper &&= p.proper ?? false;
    if (CASE_ORDER.indexOf(key.case) < CASE_ORDER.indexOf(seen.case)) seen.case = key.case;
  }
  return [...byId.values()];
}

function inCmudict(key: string, cmudict: MergeOptions["cmudict"]): boolean {
  return key.split(" ").every((w) => cmudict.has(w));
}

function caseRules(cands: Candidate[], options: MergeOptions): Candidate[] {
  const { log, cmudict } = options;
  const lowerKeys = new Set(
    cands.filter((c) => c.case === "lower" && !c.proper).map((c) => c.key),
  );
  return cands.filter((c) => {
    if (c.case === "upper") log.remove("acronym", c.source);
    else if (c.case === "mixed") log.remove("brand-mixed-case", c.source);
    else if (
      (c.case === "title" || c.proper) && !lowerKeys.has(c.key) && !inCmudict(c.key, cmudict)
    ) log.remove("proper-not-in-cmudict", c.source);
    else return true;
    return false;
  });
}

function skkRules(cands: Candidate[], options: MergeOptions): Candidate[] {
  const { log, cmudict } = options;
  const others = cands.filter((c) => c.source !== "skk");
  const kanaByKey = new Map<string, Set<string>>();
  for (const c of others) {
    if (!kanaByKey.has(c.key)) kanaByKey.set(c.key, new Set());
    kanaByKey.get(c.key)!.add(c.kana);
  }
  const known = new Set([
    ...cmudict.keys(),
    ...others.filter((c) => c.kind === "en").map((c) => c.key),
  ]);
  return cands.filter((c) => {
    if (c.source !== "skk" || c.kind !== "en" || cmudict.has(c.key) || kanaByKey.has(c.key)) {
      return true;
    }
    if (isTypo(c.key, c.kana, kanaByKey)) log.remove("skk-typo", "skk");
    else if (isRunTogether(c.key, known)) log.remove("skk-run-together", "skk");
    else return true;
    return false;
  });
}

/**
 * Of two variants where one is the other cut short by two kana or more (レズ and レズビアン,
 * チョコ and チョコレート), the one that sounds less like the key; the shorter on a tie.
 */
function clippedVariants(
  key: string,
  kanas: readonly string[],
  score: MergeOptions["soundScore"],
): Set<string> {
  const out = new Set<string>();
  for (const short of kanas) {
    for (const long of kanas) {
      if (long.length - short.length < 2 || !(long.startsWith(short) || long.endsWith(short))) {
        continue;
      }
      out.add(score(key, long) > score(key, short) ? short : long);
    }
  }
  return out;
}

function group(
  cands: Candidate[],
  log: RuleLog,
  score: MergeOptions["soundScore"],
): MergedRecord[] {
  const byKey = new Map<string, Candidate[]>();
  for (const c of cands) {
    if (!byKey.has(c.key)) byKey.set(c.key, []);
    byKey.get(c.key)!.push(c);
  }
  const records: MergedRecord[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const list = byKey.get(key)!;
    const variants = new Map<string, { kana: string; sources: Set<SourceId>; canonical: number }>();
    const clipped = clippedVariants(key, [...new Set(list.map((c) => c.kana))], score);
    for (const c of list) {
      if (clipped.has(c.kana)) {
        log.remove("variant-clipped", c.source);
        continue;
      }
      const v = variants.get(c.kana) ?? { kana: c.kana, sources: new Set(), canonical: 0 };
      v.sources.add(c.source);
      v.canonical += Number(c.canonical);
      variants.set(c.kana, v);
    }
    const { ranked, allOld } = rankVariants([...variants.values()] as Variant[], key);
    if (allOld) {
      for (const c of list) log.remove("variant-only-old-spelling", c.source);
      continue;
    }
    records.push({
      key,
      kind: list[0].kind,
      kana: ranked.map((v) => v.kana),
      sources: ranked.map((v) => orderedSources(v.sources)),
    });
  }
  return records;
}

/**
 * Merges raw pairs into records (see the module doc for the order of the rules).
 *
 * @param pairs Pairs from every source.
 * @param options CMUdict, the rule log and the sound-alike check.
 * @returns Records sorted by key, with per-source pair counts.
 * @example
 * ```ts
 * import { mergePairs } from "./merge.ts";
 * import { createRuleLog } from "./rules.ts";
 * const { records } = mergePairs([
 *   { source: "unidic", english: "computer", kana: "コンピューター", canonical: true },
 *   { source: "skk", english: "computer", kana: "コンピュータ", canonical: true },
 *   { source: "skk", english: "computer", kana: "コンピューター", canonical: false },
 * ], { cmudict: new Set(["computer"]), log: createRuleLog(), soundScore: () => 1 });
 * records[0].kana; // ["コンピューター", "コンピュータ"]
 * ```
 */
export function mergePairs(pairs: RawPair[], options: MergeOptions): MergeResult {
  const { log, soundScore, soundThreshold = SOUND_ALIKE_THRESHOLD } = options;
  const readPairs: Record<string, number> = {};
  for (const p of pairs) readPairs[p.source] = (readPairs[p.source] ?? 0) + 1;
  let cands = caseRules(normalizeAll(pairs, log), options);
  cands = cands.filter((c) => {
    if (soundScore(c.key, c.kana) >= soundThreshold) return true;
    log.remove("not-sound-alike", c.source);
    return false;
  });
  cands = skkRules(cands, options);
  const records = group(cands, log, soundScore);
  const keptPairs: Record<string, number> = {};
  for (const r of records) {
    for (const s of r.sources.flat()) keptPairs[s] = (keptPairs[s] ?? 0) + 1;
  }
  return { records, keptPairs, readPairs };
}
