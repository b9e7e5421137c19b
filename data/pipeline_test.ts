import { toRomaji } from "wanakana";
import { assert } from "../deps/assert.ts";
import { renderCard } from "./card.ts";
import { buildDataset } from "./pipeline.ts";
import { computeStats } from "./stats.ts";

function unidicRow(f: Record<number, string>): string {
  return Array.from({ length: 33 }, (_, i) => f[i] ?? "*").join(",");
}
const NOUN = { 4: "名詞", 5: "普通名詞", 6: "一般", 16: "外" };

const SOURCES = {
  unidic: [
    unidicRow({ ...NOUN, 11: "コンピューター-computer", 12: "コンピュータ" }),
    unidicRow({ ...NOUN, 11: "アイディア-idea", 12: "ＩＤＥＡ", 13: "アイディア" }),
    unidicRow({
      4: "名詞",
      5: "固有名詞",
      6: "人名",
      7: "姓",
      10: "ナカハラ",
      11: "中原",
      16: "固",
    }),
    unidicRow({ 4: "名詞", 5: "固有名詞", 6: "人名", 7: "名", 10: "ヒデ", 11: "秀", 16: "固" }),
  ].join("\n"),
  sudachi: [{
    id: "000001",
    items: [
      {
        expandControl: 0,
        vocabularyNumber: 1,
        gokeiSyubetsu: "代表語",
        ryakusyou: "代表語形",
        hyoukiYure: "代表表記",
        bunya: [],
        midashi: "アイスクリーム",
      },
      {
        expandControl: 0,
        vocabularyNumber: 1,
        gokeiSyubetsu: "代表語",
        ryakusyou: "代表語形",
        hyoukiYure: "アルファベット表記",
        bunya: [],
        midashi: "ice cream",
      },
    ],
  }],
  skk: "computer /コンピューター/\nhide /ハイド/\nCPU /シーピーユー/\n",
  edict: "ミラー /(n) mirror/(P)/\nイザコザ /(n) trouble/quarrel/\n",
  cmudict: { computer: "K AH0 M P Y UW1 T ER0", mirror: "M IH1 R ER0", hide: "HH AY1 D" },
  toRomaji: (kana: string) => toRomaji(kana),
};

Deno.test("buildDataset() turns small sources into C2K and P2K records", () => {
  const result = buildDataset(SOURCES);
  assert.deepEqual(
    result.c2k.map((e) => [e.key, e.kind, e.kana[0]]),
    [
      ["computer", "en", "コンピューター"],
      ["hide", "en", "ハイド"],
      ["ice cream", "phrase", "アイスクリーム"],
      ["idea", "en", "アイディア"],
      ["mirror", "en", "ミラー"],
      ["nakahara", "romaji", "ナカハラ"],
    ],
  );
  assert.deepEqual(result.c2k[0].kana, ["コンピューター", "コンピュータ"]);
  assert.deepEqual(result.c2k[0].sources, [["unidic", "skk"], ["unidic"]]);
  assert.deepEqual(result.p2k.map((e) => [e.key, e.phones, e.split]), [
    ["computer", ["K AH0 M P Y UW1 T ER0"], result.c2k[0].split],
    ["hide", ["HH AY1 D"], result.c2k[1].split],
    ["mirror", ["M IH1 R ER0"], result.c2k[4].split],
  ]);
  assert.deepEqual(result.rules["acronym"], { skk: 1 });
  assert.deepEqual(result.rules["not-sound-alike"], { edict: 2 });
  assert.deepEqual(result.rules["romaji-english-key"], { romaji: 1 });
});

Deno.test("buildDataset() is deterministic and its card shows its counts", () => {
  const a = buildDataset(SOURCES);
  const b = buildDataset(SOURCES);
  assert.deepEqual(a, b);
  const stats = computeStats(a);
  assert.equal(stats.c2k.records, 6);
  assert.deepEqual(stats.c2k.kinds, { en: 4, phrase: 1, romaji: 1 });
  assert.equal(stats.p2k.records, 3);
  assert.equal(stats.sources.skk.read, 3);
  const card = renderCard(stats, a);
  assert.equal(card, renderCard(computeStats(b), b));
  assert.match(card, /\| `acronym` \| .* \| 0 \| 0 \| 1 \| 0 \| 0 \| 1 \|/);
  assert.match(card, /CC-BY-SA-3\.0/);
});

Deno.test("buildDataset() names the source file and line of a malformed line", () => {
  assert.throws(() => buildDataset({ ...SOURCES, skk: "ok /オーケー/\nno slash here\n" }), {
    name: "SyntaxError",
    message: /^Cannot parse SKK-JISYO\.L:2: /,
  });
  assert.throws(() => buildDataset({ ...SOURCES, edict: "ミラー mirror\n" }), {
    name: "SyntaxError",
    message: /^Cannot parse edict:1: /,
  });
});
