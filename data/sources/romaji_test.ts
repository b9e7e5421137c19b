import { toRomaji } from "wanakana";
import { assert } from "../../deps/assert.ts";
import { createRuleLog } from "../rules.ts";
import { romajiPairs } from "./romaji.ts";

Deno.test("romajiPairs() romanises, deduplicates, drops English keys and caps", () => {
  const log = createRuleLog();
  const pairs = romajiPairs([
    { reading: "ナカハラ", category: "surname" },
    { reading: "ナカハラ", category: "surname" },
    { reading: "シンイチ", category: "given" },
    { reading: "ヒデ", category: "given" },
    { reading: "ヤマ", category: "word" },
    { reading: "カワ", category: "word" },
  ], {
    toRomaji,
    englishKeys: new Set(["hide"]),
    log,
    caps: { surname: 10, given: 10, place: 10, word: 1 },
  });
  const keys = pairs.map((p) => p.key);
  assert.ok(keys.includes("nakahara") && keys.includes("shin'ichi"));
  assert.ok(!keys.includes("hide"), "hide is an English key");
  assert.equal(pairs.filter((p) => p.category === "word").length, 1);
  assert.deepEqual(keys, [...keys].sort());
  assert.deepEqual(log.counts(), {
    "romaji-english-key": { romaji: 1 },
    "romaji-over-cap": { romaji: 1 },
  });
});
