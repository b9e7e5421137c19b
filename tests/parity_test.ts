/**
 * Parity: the network as the training graph computes it, the exported ONNX inference graphs in
 * onnxruntime-node and onnxruntime-web (wasm), and our CPU decoder (TS and WASM kernels) give
 * the same logits (max abs difference ≤ 1e-4 in fp32) and the same greedy outputs; a model
 * file's save → load round trip keeps logits within 1e-5. On random models always, and on the
 * shipped C2K model with its exported graphs when they exist.
 */

import { assert } from "../deps/assert.ts";
import { allowed, padSources } from "../infer/_decode.ts";
import { defaultConfig, randomModel, seededRandom, tinyConfig } from "../infer/_test_model.ts";
import type { Backend } from "../infer/backend.ts";
import { defaultMaxLength } from "../infer/converter.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { greedy, type Hypothesis } from "../infer/greedy.ts";
import { readModel, writeModel } from "../infer/model_file.ts";
import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { encodeSource } from "../infer/normalize.ts";
import { EOS, indexOf, SOS } from "../infer/vocab.ts";
import { loadDataset } from "../data/dataset.ts";
import { buildDecoderStepGraph, buildEncoderGraph } from "../train/inference_graphs.ts";
import { batchInputs, forward, paramInputs } from "../train/model.ts";
import { Graph } from "../train/onnx/graph.ts";
import { createSession, f32, i64, type ort } from "../train/session.ts";
import { buildEvalStep } from "../train/step.ts";
import { createOrtBackend, type OrtBackend, type OrtGraphs } from "./_ort_backend.ts";

/** Largest logit difference allowed between any two implementations (fp32). */
const LOGIT_TOL = 1e-4;
/** Largest logit difference allowed after an F32 save → load round trip. */
const ROUND_TRIP_TOL = 1e-5;

type Tensors = Map<string, Float32Array>;

// Random models: the tiny one (GELU), and a wider one with more decoder than encoder layers
// (ReLU), long enough for real words, so that a swapped layer index or activation shows.
const TINY = tinyConfig({ activation: "gelu" });
const SMALL = defaultConfig({
  dModel: 64,
  heads: 4,
  encLayers: 2,
  decLayers: 3,
  dFF: 128,
  activation: "relu",
  maxSrcLen: 24,
  maxTgtLen: 24,
});

const shipped = loadShipped();

/**
 * The shipped C2K model and its exported ONNX graphs. The graphs are not committed (only the
 * safetensors file is): when they are absent they are built here from the file's weights,
 * exactly as `deno task export` builds them, so that the shipped-model checks always run.
 */
function loadShipped(): { bytes: Uint8Array; graphs: OrtGraphs } | undefined {
  const read = (name: string) => {
    try {
      return Deno.readFileSync(new URL(`../models/${name}`, import.meta.url));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  };
  const bytes = read("c2k.safetensors");
  if (!bytes) return undefined;
  const encoder = read("c2k.encoder.onnx");
  const decoder = read("c2k.decoder.onnx");
  if (encoder && decoder) return { bytes, graphs: { encoder, decoder } };
  const { config, tensors } = readModel(bytes);
  return { bytes, graphs: graphsOf(config, tensors) };
}

const NO_SHIPPED = "models/c2k.safetensors";

/** A teacher-forced batch: sources of different lengths (PAD-padded), SOS-first targets. */
interface Batch {
  src: Int32Array[];
  tgt: number[][];
}

/** Seeded sources and targets of symbols (never PAD/SOS/EOS inside), `rows` of them. */
function randomBatch(c: ModelConfig, rows: number, steps: number, seed: number): Batch {
  const rand = seededRandom(seed);
  const id = (V: number) => 3 + Math.floor(rand() * (V - 3));
  const src = Array.from({ length: rows }, (_, r) => {
    const len = 1 + ((r * 5 + 3) % (c.maxSrcLen - 1)); // different lengths: rows get padded
    const s = Int32Array.from({ length: len + 1 }, () => id(c.srcVocab.length));
    s[len] = EOS;
    return s;
  });
  const tgt = src.map(
    () => [SOS, ...Array.from({ length: steps - 1 }, () => id(c.tgtVocab.length))],
  );
  return { src, tgt };
}

/**
 * Steps a backend through the targets and returns a copy of the logits (rows, Vt) of every
 * step. With `reorder`, the rows are re-arranged by `select` after step `reorder.at` (the
 * targets follow their rows), so that the cache-gathering path is compared too.
 */
async function teacherLogits(
  backend: Backend,
  batch: Batch,
  reorder?: { at: number; from: number[] },
): Promise<Float32Array[]> {
  const { src, srcLen } = padSources(batch.src);
  const state = await backend.start(src, batch.src.length, srcLen);
  try {
    let tgt = batch.tgt;
    const out: Float32Array[] = [];
    for (let t = 0; t < tgt[0].length; t++) {
      out.push((await state.step(Int32Array.from(tgt, (row) => row[t]))).slice());
      if (reorder?.at === t) {
        await state.select(Int32Array.from(reorder.from));
        tgt = reorder.from.map((r) => tgt[r]);
      }
    }
    return out;
  } finally {
    state.dispose();
  }
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length, "step counts differ");
  let m = 0;
  a.forEach((x, t) => {
    assert.equal(x.length, b[t].length, `logit counts differ at step ${t}`);
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - b[t][i]));
  });
  return m;
}

