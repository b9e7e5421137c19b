import { assert } from "../deps/assert.ts";
import { EOS, P2K_SOURCE } from "../infer/vocab.ts";
import { evalSet, worstErrors } from "./evaluation.ts";

Deno.test("evalSet() makes one source per pronunciation, judged against every variant", () => {
  const { items, skipped } = evalSet(
    [
      {
        key: "either",
        kana: ["イーザー", "アイザー"],
        kind: "en",
        phones: ["IY1 DH ER0", "AY1 DH ER0"],
      },
      { key: "x", kana: ["エックス"], kind: "en" },
      { key: "naka", kana: ["ナカ"], kind: "romaji", phones: ["N AA1 K AA0"] },
    ],
    "p2k",
    ["en"],
    8,
  );
  assert.equal(skipped, 1); // "x" has no pronunciation
  assert.deepEqual(items.map((it) => it.input), ["IY1 DH ER0", "AY1 DH ER0"]);
  assert.deepEqual(items[1].references, ["イーザー", "アイザー"]);
  assert.deepEqual([...items[1].source].map((id) => P2K_SOURCE[id]), ["AY1", "DH", "ER0", "</s>"]);
  assert.equal(items[0].source.at(-1), EOS);
});

Deno.test("evalSet() skips sources longer than the model takes, whatever the target", () => {
  const { items, skipped } = evalSet(
    [
      { key: "abcdefg", kana: ["ア"], kind: "en" },
      { key: "abc", kana: ["アイウエオカキクケコサシスセソ"], kind: "en" },
    ],
    "c2k",
    ["en"],
    7,
  );
  assert.equal(skipped, 1);
  assert.deepEqual(items.map((it) => it.key), ["abc"]);
});

Deno.test("worstErrors() lists wrong predictions by CER, then by reference length", () => {
  const items = ["a", "b", "c", "d"].map((key, i) => ({
    source: Int32Array.of(3 + i, EOS),
    key,
    input: key,
    references: [["アイウ", "アイ"], ["カキ"], ["サシスセ"], ["タ"]][i],
    kind: "en" as const,
  }));
  const errors = worstErrors(items, ["アイ", "カ", "サシ", "チツ"], 10);
  assert.deepEqual(errors.map((e) => [e.input, e.cer]), [["d", 2], ["c", 0.5], ["b", 0.5]]);
  assert.equal(worstErrors(items, ["アイ", "カ", "サシ", "チツ"], 1).length, 1);
});
