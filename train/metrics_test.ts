import { assert } from "../deps/assert.ts";
import { characterErrorRate, createBleu, editDistance, exactMatch, score } from "./metrics.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `expected ${b}, got ${a}`);

Deno.test("exactMatch() accepts any variant and nothing else", () => {
  assert.equal(exactMatch("コンピュータ", ["コンピューター", "コンピュータ"]), true);
  assert.equal(exactMatch("コンピュー", ["コンピューター", "コンピュータ"]), false);
});

Deno.test("editDistance() counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("アイウ", ""), 3);
  assert.equal(editDistance("", "アイ"), 2);
  assert.equal(editDistance("コンピュータ", "コンピューター"), 1);
  assert.equal(editDistance("キャット", "カット"), 2); // キ→カ, delete ャ
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("characterErrorRate() divides by the closest variant's length", () => {
  // Distance 1 to both variants (7 and 5 characters): the tie goes to the smaller rate 1/7.
  close(characterErrorRate("コンピュータ", ["コンピューター", "コンピュタ"]), 1 / 7);
  // The closest variant by distance wins even when a farther one gives a smaller rate:
  // "アイ" is 1 from "アイウ" (1/3) and 2 from "アイウエオカキ" (2/7 < 1/3).
  close(characterErrorRate("アイ", ["アイウエオカキ", "アイウ"]), 1 / 3);
  close(characterErrorRate("", ["アイ"]), 1);
  close(characterErrorRate("アイウエ", ["ア"]), 3);
  assert.throws(() => characterErrorRate("ア", []), RangeError);
});

Deno.test("createBleu() matches a hand-computed 3-gram score without brevity penalty", () => {
  // アイウエ vs アイウオ: 1-grams 3/4, 2-grams 2/3, 3-grams 1/2; c = r = 4 so BP = 1.
  const b = createBleu(3);
  b.add("アイウエ", ["アイウオ"]);
  close(b.score(), Math.cbrt((3 / 4) * (2 / 3) * (1 / 2)));
});

Deno.test("createBleu() takes the shortest reference for the brevity penalty", () => {
  // All n-grams match; c = 3, r = min(4, 5) = 4, BP = exp(1 - 4/3).
  const b = createBleu(3);
  b.add("アイウ", ["アイウエ", "アイウエオ"]);
  close(b.score(), Math.exp(1 - 4 / 3));
});

Deno.test("createBleu() pools counts over the corpus before dividing", () => {
  // Sums of the two cases above: m = 6, 4, 2; p = 7, 5, 3; c = 7, r = 8.
  const b = createBleu(3);
  b.add("アイウエ", ["アイウオ"]);
  b.add("アイウ", ["アイウエ", "アイウエオ"]);
  close(b.score(), Math.exp(1 - 8 / 7) * Math.cbrt((6 / 7) * (4 / 5) * (2 / 3)));
});

Deno.test("createBleu() clips counts by the most in any one reference", () => {
  // アアアイ vs refs アイア (ア×2) and アアイ (ア×2, アア×1): 1-grams min(3,2)+1 = 3/4,
  // 2-grams アア min(2,1) + アイ 1 = 2/3, 3-grams アアア 0 + アアイ 1 = 1/2; c = 4 > r = 3.
  const b = createBleu(3);
  b.add("アアアイ", ["アイア", "アアイ"]);
  close(b.score(), Math.cbrt((3 / 4) * (2 / 3) * (1 / 2)));
});

Deno.test("createBleu() is 0 when some order has no match, and 1 for a perfect corpus", () => {
  const none = createBleu(3);
  none.add("アイ", ["アイ"]); // no 3-gram is possible at all
  assert.equal(none.score(), 0);
  const perfect = createBleu(3);
  perfect.add("コンピューター", ["コンピュータ", "コンピューター"]);
  perfect.add("キャット", ["キャット"]);
  close(perfect.score(), 1);
});

Deno.test("score() reports overall and by kind", () => {
  const r = score([
    { prediction: "キャット", references: ["キャット"], kind: "en" },
    { prediction: "ドッグ", references: ["ドック", "ドッグ"], kind: "en" },
    { prediction: "ナカハラ", references: ["ナカバラ"], kind: "romaji" },
  ]);
  assert.equal(r.overall.count, 3);
  close(r.overall.exact, 2 / 3);
  assert.deepEqual(Object.keys(r.byKind), ["en", "romaji"]);
  close(r.byKind.en.exact, 1);
  close(r.byKind.en.cer, 0);
  close(r.byKind.romaji.exact, 0);
  close(r.byKind.romaji.cer, 1 / 4);
  close(r.overall.cer, 1 / 12);
});