function graphsOf(c: ModelConfig, tensors: Tensors): OrtGraphs {
  return { encoder: buildEncoderGraph(c, tensors), decoder: buildDecoderStepGraph(c, tensors) };
}

/** Both CPU kernel sets, then both onnxruntime packages; the caller releases the last two. */
async function allBackends(c: ModelConfig, tensors: Tensors, graphs: OrtGraphs) {
  const cpu = [
    createCpuBackend(c, tensors, { kernels: "ts" }),
    createCpuBackend(c, tensors, { kernels: "wasm" }),
  ];
  const onnx: OrtBackend[] = [
    await createOrtBackend(c, graphs, { runtime: "node" }),
    await createOrtBackend(c, graphs, { runtime: "web" }),
  ];
  return { cpu, onnx, all: [...cpu, ...onnx] as Backend[] };
}

/** The whole network under teacher forcing, built by the training code's `forward()`. */
async function trainingGraphLogits(c: ModelConfig, tensors: Tensors, batch: Batch) {
  const g = new Graph("float32");
  const { params: P } = paramInputs(g, c);
  const { src, tgtIn } = batchInputs(g);
  g.output(forward(g, c, P, src, tgtIn), "logits");
  const s = await createSession(g.toModel(), { threads: 1 });
  try {
    const { src: ids, srcLen } = padSources(batch.src);
    const B = batch.src.length, T = batch.tgt[0].length, V = c.tgtVocab.length;
    const feeds: Record<string, ort.Tensor> = {
      src: i64(ids, [B, srcLen]),
      tgt_in: i64(batch.tgt.flat(), [B, T]),
    };
    for (const sp of tensorSpecs(c)) feeds[sp.name] = f32(tensors.get(sp.name)!, sp.shape);
    const logits = (await s.run(feeds)).logits.data as Float32Array; // (B·T, V)
    // Re-order to the decoder's layout: per step t, (B, V).
    return Array.from({ length: T }, (_, t) => {
      const step = new Float32Array(B * V);
      for (let r = 0; r < B; r++) {
        step.set(logits.subarray((r * T + t) * V, (r * T + t + 1) * V), r * V);
      }
      return step;
    });
  } finally {
    await s.release();
  }
}

async function checkTrainingGraph(c: ModelConfig, tensors: Tensors, label: string) {
  const batch = randomBatch(c, 5, Math.min(8, c.maxTgtLen), 21);
  const want = await trainingGraphLogits(c, tensors, batch);
  for (const kernels of ["ts", "wasm"] as const) {
    const got = await teacherLogits(createCpuBackend(c, tensors, { kernels }), batch);
    const err = maxDiff(want, got);
    assert.ok(err <= LOGIT_TOL, `${label}, ${kernels} kernels: largest logit difference ${err}`);
  }
}

Deno.test("forward() of the training code gives the CPU decoder's logits, TS and WASM kernels", async () => {
  for (const [label, c] of [["tiny gelu", TINY], ["small relu", SMALL]] as const) {
    await checkTrainingGraph(c, randomModel(c, 5), label);
  }
});

