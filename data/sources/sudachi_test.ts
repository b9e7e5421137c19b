import { assert } from "../../deps/assert.ts";
import { createRuleLog } from "../rules.ts";
import { readSudachi } from "./sudachi.ts";

const item = (midashi: string, vocabularyNumber: number, extra: Record<string, unknown> = {}) => ({
  taigenYogen: "体言",
  expandControl: 0,
  vocabularyNumber,
  gokeiSyubetsu: "代表語",
  ryakusyou: "代表語形",
  hyoukiYure: "代表表記",
  bunya: [],
  midashi,
  ...extra,
});

Deno.test("readSudachi() pairs alphabet and katakana items of one vocabulary number", () => {
  const log = createRuleLog();
  const groups = [{
    id: "000001",
    items: [
      item("ソフトウェア", 1),
      item("ソフトウエア", 1, { hyoukiYure: "異表記・表記ゆれ" }),
      item("software", 1, { hyoukiYure: "アルファベット表記" }),
      item("ソフト", 1, { ryakusyou: "略語・略称" }),
      item("プログラム", 2),
    ],
  }];
  const pairs = readSudachi(groups, "sudachi.json", log);
  assert.deepEqual(pairs.map((p) => [p.english, p.kana, p.canonical]), [
    ["software", "ソフトウェア", true],
    ["software", "ソフトウエア", false],
  ]);
  assert.deepEqual(log.counts(), { "sudachi-other-form": { sudachi: 1 } });
});

Deno.test("readSudachi() names the group of a malformed item", () => {
  const groups = [{ id: "000001", items: [item("a", 1)] }, { id: "000002", items: [{}] }];
  assert.throws(() => readSudachi(groups, "sudachi.json", createRuleLog()), {
    name: "SyntaxError",
    message: /^Cannot read sudachi\.json group 1 \("000002"\) item 0: expected an item/,
  });
  assert.throws(() => readSudachi({}, "sudachi.json", createRuleLog()), SyntaxError);
});
