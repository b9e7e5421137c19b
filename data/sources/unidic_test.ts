import { assert } from "../../deps/assert.ts";
import { createRuleLog } from "../rules.ts";
import { readUnidic } from "./unidic.ts";

/** A lex.csv row with the columns the reader uses; the rest are "*". */
function row(f: Record<number, string>): string {
  return Array.from({ length: 33 }, (_, i) => f[i] ?? "*").join(",");
}
const NOUN = { 4: "名詞", 5: "普通名詞", 6: "一般", 16: "外" };

Deno.test("readUnidic() reads the lemma and katakana written forms of a loanword", () => {
  const text = [
    row({ ...NOUN, 11: "コンピューター-computer", 12: "コンピュータ", 13: "コンピュータ" }),
    row({ ...NOUN, 11: "コンピューター-computer", 12: "コンピュ−タ−", 13: "コンピューター" }),
  ].join("\n");
  const { pairs } = readUnidic(text, "lex.csv", createRuleLog());
  assert.deepEqual(pairs.map((p) => [p.english, p.kana, p.canonical]), [
    ["computer", "コンピューター", true],
    ["computer", "コンピュータ", false],
    ["computer", "コンピューター", true],
    ["computer", "コンピュ−タ−", false],
  ]);
});

Deno.test("readUnidic() reads English surfaces with their pronunciation", () => {
  const text = row({ ...NOUN, 11: "アイ-eye", 12: "Ｅｙｅｓ", 13: "アイズ" });
  const { pairs } = readUnidic(text, "lex.csv", createRuleLog());
  assert.deepEqual(pairs.map((p) => [p.english, p.kana]), [["eye", "アイ"], ["Eyes", "アイズ"]]);
});

Deno.test("readUnidic() counts plural written forms filed under a singular lemma", () => {
  const log = createRuleLog();
  const text = row({ ...NOUN, 11: "アイテム-item", 12: "アイテムズ", 13: "アイテムズ" });
  const { pairs } = readUnidic(text, "lex.csv", log);
  assert.deepEqual(pairs.map((p) => p.kana), ["アイテム"]);
  assert.deepEqual(log.counts(), { "unidic-plural-variant": { unidic: 1 } });
});

Deno.test("readUnidic() marks proper nouns and collects Japanese readings", () => {
  const text = [
    row({
      4: "名詞",
      5: "固有名詞",
      6: "地名",
      7: "一般",
      11: "アイオワ-Iowa",
      12: "アイオワ",
      16: "固",
    }),
    row({ 4: "名詞", 5: "固有名詞", 6: "人名", 7: "姓", 10: "ナカハラ", 11: "中原", 16: "固" }),
    row({ 4: "名詞", 5: "普通名詞", 6: "一般", 10: "ヤマ", 11: "山", 16: "和" }),
  ].join("\n");
  const { pairs, japanese } = readUnidic(text, "lex.csv", createRuleLog());
  assert.equal(pairs[0].proper, true);
  assert.deepEqual(japanese, [
    { reading: "ナカハラ", category: "surname" },
    { reading: "ヤマ", category: "word" },
  ]);
});

Deno.test("readUnidic() names the file and line of a short row", () => {
  const text = row({ ...NOUN, 11: "アイ-eye", 12: "アイ" }) + "\nbroken,row\n";
  assert.throws(() => readUnidic(text, "lex_3_1.csv", createRuleLog()), {
    name: "SyntaxError",
    message: "Cannot parse lex_3_1.csv:2: expected at least 17 fields, found 2",
  });
});