Deno.test("the eval graph's token losses and correct counts follow from the CPU decoder's logits", async () => {
  const c = SMALL;
  const tensors = randomModel(c, 6);
  const batch = randomBatch(c, 6, 7, 22);
  const B = batch.src.length, T = batch.tgt[0].length, V = c.tgtVocab.length;
  // Targets out: the inputs shifted left, EOS last, and PAD after it in odd rows.
  const tgtOut = batch.tgt.map((row, r) =>
    [...row.slice(1), EOS].map((v, t) => (r % 2 === 1 && t > T - 3 ? 0 : v))
  );
  const s = await createSession(
    buildEvalStep(c, {
      labelSmoothing: 0.1,
      dropout: 0.1,
      weightDecay: 0.01,
      beta1: 0.9,
      beta2: 0.98,
      eps: 1e-9,
      clipNorm: 1,
      tasks: 2,
      taskWeighting: "fixed",
    }),
    { threads: 1 },
  );
  const { src, srcLen } = padSources(batch.src);
  const feeds: Record<string, ort.Tensor> = {
    src: i64(src, [B, srcLen]),
    tgt_in: i64(batch.tgt.flat(), [B, T]),
    tgt_out: i64(tgtOut.flat(), [B, T]),
    task: i64(new Array(B).fill(0), [B]),
  };
  for (const sp of tensorSpecs(c)) feeds[sp.name] = f32(tensors.get(sp.name)!, sp.shape);
  const out = await s.run(feeds);
  await s.release();
  const logits = await teacherLogits(createCpuBackend(c, tensors), batch);
  for (let r = 0; r < B; r++) {
    let loss = 0, tokens = 0, correct = 0;
    for (let t = 0; t < T; t++) {
      const want = tgtOut[r][t];
      if (want === 0) continue;
      const row = logits[t].subarray(r * V, (r + 1) * V);
      const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
      const lse = max + Math.log(row.reduce((a, b) => a + Math.exp(b - max), 0));
      loss += lse - row[want];
      tokens++;
      if (row.indexOf(max) === want) correct++;
    }
    const got = (out.loss_sum.data as Float32Array)[r];
    assert.ok(Math.abs(got - loss) <= LOGIT_TOL * tokens, `row ${r}: loss ${got}, decoder ${loss}`);
    assert.equal((out.tokens.data as Float32Array)[r], tokens);
    assert.equal((out.correct.data as Float32Array)[r], correct, `row ${r}: correct counts`);
  }
});

async function checkInferenceGraphs(c: ModelConfig, tensors: Tensors, graphs: OrtGraphs) {
  const { all, onnx } = await allBackends(c, tensors, graphs);
  try {
    const batch = randomBatch(c, 4, Math.min(9, c.maxTgtLen), 23);
    // After step 2 keep rows 3, 0, 3, 1: duplicated, dropped and re-ordered rows.
    const reorder = { at: 2, from: [3, 0, 3, 1] };
    for (const how of [undefined, reorder]) {
      const [ref, ...rest] = await Promise.all(all.map((b) => teacherLogits(b, batch, how)));
      rest.forEach((got, i) => {
        const err = maxDiff(ref, got);
        const what = `${all[i + 1].name} vs ${all[0].name}${how ? " with select()" : ""}`;
        assert.ok(err <= LOGIT_TOL, `${what}: largest logit difference ${err}`);
      });
    }
  } finally {
    for (const b of onnx) await b.release();
  }
}

Deno.test("onnxruntime-node and onnxruntime-web run the exported graphs to the CPU decoder's logits", async () => {
  // The default size stands in for the shipped model until it exists (its own test below).
  const configs = shipped ? [TINY, SMALL] : [TINY, SMALL, defaultConfig({ activation: "gelu" })];
  for (const c of configs) {
    const tensors = randomModel(c, 7);
    await checkInferenceGraphs(c, tensors, graphsOf(c, tensors));
  }
});

/** Seeded words of a–z, 1 to `longest` letters. */
function randomWords(n: number, longest: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return Array.from({ length: n }, () => {
    const len = 1 + Math.floor(rand() * longest);
    return Array.from({ length: len }, () => letters[Math.floor(rand() * 26)]).join("");
  });
}

/**
 * The margin between the two best allowed logits where two outputs first differ, from the
 * CPU decoder fed their common prefix: a mismatch is only acceptable at a near-tie.
 */
async function margin(
  backend: Backend,
  src: Int32Array,
  a: Hypothesis,
  b: Hypothesis,
): Promise<{ step: number; margin: number }> {
  const seq = (h: Hypothesis) => [...h.tokens, h.incomplete ? -1 : EOS];
  const [x, y] = [seq(a), seq(b)];
  let k = 0;
  while (x[k] === y[k]) k++;
  const state = await backend.start(src, 1, src.length);
  try {
    let logits = await state.step(Int32Array.of(SOS));
    for (let t = 0; t < k; t++) logits = await state.step(Int32Array.of(x[t]));
    const allowedLogits = [...logits].filter((_, v) => allowed(v, k)).sort((p, q) => q - p);
    return { step: k, margin: allowedLogits[0] - allowedLogits[1] };
  } finally {
    state.dispose();
  }
}

/**
 * Decodes `words` greedily on every backend and checks the outputs are identical, except at a
 * near-tie (top-2 margin ≤ 2 × LOGIT_TOL) where fp32 rounding may decide, at most 1% of words.
 * The plain TypeScript kernels (the reference, ~10× slower) decode the first `tsWords` only.
 */
