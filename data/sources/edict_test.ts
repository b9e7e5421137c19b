import { assert } from "../../deps/assert.ts";
import { createRuleLog } from "../rules.ts";
import { glossCandidates, readEdict } from "./edict.ts";

Deno.test("glossCandidates() strips tags and notes and adds wasei phrases", () => {
  assert.deepEqual(glossCandidates("(n) (1) mirror"), ["mirror"]);
  assert.deepEqual(
    glossCandidates("(n) outside corner (baseball, racetrack, etc.) (wasei: out corner)"),
    ["out corner", "outside corner"],
  );
  assert.deepEqual(glossCandidates("(P)"), []);
  assert.deepEqual(glossCandidates("high performance car(s)"), ["high performance car"]);
  assert.deepEqual(glossCandidates("bubble (economy) boom"), []);
});

Deno.test("readEdict() reads katakana headwords only and counts foreign-origin entries", () => {
  const log = createRuleLog();
  const text = [
    "ミラー /(n) mirror/(P)/",
    "煙草 [タバコ] /(n) tobacco/",
    "アルバイト /(n,vs) (ger: Arbeit) part-time job/",
    "ノースコア /(n) scoreless game (wasei: no score)/",
  ].join("\n");
  assert.deepEqual(readEdict(text, "edict", log).map((p) => [p.english, p.kana]), [
    ["mirror", "ミラー"],
    ["no score", "ノースコア"],
    ["scoreless game", "ノースコア"],
  ]);
  assert.deepEqual(log.counts(), { "edict-foreign-origin": { edict: 1 } });
});

Deno.test("readEdict() names the file and line of a malformed line", () => {
  assert.throws(() => readEdict("ミラー /(n) mirror/\nミラー mirror\n", "edict", createRuleLog()), {
    name: "SyntaxError",
    message: 'Cannot parse edict:2: expected "headword /gloss/…/", found "ミラー mirror"',
  });
});
