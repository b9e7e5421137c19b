/**
 * Both shipped models together: `Converter.score` agrees with the decoders' log-probabilities,
 * and `convertWithPhones` keeps the candidate both models like best, which fixes words either
 * model alone gets wrong.
 */

import { assert } from "../deps/assert.ts";
import { convertWithPhones } from "../infer/combine.ts";
import { loadConverter } from "../infer/converter.ts";
import { scoreOutputs } from "../infer/score.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { randomModel, tinyConfig } from "../infer/_test_model.ts";

const c2k = await loadConverter("c2k");
const p2k = await loadConverter("p2k");
const FLORIDA = "F L AO1 R AH0 D AH0";
const RECEIPT = "R IH0 S IY1 T";

Deno.test("score() gives back the log-probabilities of the beam's n-best list", async () => {
  for (const [conv, input] of [[c2k, "strawberry"], [p2k, FLORIDA]] as const) {
    const out = await conv.convert(input, { strategy: "beam", nbest: 4 });
    const scores = await conv.score(input, out.nbest!.map((c) => c.kana));
    out.nbest!.forEach((c, i) => {
      assert.ok(Math.abs(scores[i] - c.logProb) < 1e-4, `${c.kana}: ${scores[i]} vs ${c.logProb}`);
    });
  }
  const [likely, unlikely] = await c2k.score("computer", ["コンピューター", "ハラ"]);
  assert.ok(likely > unlikely + 5, `${likely} vs ${unlikely}`);
});

Deno.test("score() refuses what the model cannot score, saying why", async () => {
  await assert.rejects(c2k.score("computer", ["コンピューターx"]), TypeError, `"x" is not one of`);
  await assert.rejects(c2k.score("FBI", ["エフビーアイ"]), TypeError, "does not read it whole");
  await assert.rejects(c2k.score("cat", ["ア".repeat(40)]), RangeError, "longer than the 31");
  await assert.rejects(p2k.score("K AE1 QQ", ["キャット"]), TypeError);
});

Deno.test("scoreOutputs() gives -Infinity to an output with EOS inside it", async () => {
  const config = tinyConfig();
  const backend = createCpuBackend(config, randomModel(config, 1));
  const src = Int32Array.of(3, 4, 2);
  const [ok, bad] = await scoreOutputs(backend, [src, src], [[3, 4], [3, 2, 4]]);
  assert.ok(Number.isFinite(ok) && ok < 0);
  assert.equal(bad, -Infinity);
  await assert.rejects(scoreOutputs(backend, [src], []), RangeError, "0 outputs for 1 sources");
});

Deno.test("convertWithPhones() fixes words that one model alone gets wrong", async () => {
  // P2K alone hears フローラダ; C2K alone reads リサイプト.
  assert.notEqual((await p2k.convert(FLORIDA, { strategy: "beam" })).kana, "フロリダ");
  assert.notEqual((await c2k.convert("receipt", { strategy: "beam" })).kana, "レシート");
  assert.equal((await convertWithPhones(c2k, p2k, "florida", FLORIDA)).kana, "フロリダ");
  assert.equal((await convertWithPhones(c2k, p2k, "receipt", RECEIPT.split(" "))).kana, "レシート");
});

Deno.test("convertWithPhones() ranks by the summed scores of both models", async () => {
  const out = await convertWithPhones(c2k, p2k, "amsterdam", "AE1 M S T ER0 D AE2 M", {
    weight: 0.5,
  });
  const kana = out.nbest!.map((c) => c.kana);
  const a = await c2k.score("amsterdam", kana), b = await p2k.score("AE1 M S T ER0 D AE2 M", kana);
  out.nbest!.forEach((c, i) => assert.ok(Math.abs(c.logProb - (a[i] + 0.5 * b[i])) < 1e-9));
  for (let i = 1; i < kana.length; i++) {
    assert.ok(out.nbest![i - 1].logProb >= out.nbest![i].logProb);
  }
  assert.equal(out.kana, kana[0]);
  assert.equal(out.source, "model");
});

Deno.test("convertWithPhones() spells acronyms and checks its arguments", async () => {
  const fbi = await convertWithPhones(c2k, p2k, "FBI", "EH2 F B IY2 AY1");
  assert.equal(fbi.source, "letters");
  assert.equal(fbi.kana, "エフビーアイ");
  await assert.rejects(convertWithPhones(p2k, c2k, "cat", "K AE1 T"), TypeError, "a c2k and a p2k");
  await assert.rejects(
    convertWithPhones(c2k, p2k, "cat", "K AE1 T", { weight: -1 }),
    RangeError,
    "Invalid weight",
  );
});