async function checkGreedy(
  c: ModelConfig,
  tensors: Tensors,
  graphs: OrtGraphs,
  words: string[],
  tsWords: number,
) {
  const index = indexOf(c.srcVocab);
  const sources = words.map((w) => encodeSource([...w], index, c.maxSrcLen, w));
  const maxLength = words.map((w) => defaultMaxLength(c.task, [...w].length, c));
  const { cpu: [ts, wasm], onnx } = await allBackends(c, tensors, graphs);
  try {
    const ref = await greedy(wasm, sources, { maxLength });
    const ties: string[] = [];
    for (const b of [ts, ...onnx]) {
      const n = b === ts ? tsWords : words.length;
      const outs = await greedy(b, sources.slice(0, n), { maxLength: maxLength.slice(0, n) });
      for (let w = 0; w < n; w++) {
        const [p, q] = [ref[w], outs[w]];
        if (p.tokens.join() === q.tokens.join() && p.incomplete === q.incomplete) continue;
        const m = await margin(wasm, sources[w], p, q);
        const where = `"${words[w]}" (${b.name} vs ${wasm.name}, step ${m.step})`;
        assert.ok(m.margin <= 2 * LOGIT_TOL, `${where}: outputs differ, top-2 margin ${m.margin}`);
        ties.push(where);
      }
    }
    assert.ok(ties.length <= words.length / 100, `too many near-tie differences: ${ties}`);
    const emitted = ref.reduce((n, h) => n + h.tokens.length, 0);
    assert.ok(emitted > words.length, "the outputs are too short to compare anything");
  } finally {
    for (const b of onnx) await b.release();
  }
}

Deno.test("greedy decoding gives the same outputs for 1,000 random words in every runtime (TS kernels: 200)", async () => {
  const tensors = randomModel(SMALL, 8);
  const words = randomWords(1000, 12, 24);
  await checkGreedy(SMALL, tensors, graphsOf(SMALL, tensors), words, 200);
});

async function checkRoundTrip(c: ModelConfig, tensors: Tensors, label: string) {
  const back = readModel(writeModel(c, tensors, { dtype: "F32" }));
  assert.deepEqual(back.config, c);
  const batch = randomBatch(c, 4, Math.min(8, c.maxTgtLen), 25);
  for (const kernels of ["ts", "wasm"] as const) {
    const want = await teacherLogits(createCpuBackend(c, tensors, { kernels }), batch);
    const got = await teacherLogits(
      createCpuBackend(back.config, back.tensors, { kernels }),
      batch,
    );
    const err = maxDiff(want, got);
    assert.ok(err <= ROUND_TRIP_TOL, `${label}, ${kernels}: largest logit difference ${err}`);
  }
}

Deno.test("a save → load round trip in F32 keeps the CPU decoder's logits within 1e-5", async () => {
  for (const [label, c] of [["tiny", TINY], ["small", SMALL]] as const) {
    await checkRoundTrip(c, randomModel(c, 9), label);
  }
});

Deno.test({
  name:
    "the shipped C2K model: training graph, exported graphs and CPU decoder give the same logits",
  ignore: !shipped,
  async fn() {
    const { config, tensors } = readModel(shipped!.bytes);
    await checkTrainingGraph(config, tensors, "shipped c2k");
    await checkInferenceGraphs(config, tensors, shipped!.graphs);
    await checkRoundTrip(config, tensors, "shipped c2k");
  },
});

/**
 * 1,000 single English words of the C2K test split, evenly spread over the sorted file (not
 * just a–c), or random words when the dataset is not built.
 */
async function testWords(c: ModelConfig): Promise<string[]> {
  try {
    const words = (await loadDataset("c2k"))
      .filter((e) => e.split === "test" && e.kind === "en" && e.key.length < c.maxSrcLen)
      .filter((e) => !e.key.includes(" "))
      .map((e) => e.key);
    const n = Math.min(1000, words.length);
    return Array.from({ length: n }, (_, i) => words[Math.floor((i * words.length) / n)]);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return randomWords(1000, 16, 26);
  }
}

Deno.test({
  name:
    "the shipped C2K model gives the same greedy outputs on 1,000 test words in every runtime (TS kernels: 100)",
  ignore: !shipped,
  async fn() {
    const { config, tensors } = readModel(shipped!.bytes);
    const words = await testWords(config);
    assert.ok(words.length >= 500, `only ${words.length} test words`);
    await checkGreedy(config, tensors, shipped!.graphs, words, 100);
  },
});

if (!shipped) {
  // Say why the shipped-model tests are ignored (deno test only prints "ignored").
  console.error(`parity_test: shipped-model tests ignored: ${NO_SHIPPED} not found`);
}
