import { assert } from "../deps/assert.ts";
import type { SourceId } from "./pair.ts";
import { enlarge, isOldSpelling, rankVariants } from "./rank.ts";

const v = (kana: string, sources: SourceId[], canonical = 0) => ({
  kana,
  sources: new Set(sources),
  canonical,
});

Deno.test("rankVariants() puts the variant with most sources first", () => {
  const { ranked } = rankVariants([
    v("コンピュータ", ["unidic"]),
    v("コンピューター", ["unidic", "sudachi", "skk"]),
  ]);
  assert.deepEqual(ranked.map((r) => r.kana), ["コンピューター", "コンピュータ"]);
});

Deno.test("rankVariants() breaks ties by headword count, then code point", () => {
  const { ranked } = rankVariants([v("ラジオ", ["skk"], 0), v("レディオ", ["skk"], 1)]);
  assert.deepEqual(ranked.map((r) => r.kana), ["レディオ", "ラジオ"]);
  const tie = rankVariants([v("イ", ["skk"]), v("ア", ["skk"])]).ranked;
  assert.deepEqual(tie.map((r) => r.kana), ["ア", "イ"]);
});

Deno.test("rankVariants() never puts an old large-kana spelling first", () => {
  const { ranked, allOld } = rankVariants([
    v("スピリツト", ["unidic", "sudachi", "skk", "edict"]),
    v("スピリット", ["unidic"]),
  ]);
  assert.equal(ranked[0].kana, "スピリット");
  assert.equal(allOld, false);
  assert.equal(rankVariants([v("スピリツト", ["unidic"])]).allOld, true);
});

Deno.test("isOldSpelling() finds large kana where small ones belong", () => {
  assert.equal(enlarge("チョコレート"), "チヨコレート");
  assert.ok(isOldSpelling("チヨコレート", ["チョコレート", "チヨコレート"]));
  assert.ok(isOldSpelling("ヘツド", ["ヘツド"]));
  assert.ok(!isOldSpelling("キャッツ", ["キャッツ"]));
  assert.ok(!isOldSpelling("ツアー", ["ツアー"]));
  assert.ok(!isOldSpelling("フルーツドロップ", ["フルーツドロップ"], "fruit drop"), "a phrase");
  assert.ok(!isOldSpelling("ハーツクライ", ["ハーツクライ"], "hearts"), "a ts sound");
});
