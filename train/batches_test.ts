import { assert } from "../deps/assert.ts";
import { EOS, P2K_SOURCE, PAD, SOS, TARGET } from "../infer/vocab.ts";
import {
  encodeExamples,
  type Item,
  makeBatch,
  planBatches,
  type SourceExample,
} from "./batches.ts";

const examples: SourceExample[] = [
  { key: "cat", kana: ["キャット"], kind: "en" },
  {
    key: "computer",
    kana: ["コンピューター", "コンピュータ"],
    kind: "en",
    phones: ["K AH0 M P Y UW1 T ER0"],
  },
  { key: "nakahara", kana: ["ナカハラ"], kind: "romaji" },
  { key: "ice cream", kana: ["アイスクリーム"], kind: "phrase", phones: ["AY1 S | K R IY1 M"] },
  { key: "naïve", kana: ["ナイーブ"], kind: "en" },
  { key: "supercalifragilistic", kana: ["スーパーカリフラジリスティック"], kind: "en" },
];
const opts = { task: "c2k" as const, variants: "top" as const, maxSrcLen: 16, maxTgtLen: 16 };

Deno.test("encodeExamples() keeps the asked kinds and counts what it skips", () => {
  const e = encodeExamples(examples, { ...opts, kinds: ["en", "phrase"] });
  assert.deepEqual(e.items.map((it) => it.example), [0, 1, 3]);
  assert.equal(e.otherKind, 1);
  assert.equal(e.unknownSymbol, 1);
  assert.deepEqual(e.unknown, ["ï"]);
  assert.equal(e.tooLong, 1); // 20 letters + EOS > 16
  assert.deepEqual(e.items.map((it) => it.task), [0, 0, 1]);
  assert.deepEqual([...e.items[0].src], [...Array.from("cat", (c) => c.charCodeAt(0) - 97 + 3)]);
  assert.deepEqual([...e.items[0].tgt].map((id) => TARGET[id]).join(""), "キャット");
});

Deno.test("encodeExamples() makes one item per variant with variants all", () => {
  const e = encodeExamples(examples.slice(0, 2), { ...opts, kinds: ["en"], variants: "all" });
  assert.equal(e.items.length, 3);
  assert.deepEqual(e.items.map((it) => it.example), [0, 1, 1]);
});

Deno.test("encodeExamples() reads every pronunciation for p2k, with word separators", () => {
  const e = encodeExamples(examples, { ...opts, task: "p2k", kinds: ["en", "phrase"] });
  assert.deepEqual(e.items.map((it) => it.example), [1, 3]);
  assert.equal(e.noSource, 3);
  assert.equal(e.items[0].src.length, 8);
  // AY1 S, the word separator " ", K R IY1 M.
  assert.deepEqual([...e.items[1].src].map((id) => P2K_SOURCE[id]), [
    "AY1",
    "S",
    " ",
    "K",
    "R",
    "IY1",
    "M",
  ]);
});

Deno.test("encodeExamples() gives task ids by the trained kinds, 0 for others", () => {
  const e = encodeExamples(examples.slice(0, 4), {
    ...opts,
    kinds: ["en", "phrase", "romaji"],
    taskKinds: ["en", "romaji"],
  });
  assert.deepEqual(e.items.map((it) => it.task), [0, 0, 1, 0]);
});

function fakeItems(lengths: number[]): Item[] {
  return lengths.map((n, i) => ({
    src: new Int32Array(n).fill(3),
    tgt: new Int32Array(n).fill(3),
    task: 0,
    example: i,
  }));
}

Deno.test("planBatches() covers every item once, in batches of similar length", () => {
  const lengths = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % 20));
  const items = fakeItems(lengths);
  const plan = planBatches(items, { batchSize: 16, seed: 3 });
  assert.deepEqual(plan.flat().sort((a, b) => a - b), items.map((_, i) => i));
  assert.ok(plan.every((b) => b.length <= 16));
  assert.equal(plan.length, Math.ceil(200 / 16));
  for (const b of plan) {
    const ls = b.map((i) => lengths[i]);
    assert.ok(Math.max(...ls) - Math.min(...ls) <= 2, `spread too wide: ${ls}`);
  }
});

Deno.test("planBatches() repeats with a seed and changes with another", () => {
  const items = fakeItems(Array.from({ length: 100 }, (_, i) => 1 + (i % 5)));
  const a = planBatches(items, { batchSize: 8, seed: 1 });
  assert.deepEqual(planBatches(items, { batchSize: 8, seed: 1 }), a);
  assert.notDeepEqual(planBatches(items, { batchSize: 8, seed: 2 }), a);
  const sorted = planBatches(items, { batchSize: 8, seed: null });
  assert.deepEqual(
    sorted.flat(),
    [...sorted.flat()].sort((x, y) => lengths(items, x) - lengths(items, y) || x - y),
  );
});

function lengths(items: Item[], i: number) {
  return items[i].src.length;
}

Deno.test("planBatches() fills a token budget", () => {
  const items = fakeItems([3, 3, 3, 3, 7, 7, 7]);
  const plan = planBatches(items, { batchSize: 1, tokenBudget: 16, seed: null });
  // lengths with EOS/SOS: 4,4,4,4 → 16 tokens; 8,8 → 16; 8.
  assert.deepEqual(plan, [[0, 1, 2, 3], [4, 5], [6]]);
  assert.throws(() => planBatches(items, { batchSize: 1, tokenBudget: 5, seed: null }), RangeError);
});

Deno.test("makeBatch() pads and shifts targets", () => {
  const items: Item[] = [
    { src: Int32Array.of(5, 6), tgt: Int32Array.of(10), task: 1, example: 0 },
    { src: Int32Array.of(7), tgt: Int32Array.of(11, 12, 13), task: 0, example: 1 },
  ];
  const b = makeBatch(items, [0, 1]);
  const n = (xs: BigInt64Array) => [...xs].map(Number);
  assert.equal(b.srcLen, 3);
  assert.equal(b.tgtLen, 4);
  assert.deepEqual(n(b.src), [5, 6, EOS, 7, EOS, PAD]);
  assert.deepEqual(n(b.tgtIn), [SOS, 10, PAD, PAD, SOS, 11, 12, 13]);
  assert.deepEqual(n(b.tgtOut), [10, EOS, PAD, PAD, 11, 12, 13, EOS]);
  assert.deepEqual(n(b.task), [1, 0]);
  assert.equal(b.tokens, 6);
});
