import { assert } from "../deps/assert.ts";
import { splitOf } from "../data/split.ts";
import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { C2K_SOURCE, P2K_SOURCE, TARGET } from "../infer/vocab.ts";
import { makeBatch } from "./batches.ts";
import { DEFAULTS, modelConfigOf, parseTrainArgs } from "./config.ts";
import {
  auxItems,
  G2P_START,
  G2P_TARGET,
  hasAux,
  kanaOnly,
  P2G_START,
  P2G_TARGET,
  sampleItems,
  withAux,
} from "./auxiliary.ts";
import { initParams } from "./init.ts";

const WORDS = ["computer", "tomato", "strawberry", "nakahara", "cat", "dog", "houston", "europe"];

Deno.test('auxItems("c2k") keeps train-split words only and starts the decoder with <g2p>', () => {
  const dict = new Map(WORDS.map((w) => [w, ["K AH0 M", "T AA1"]]));
  dict.set("x-ray", ["EH1 K S R EY2"]); // "-" is not a C2K source symbol
  dict.set("ab", ["AE1 QQ"]); // not an ARPAbet symbol
  const items = auxItems("c2k", dict, 3, 32, 32);
  const train = WORDS.filter((w) => splitOf(w) === "train");
  assert.ok(train.length < WORDS.length, "the sample should hold a held-out word");
  assert.equal(items.length, train.length);
  const start = G2P_TARGET.indexOf(G2P_START);
  for (const it of items) {
    assert.equal(it.task, 3);
    assert.equal(it.start, start);
    assert.deepEqual([...it.tgt].map((i) => G2P_TARGET[i]), ["K", "AH0", "M"]); // first listed
  }
  const b = makeBatch(items, [0]);
  assert.equal(Number(b.tgtIn[0]), start);
  assert.equal([...items[0].src].map((i) => C2K_SOURCE[i]).join(""), train[0]);
  assert.equal(auxItems("c2k", dict, 3, 4, 32).length, train.filter((w) => w.length < 4).length);
});

Deno.test("sampleItems() draws n distinct items, the same for the same seed", () => {
  const items = auxItems("c2k", new Map(WORDS.map((w) => [w, ["K AE1 T"]])), 0, 32, 32);
  const a = sampleItems(items, 3, 5), b = sampleItems(items, 3, 5);
  assert.equal(a.length, 3);
  assert.equal(new Set(a).size, 3);
  assert.deepEqual(a, b);
  assert.equal(sampleItems(items, 0, 5).length, items.length);
});

Deno.test("withAux() then kanaOnly() gives the katakana model back exactly", () => {
  const kana: ModelConfig = modelConfigOf({ ...DEFAULTS, dModel: 16, heads: 2, dFF: 32 });
  const g2p = modelConfigOf({ ...DEFAULTS, dModel: 16, heads: 2, dFF: 32, g2pWeight: 0.5 });
  assert.ok(hasAux(g2p) && !hasAux(kana));
  assert.deepEqual(kana.tgtVocab, [...TARGET]);
  const p = initParams(kana, 1);
  const full = withAux(p, g2p, initParams(g2p, 2));
  for (const s of tensorSpecs(g2p)) {
    assert.equal(full.get(s.name)!.length, s.shape.reduce((a, b) => a * b, 1), s.name);
  }
  const back = kanaOnly(g2p, full);
  assert.deepEqual(back.config, kana);
  for (const [name, data] of p) assert.deepEqual(back.params.get(name), data, name);
  assert.equal(kanaOnly(kana, p).params, p);
});

Deno.test("each auxiliary task is refused for the other model", () => {
  assert.throws(
    () => parseTrainArgs(["--task", "p2k", "--g2p-weight", "0.5"]),
    /"g2pWeight" 0.5 needs task "c2k"/,
  );
  assert.throws(
    () => parseTrainArgs(["--task", "c2k", "--p2g-weight", "1"]),
    /"p2gWeight" 1 needs task "p2k"/,
  );
});

Deno.test('auxItems("p2k") reads the phones and writes the spelling, after <p2g>', () => {
  const dict = new Map(WORDS.map((w) => [w, ["K AH0 M", "T AA1"]]));
  const items = auxItems("p2k", dict, 1, 32, 32);
  const train = WORDS.filter((w) => splitOf(w) === "train");
  assert.deepEqual(items.map((it) => [...it.tgt].map((i) => P2G_TARGET[i]).join("")), train);
  for (const it of items) {
    assert.deepEqual([...it.src].map((i) => P2K_SOURCE[i]), ["K", "AH0", "M"]);
    assert.equal(it.start, P2G_TARGET.indexOf(P2G_START));
  }
  const p2k = modelConfigOf({ ...DEFAULTS, task: "p2k", dModel: 16, heads: 2, p2gWeight: 1 });
  assert.deepEqual(p2k.tgtVocab, [...P2G_TARGET]);
  assert.ok(hasAux(p2k));
  const cut = kanaOnly(p2k, initParams(p2k, 3));
  assert.deepEqual(cut.config.tgtVocab, [...TARGET]);
  assert.equal(cut.params.get("out.w")!.length, 16 * TARGET.length);
});
