import { assert } from "../deps/assert.ts";
import { mergePairs } from "./merge.ts";
import type { RawPair, SourceId } from "./pair.ts";
import { createRuleLog } from "./rules.ts";
import { soundAlikeScore } from "./sound_alike.ts";

const p = (source: SourceId, english: string, kana: string, extra: Partial<RawPair> = {}) => ({
  source,
  english,
  kana,
  canonical: true,
  ...extra,
});

function merge(pairs: RawPair[], cmudict: string[] = [], soundScore = soundAlikeScore) {
  const log = createRuleLog();
  const result = mergePairs(pairs, { cmudict: new Set(cmudict), log, soundScore });
  return { ...result, rules: log.counts() };
}

Deno.test("mergePairs() ranks variants by sources and keeps every source", () => {
  const { records } = merge([
    p("unidic", "computer", "コンピューター"),
    p("unidic", "computer", "コンピュータ", { canonical: false }),
    p("sudachi", "computer", "コンピューター"),
    p("skk", "computer", "コンピューター"),
  ], ["computer"]);
  assert.deepEqual(records, [{
    key: "computer",
    kind: "en",
    kana: ["コンピューター", "コンピュータ"],
    sources: [["unidic", "sudachi", "skk"], ["unidic"]],
  }]);
});

Deno.test("mergePairs() drops acronyms and brand spellings, and counts them", () => {
  const { records, rules } = merge([
    p("skk", "AIDS", "エイズ"),
    p("unidic", "iPhone", "アイフォーン"),
    p("edict", "cat", "キャット"),
  ]);
  assert.deepEqual(records.map((r) => r.key), ["cat"]);
  assert.deepEqual(rules, { acronym: { skk: 1 }, "brand-mixed-case": { unidic: 1 } });
});

Deno.test("mergePairs() keeps names only when CMUdict or a lower-case source knows them", () => {
  const { records, rules } = merge([
    p("unidic", "Guingamp", "ガンガン", { proper: true }),
    p("unidic", "Iowa", "アイオワ", { proper: true }),
    p("sudachi", "Bible", "バイブル"),
    p("skk", "bible", "バイブル"),
  ], ["iowa"]);
  assert.deepEqual(records.map((r) => r.key), ["bible", "iowa"]);
  assert.deepEqual(rules, { "proper-not-in-cmudict": { unidic: 1 } });
});

Deno.test("mergePairs() counts duplicates, bad kana and pairs that do not sound alike", () => {
  const { records, rules, readPairs, keptPairs } = merge([
    p("edict", "mirror", "ミラー"),
    p("edict", "mirror", "ミラー"),
    p("edict", "trouble", "イザコザ"),
    p("unidic", "a cappella", "ア・カペラ"),
    p("unidic", "mm", "ミリメートル"),
  ], ["mm"]);
  assert.deepEqual(records.map((r) => r.key), ["mirror"]);
  assert.deepEqual(rules, {
    "source-duplicate": { edict: 1 },
    "kana-middle-dot": { unidic: 1 },
    "not-sound-alike": { edict: 1, unidic: 1 },
  });
  assert.deepEqual(readPairs, { edict: 3, unidic: 2 });
  assert.deepEqual(keptPairs, { edict: 1 });
});

Deno.test("mergePairs() drops SKK's run-together compounds and misspellings", () => {
  const { records, rules } = merge([
    p("skk", "moneysupply", "マネーサプライ"),
    p("skk", "acount", "アカウント"),
    p("unidic", "account", "アカウント"),
    p("skk", "zoning", "ゾーニング"),
  ], ["money", "supply", "account"]);
  assert.deepEqual(records.map((r) => r.key), ["account", "zoning"]);
  assert.deepEqual(rules, { "skk-run-together": { skk: 1 }, "skk-typo": { skk: 1 } });
});

Deno.test("mergePairs() drops a clipped variant and puts old spellings last", () => {
  // A stub score: both variants pass the sound-alike check, the full word scores higher.
  const { records, rules } = merge(
    [
      p("unidic", "lesbian", "レズビアン"),
      p("unidic", "lesbian", "レズ"),
      p("sudachi", "spirit", "スピリツト"),
      p("skk", "spirit", "スピリツト"),
      p("unidic", "spirit", "スピリット"),
    ],
    [],
    (_en, kana) => kana === "レズ" ? 0.7 : 0.9,
  );
  assert.deepEqual(records.map((r) => r.kana), [["レズビアン"], ["スピリット", "スピリツト"]]);
  assert.deepEqual(rules, { "variant-clipped": { unidic: 1 } });
});
