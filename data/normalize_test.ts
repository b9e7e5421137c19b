import { assert } from "../deps/assert.ts";
import { caseClass, normalizeKana, normalizeKey } from "./normalize.ts";

Deno.test("normalizeKey() applies NFKC, folds diacritics and lower-cases", () => {
  assert.deepEqual(normalizeKey("Ｃｏｍｐｕｔｅｒ"), {
    ok: true,
    key: "computer",
    kind: "en",
    case: "title",
  });
  assert.deepEqual(normalizeKey("café"), { ok: true, key: "cafe", kind: "en", case: "lower" });
  assert.deepEqual(normalizeKey("rock’n"), { ok: true, key: "rock'n", kind: "en", case: "lower" });
});

Deno.test("normalizeKey() reads hyphens as spaces and tags 2–4 words as a phrase", () => {
  assert.deepEqual(normalizeKey("Anglo-Saxon"), {
    ok: true,
    key: "anglo saxon",
    kind: "phrase",
    case: "title",
  });
  assert.deepEqual(normalizeKey("  ice   cream "), {
    ok: true,
    key: "ice cream",
    kind: "phrase",
    case: "lower",
  });
});

Deno.test("normalizeKey() names the rule that rejects a key", () => {
  assert.deepEqual(normalizeKey("mp3"), { ok: false, rule: "key-chars" });
  assert.deepEqual(normalizeKey("Dr."), { ok: false, rule: "key-chars" });
  assert.deepEqual(normalizeKey("'m"), { ok: false, rule: "key-chars" });
  assert.deepEqual(normalizeKey("x"), { ok: false, rule: "key-single-letter" });
  assert.deepEqual(normalizeKey("a b c d e"), { ok: false, rule: "key-too-many-words" });
  assert.deepEqual(normalizeKey("a".repeat(31)), { ok: false, rule: "key-too-long" });
  assert.deepEqual(normalizeKey(" - "), { ok: false, rule: "key-empty" });
});

Deno.test("caseClass() tells acronyms, brands and names from common words", () => {
  assert.equal(caseClass("AIDS"), "upper");
  assert.equal(caseClass("ＩＤＥ".normalize("NFKC")), "upper");
  assert.equal(caseClass("iPhone"), "mixed");
  assert.equal(caseClass("McDonald"), "mixed");
  assert.equal(caseClass("New York"), "title");
  assert.equal(caseClass("I"), "title");
  assert.equal(caseClass("word processor"), "lower");
  assert.equal(caseClass("CPU time"), "upper");
});

Deno.test("normalizeKana() makes half-width katakana full-width", () => {
  assert.deepEqual(normalizeKana("ｺﾝﾋﾟｭｰﾀｰ"), { ok: true, kana: "コンピューター" });
});

Deno.test("normalizeKana() rejects characters outside KATAKANA, by rule", () => {
  assert.deepEqual(normalizeKana("コンピュ−タ−"), { ok: false, rule: "kana-lookalike" });
  assert.deepEqual(normalizeKana("ア・カペラ"), { ok: false, rule: "kana-middle-dot" });
  assert.deepEqual(normalizeKana("ヵ"), { ok: false, rule: "kana-small-ka-ke" });
  assert.deepEqual(normalizeKana("パケ代"), { ok: false, rule: "kana-other-chars" });
  assert.deepEqual(normalizeKana("あいす"), { ok: false, rule: "kana-other-chars" });
  assert.deepEqual(normalizeKana("ーア"), { ok: false, rule: "kana-bad-start" });
  assert.deepEqual(normalizeKana("ア".repeat(31)), { ok: false, rule: "kana-too-long" });
  assert.deepEqual(normalizeKana(" "), { ok: false, rule: "kana-empty" });
});
