import { assert } from "../deps/assert.ts";
import { editNeighbours, isRunTogether, isTypo } from "./skk_noise.ts";

Deno.test("isRunTogether() finds compounds of known words", () => {
  const known = new Set(["money", "supply", "beer", "garden", "back", "gammon", "zoning"]);
  assert.ok(isRunTogether("moneysupply", known));
  assert.ok(isRunTogether("beergarden", known));
  assert.ok(!isRunTogether("zoning", known), "a known word on its own is not a compound");
  assert.ok(!isRunTogether("encapsulator", known));
});

Deno.test("isTypo() finds a word one edit away with the same katakana", () => {
  const kana = new Map([["account", new Set(["アカウント"])], ["status", new Set(["ステータス"])]]);
  assert.ok(isTypo("acount", "アカウント", kana));
  assert.ok(isTypo("stauts", "ステータス", kana), "a transposition");
  assert.ok(!isTypo("acount", "アカウンツ", kana), "different katakana");
  assert.ok(!isTypo("account", "アカウント", kana), "the word itself");
});

Deno.test("editNeighbours() yields deletions, insertions, substitutions and swaps", () => {
  const n = new Set(editNeighbours("ab"));
  for (const w of ["a", "b", "ba", "xab", "axb", "abx", "xb", "ax"]) assert.ok(n.has(w), w);
});
