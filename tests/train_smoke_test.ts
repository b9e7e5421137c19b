/**
 * The training loop end to end on a synthetic task a tiny model can master in seconds:
 * English-kind words over a–m are copied letter by letter into katakana, romaji-kind words
 * over n–z are reversed. Checks that training reaches ≥ 99% exact match, that a run
 * interrupted and resumed ends with bit-identical parameters, and that export round-trips.
 */

import { assert } from "../deps/assert.ts";
import { readModel } from "../infer/model_file.ts";
import { ARPABET, KATAKANA, TARGET } from "../infer/vocab.ts";
import type { SourceExample } from "../train/batches.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { DEFAULTS, type TrainConfig } from "../train/config.ts";
import { exportRun } from "../train/export.ts";
import { G2P_TARGET } from "../train/auxiliary.ts";
import { evaluateModel } from "../train/evaluate.ts";
import { runTraining, type TrainData } from "../train/loop.ts";
import { makeRng } from "../train/rng.ts";
import { createSession } from "../train/session.ts";

function synthetic(n: number, seed: number): SourceExample[] {
  const rng = makeRng(seed);
  const out: SourceExample[] = [];
  for (let i = 0; i < n; i++) {
    const reverse = i % 2 === 1;
    const len = 2 + rng.int(5);
    const letters = Array.from({ length: len }, () => rng.int(13) + (reverse ? 13 : 0));
    const key = letters.map((l) => String.fromCharCode(97 + l)).join("");
    const kana = letters.map((l) => KATAKANA[l * 2]);
    out.push({
      key,
      kana: [(reverse ? kana.reverse() : kana).join("")],
      kind: reverse ? "romaji" : "en",
    });
  }
  return out;
}

const data: TrainData = { train: synthetic(3000, 1), valid: synthetic(200, 2) };

const tiny: TrainConfig = {
  ...DEFAULTS,
  dModel: 64,
  heads: 4,
  encLayers: 1,
  decLayers: 1,
  dFF: 128,
  maxSrcLen: 8,
  maxTgtLen: 8,
  dropout: 0,
  labelSmoothing: 0,
  lr: 5e-3,
  warmupEpochs: 0.3,
  lrDecay: 0.8,
  batchSize: 32,
  epochs: 6,
  patience: 6,
  trainKinds: ["en", "romaji"],
  validKinds: ["en", "romaji"],
  threads: 1,
};

Deno.test("runTraining() learns copy and reverse to 99%; export and eval agree", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runTraining({ config: tiny, outDir: dir, data });
    assert.equal(r.status, "finished");
    const last = r.epochs.at(-1)!;
    assert.ok(last.valid.overall.exact >= 0.99, `exact ${last.valid.overall.exact}`);
    assert.ok(last.valid.byKind.romaji.exact >= 0.99, `romaji ${last.valid.byKind.romaji.exact}`);
    assert.ok(last.validLoss < r.epochs[0].validLoss);
    const files = ["config.json", "metrics.json", "curves.svg", "README.md", "best.safetensors"];
    for (const f of files) assert.ok((await Deno.stat(`${dir}/${f}`)).size > 0, f);
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)).epochs.length, 6);

    // Export: the F32 file holds exactly the best checkpoint's parameters.
    const best = await loadCheckpoint(`${dir}/best.safetensors`);
    const x = await exportRun(dir, { out: `${dir}/model`, dtype: "F32" });
    assert.equal(x.epoch, best.loop.bestEpoch + 1);
    const m = readModel(await Deno.readFile(`${dir}/model.safetensors`));
    assert.equal(m.config.dModel, 64);
    for (const [name, t] of m.tensors) assert.deepEqual(t, best.tensors.get(name)!.data, name);
    const info = m.meta.info as Record<string, unknown>;
    assert.equal(typeof info.dataHash, "string");
    assert.ok((info.validation as { overall: { exact: number } }).overall.exact >= 0.99);
    assert.deepEqual(x.files.map((f) => f.slice(dir.length)), [
      "/model.safetensors",
      "/model.encoder.onnx",
      "/model.decoder.onnx",
    ]);
    for (const f of x.files.slice(1)) {
      const s = await createSession(await Deno.readFile(f), { threads: 1 });
      assert.ok(s.outputNames.length > 0, f);
      await s.release();
    }
    // F16 keeps every weight within half precision's rounding.
    await exportRun(dir, { out: `${dir}/half`, onnx: false });
    const h = readModel(await Deno.readFile(`${dir}/half.safetensors`));
    for (const [name, t] of h.tensors) {
      const ref = best.tensors.get(name)!.data;
      t.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) <= 1e-3 * Math.abs(ref[i]) + 1e-7, name));
    }

    // Eval on a held-out test split, from a dataset file: greedy and beam both near perfect.
    const test = synthetic(200, 3).map((e) => ({ ...e, sources: [["synthetic"]], split: "test" }));
    await Deno.writeTextFile(
      `${dir}/c2k.jsonl`,
      test.map((e) => JSON.stringify(e)).join("\n") + "\n",
    );
    const dataDir = new URL(`file://${dir}/`);
    const bytes = await Deno.readFile(`${dir}/half.safetensors`);
    const greedy = await evaluateModel({ model: bytes, split: "test", dataDir });
    const beam = await evaluateModel({
      model: bytes,
      split: "test",
      dataDir,
      strategy: "beam",
      limit: 50,
    });
    assert.equal(greedy.scored, 200);
    assert.deepEqual(Object.keys(greedy.report.byKind), ["en", "romaji"]);
    assert.ok(greedy.report.overall.exact >= 0.98, `greedy ${greedy.report.overall.exact}`);
    assert.ok(greedy.report.overall.bleu >= 0.98 && greedy.report.overall.cer <= 0.02);
    assert.equal(beam.scored, 50);
    assert.ok(beam.report.overall.exact >= 0.98, `beam ${beam.report.overall.exact}`);
    assert.equal(greedy.errors.length, Math.round(200 * (1 - greedy.report.overall.exact)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runTraining() resumed twice ends bit-identical to an uninterrupted run", async () => {
  const config = { ...tiny, epochs: 2, validLimit: 20 }; // 94 steps an epoch
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  try {
    const whole = await runTraining({ config, outDir: a, data });
    const first = await runTraining({ config, outDir: b, data, stopAtStep: 50 });
    assert.equal(first.status, "interrupted");
    assert.equal(first.loop.step, 50);
    // Across the end of epoch 1 (validation, best checkpoint) into epoch 2.
    const second = await runTraining({ config, outDir: b, data, resume: true, stopAtStep: 130 });
    assert.equal(second.status, "interrupted");
    assert.deepEqual([second.loop.epoch, second.loop.step], [1, 130]);
    const third = await runTraining({ config, outDir: b, data, resume: true });
    assert.equal(third.status, "finished");
    assert.equal(third.loop.step, whole.loop.step);
    for (const [name, w] of whole.params) {
      assert.deepEqual(third.params.get(name), w, `parameter ${name} differs`);
    }
    const [x, y] = [
      await loadCheckpoint(`${a}/checkpoint.safetensors`),
      await loadCheckpoint(`${b}/checkpoint.safetensors`),
    ];
    for (const [name, t] of x.tensors) assert.deepEqual(y.tensors.get(name)!.data, t.data, name);
    assert.deepEqual(third.epochs.map((e) => e.validLoss), whole.epochs.map((e) => e.validLoss));
    assert.deepEqual(third.epochs.map((e) => e.trainLoss), whole.epochs.map((e) => e.trainLoss));
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("runTraining() learns task weights, and validates kinds it did not train on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const learned = await runTraining({
      // Dropout on, with batches larger than the step's default dropout table (64 rows).
      config: {
        ...tiny,
        epochs: 1,
        validLimit: 40,
        taskWeighting: "learned",
        dropout: 0.1,
        batchSize: 256,
      },
      outDir: dir,
      data,
    });
    const w = learned.epochs[0].taskWeights;
    assert.deepEqual(Object.keys(w), ["en", "romaji"]);
    for (const v of Object.values(w)) {
      assert.ok(v !== 1 && v >= Math.exp(-4) && v <= Math.exp(4), `${v}`);
    }
    const one = await runTraining({
      config: { ...tiny, epochs: 1, validLimit: 40, trainKinds: ["en"] },
      outDir: `${dir}/one`,
      data,
    });
    assert.deepEqual(Object.keys(one.epochs[0].valid.byKind), ["en", "romaji"]);
    assert.deepEqual(Object.keys(one.epochs[0].taskWeights), ["en"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runTraining() refuses to resume with a different model shape", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runTraining({ config: { ...tiny, epochs: 1 }, outDir: dir, data, stopAtStep: 2 });
    await assert.rejects(
      runTraining({
        config: { ...tiny, dModel: 32 },
        explicit: new Set(["dModel"]),
        outDir: dir,
        data,
        resume: true,
      }),
      /Cannot resume with "dModel" 32: the run was started with 64/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runTraining() with init starts from another run's best weights", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await runTraining({ config: { ...tiny, epochs: 1, validLimit: 20 }, outDir: a, data });
    const best = (await loadCheckpoint(`${a}/best.safetensors`)).tensors;
    // One step at a vanishing rate: the weights stay those of run a, not a fresh initialisation.
    const r = await runTraining({
      config: { ...tiny, init: a, lr: 1e-12, seed: 99 },
      outDir: b,
      data,
      stopAtStep: 1,
    });
    for (const [name, w] of r.params) {
      const from = best.get(name)!.data;
      const most = w.reduce((m, x, i) => Math.max(m, Math.abs(x - from[i])), 0);
      assert.ok(most < 1e-6, `${name} moved ${most}`);
    }
    await assert.rejects(
      runTraining({ config: { ...tiny, init: a, dModel: 32 }, outDir: b + "-2", data }),
      /Cannot start from ".*best.safetensors": its model .* differs from this run's/,
    );
  } finally {
    for (const d of [a, b, b + "-2"]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});

Deno.test("runTraining() with the G2P task starts from a katakana run and exports katakana only", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await runTraining({ config: { ...tiny, epochs: 1, validLimit: 20 }, outDir: a, data });
    const best = (await loadCheckpoint(`${a}/best.safetensors`)).tensors;
    // Letters a–m read as one phone each: a G2P dictionary over the synthetic words.
    const g2p = new Map(
      data.train.map((
        e,
      ) => [e.key, [Array.from(e.key, (ch) => ARPABET[ch.charCodeAt(0) - 97]).join(" ")]]),
    );
    const config = { ...tiny, init: a, lr: 1e-12, g2pWeight: 0.5, g2pPerEpoch: 200 };
    await assert.rejects(
      runTraining({ config, outDir: b, data }),
      /no CMUdict words were given/,
    );
    const r = await runTraining({
      config,
      outDir: b,
      data: { ...data, cmudict: g2p },
      stopAtStep: 1,
    });
    assert.equal(r.params.get("out.b")!.length, G2P_TARGET.length);
    await exportRun(b, { out: `${b}/model`, dtype: "F32", onnx: false });
    const shipped = readModel(await Deno.readFile(`${b}/model.safetensors`));
    assert.deepEqual(shipped.config.tgtVocab, [...TARGET]);
    for (const [name, t] of best) {
      if (name.startsWith("m.") || name.startsWith("v.") || name.includes("task_s")) continue;
      const got = shipped.tensors.get(name)!;
      const most = got.reduce((m, x, i) => Math.max(m, Math.abs(x - t.data[i])), 0);
      assert.ok(most < 1e-6, `${name} moved ${most}`);
    }
  } finally {
    for (const d of [a, b]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});
