/**
 * The WebGPU backend against the CPU backend (the reference): logits within 1e-3 at every
 * step, the same greedy and beam outputs, batch sizes 1, 7 and 256, sources of length 1 and
 * of the maximum length, top-k read-back, and clear failures (no WebGPU, no adapter, device
 * lost, bad input) that never hang. On random models always; on the shipped C2K model with
 * 1,000 test words when models/c2k.safetensors exists. Needs an adapter (a software one
 * will do: see tests/_gpu.ts); the tests that need none run everywhere.
 */

import { assert } from "../deps/assert.ts";
import { allowed } from "../infer/_decode.ts";
import { defaultConfig, randomModel, seededRandom, tinyConfig } from "../infer/_test_model.ts";
import type { Backend } from "../infer/backend.ts";
import { beamSearch } from "../infer/beam.ts";
import { defaultMaxLength } from "../infer/converter.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { greedy, type Hypothesis } from "../infer/greedy.ts";
import { readModel } from "../infer/model_file.ts";
import type { ModelConfig } from "../infer/model_spec.ts";
import { encodeSource } from "../infer/normalize.ts";
import { EOS, indexOf, SOS } from "../infer/vocab.ts";
import { createWebGpuBackend, type WebGpuBackend } from "../infer/webgpu/backend.ts";
import { requestWebGpuDevice, WebGpuError } from "../infer/webgpu/device.ts";
import { loadDataset } from "../data/dataset.ts";
import { webgpu, within } from "./_gpu.ts";

/** Largest logit difference allowed between the WebGPU and CPU backends. */
const TOL = 1e-3;

type Tensors = Map<string, Float32Array>;

// The tiny model (GELU, 2 heads of 4) and a wider one with more decoder than encoder layers
// (ReLU, 4 heads of 8), long enough for real words.
const TINY = tinyConfig();
const WIDE = tinyConfig({
  dModel: 32,
  heads: 4,
  encLayers: 1,
  decLayers: 3,
  dFF: 64,
  activation: "relu",
  maxSrcLen: 20,
  maxTgtLen: 16,
});

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !webgpu.available, fn });

/** Random sources (symbols, then EOS) with lengths (EOS included) drawn from [min, max]. */
function randomSources(
  c: ModelConfig,
  count: number,
  seed: number,
  min = 1,
  max = c.maxSrcLen,
): Int32Array[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const len = min + Math.floor(rand() * (max - min + 1));
    const ids = Int32Array.from(
      { length: len },
      () => 3 + Math.floor(rand() * (c.srcVocab.length - 3)),
    );
    ids[len - 1] = EOS;
    return ids;
  });
}

function pad(sources: Int32Array[]): { src: Int32Array; srcLen: number } {
  const srcLen = Math.max(...sources.map((s) => s.length));
  const src = new Int32Array(sources.length * srcLen); // (rows, srcLen), PAD = 0
  sources.forEach((s, i) => src.set(s, i * srcLen));
  return { src, srcLen };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, "lengths differ");
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Steps both backends through every position with random tokens, re-arranging rows with
 * select() (growing, repeating and shrinking the batch) on the way, and compares the logits
 * and cross-attention at every step.
 */
async function compareSteps(
  cpu: Backend,
  gpu: Backend,
  c: ModelConfig,
  sources: Int32Array[],
  seed: number,
) {
  const rand = seededRandom(seed);
  const { src, srcLen } = pad(sources);
  const a = await cpu.start(src, sources.length, srcLen);
  const b = await gpu.start(src, sources.length, srcLen);
  try {
    let tokens = new Int32Array(sources.length).fill(SOS);
    const vt = c.tgtVocab.length;
    for (let t = 0; t < c.maxTgtLen; t++) {
      const want = (await a.step(tokens)).slice();
      const got = await b.step(tokens);
      const d = maxDiff(want, got);
      assert.ok(d <= TOL, `step ${t}, ${tokens.length} rows: logits differ by ${d}`);
      const att = maxDiff(await a.crossAttention(), await b.crossAttention());
      assert.ok(att <= TOL, `step ${t}: cross-attention differs by ${att}`);
      if (t === c.maxTgtLen - 1) break;
      if (t % 3 === 1) {
        // Beam-like re-arrangement: every row at most twice, in shuffled order.
        const rows = a.rows;
        const n = Math.max(1, Math.min(2 * rows, Math.floor(rand() * 2 * rows) + 1));
        const from = Int32Array.from({ length: n }, () => Math.floor(rand() * rows));
        await a.select(from);
        await b.select(from);
        assert.equal(b.rows, n);
      }
      tokens = Int32Array.from({ length: a.rows }, () => 3 + Math.floor(rand() * (vt - 3)));
    }
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function backends(c: ModelConfig, tensors: Tensors): Promise<[Backend, WebGpuBackend]> {
  return [createCpuBackend(c, tensors), await createWebGpuBackend(c, tensors)];
}

for (const [label, config] of [["tiny GELU", TINY], ["wide ReLU", WIDE]] as const) {
  for (const tiles of ["hardware", "software"] as const) {
    gpuTest(
      `WebGPU logits stay within 1e-3 of the CPU backend at every step, through select() (${label} model, ${tiles} matmul tiles, batch 7, sources of length 1 to the maximum)`,
      async () => {
        const tensors = randomModel(config, 3);
        const cpu = createCpuBackend(config, tensors);
        const gpu = await createWebGpuBackend(config, tensors, { tiles, encoderChunk: 64 });
        try {
          const sources = randomSources(config, 7, 11);
          sources[0] = Int32Array.of(EOS); // length 1: the empty word
          sources[1] = randomSources(config, 1, 12, config.maxSrcLen)[0]; // the maximum length
          await compareSteps(cpu, gpu, config, sources, 5);
          // Many rows: the tallest tiles, and the encoder in chunks of 64 sources.
          await compareSteps(
            cpu,
            gpu,
            { ...config, maxTgtLen: 3 },
            randomSources(config, 300, 13),
            6,
          );
        } finally {
          gpu.dispose();
        }
      },
    );
  }
}

gpuTest(
  "WebGPU logits stay within 1e-3 of the CPU backend on the default-size model (batch 1 of maximum length, batch 7 of length 1)",
  async () => {
    const config = defaultConfig();
    const tensors = randomModel(config, 4);
    const [cpu, gpu] = await backends(config, tensors);
    try {
      const small = { ...config, maxTgtLen: webgpu.software ? 6 : config.maxTgtLen };
      await compareSteps(cpu, gpu, small, randomSources(config, 1, 21, config.maxSrcLen), 6);
      await compareSteps(cpu, gpu, small, Array.from({ length: 7 }, () => Int32Array.of(EOS)), 7);
    } finally {
      gpu.dispose();
    }
  },
);

/** Teacher-forced CPU logits of `tokens` for one source: the margin by which `a` beat `b`. */
async function margin(
  cpu: Backend,
  source: Int32Array,
  tokens: number[],
  step: number,
  other: number,
) {
  const state = await cpu.start(source, 1, source.length);
  try {
    let logits = await state.step(Int32Array.of(SOS));
    for (let t = 0; t < step; t++) logits = await state.step(Int32Array.of(tokens[t]));
    const mine = step < tokens.length ? tokens[step] : EOS;
    return logits[mine] - logits[other];
  } finally {
    state.dispose();
  }
}

/**
 * The same greedy outputs on both backends, except where the CPU's own logits put the two
 * choices within 2e-3 of each other (a near tie that rounding may flip), for at most 1% of
 * the words.
 */
async function checkSameOutputs(
  cpu: Backend,
  sources: Int32Array[],
  want: Hypothesis[],
  got: Hypothesis[],
  label: (i: number) => string,
) {
  const ties: string[] = [];
  for (let i = 0; i < sources.length; i++) {
    const [p, q] = [want[i], got[i]];
    if (p.tokens.join() === q.tokens.join() && p.incomplete === q.incomplete) {
      assert.ok(Math.abs(p.logProb - q.logProb) <= 1e-2, `${label(i)}: log-probabilities differ`);
      continue;
    }
    let step = 0;
    while (step < p.tokens.length && p.tokens[step] === q.tokens[step]) step++;
    const other = step < q.tokens.length ? q.tokens[step] : EOS;
    const m = await margin(cpu, sources[i], p.tokens, step, other);
    assert.ok(Math.abs(m) <= 2 * TOL, `${label(i)}: outputs differ at step ${step} by ${m}`);
    ties.push(label(i));
  }
  assert.ok(ties.length <= Math.max(1, sources.length / 100), `too many near ties: ${ties}`);
}

for (const batch of [1, 7, 256]) {
  gpuTest(
    `greedy() gives the same outputs on WebGPU as on the CPU at batch size ${batch}`,
    async () => {
      const tensors = randomModel(WIDE, 8);
      const [cpu, gpu] = await backends(WIDE, tensors);
      try {
        const sources = randomSources(WIDE, batch, 100 + batch);
        const maxLength = sources.map((s) => Math.min(s.length + 2, WIDE.maxTgtLen - 1));
        const want = await greedy(cpu, sources, { maxLength });
        const got = await greedy(gpu, sources, { maxLength });
        await checkSameOutputs(cpu, sources, want, got, (i) => `source ${i}`);
        assert.ok(want.reduce((n, h) => n + h.tokens.length, 0) > batch, "outputs too short");
      } finally {
        gpu.dispose();
      }
    },
  );
}

gpuTest("beamSearch() gives the same n-best lists on WebGPU as on the CPU", async () => {
  const tensors = randomModel(WIDE, 9);
  const [cpu, gpu] = await backends(WIDE, tensors);
  try {
    const sources = randomSources(WIDE, 5, 31, 1, 10);
    const options = { maxLength: 8, width: 4, nbest: 3, alpha: 0.6 };
    const want = await beamSearch(cpu, sources, options);
    const got = await beamSearch(gpu, sources, options);
    for (let i = 0; i < sources.length; i++) {
      assert.deepEqual(got[i].map((h) => h.tokens), want[i].map((h) => h.tokens), `source ${i}`);
      got[i].forEach((h, j) =>
        assert.ok(Math.abs(h.logProb - want[i][j].logProb) <= 1e-2, `source ${i}, rank ${j}`)
      );
    }
  } finally {
    gpu.dispose();
  }
});

gpuTest(
  "stepTopK() and stepArgmax() choose what the CPU logits choose, with the banned ids left out",
  async () => {
    const tensors = randomModel(WIDE, 10);
    const [cpu, gpu] = await backends(WIDE, tensors);
    try {
      const sources = randomSources(WIDE, 9, 41);
      const { src, srcLen } = pad(sources);
      const a = await cpu.start(src, 9, srcLen);
      const b = await gpu.start(src, 9, srcLen);
      const V = WIDE.tgtVocab.length;
      const k = 5;
      let tokens = new Int32Array(9).fill(SOS);
      for (let t = 0; t < 6; t++) {
        const logits = (await a.step(tokens)).slice();
        const first = allowed(EOS, t) ? EOS : EOS + 1;
        // Even steps take candidates apart from EOS, as beam search does.
        const topFrom = t % 2 === 0 ? EOS + 1 : first;
        const top = await b.stepTopK(tokens, k, { allowFrom: first, topFrom });
        for (let r = 0; r < 9; r++) {
          const row = logits.subarray(r * V, (r + 1) * V);
          let max = -Infinity;
          for (let v = first; v < V; v++) max = Math.max(max, row[v]);
          let sum = 0;
          for (let v = first; v < V; v++) sum += Math.exp(row[v] - max);
          const lse = max + Math.log(sum);
          const order = [...Array(V).keys()].filter((v) => v >= topFrom)
            .sort((x, y) => row[y] - row[x] || x - y);
          for (let j = 0; j < k; j++) {
            const id = top.ids[r * k + j];
            const where = `step ${t}, row ${r}, rank ${j}`;
            assert.ok(id >= topFrom, `${where}: banned id ${id}`);
            assert.ok(
              Math.abs(row[id] - row[order[j]]) <= TOL,
              `${where}: id ${id}, want ${order[j]}`,
            );
            assert.ok(
              Math.abs(top.logProbs[r * k + j] - (row[id] - lse)) <= TOL,
              `${where}: log-prob`,
            );
          }
          const eos = first > EOS ? -Infinity : row[EOS] - lse;
          assert.ok(
            top.eos[r] === eos || Math.abs(top.eos[r] - eos) <= TOL,
            `step ${t}, row ${r}: EOS log-prob ${top.eos[r]}, want ${eos}`,
          );
        }
        tokens = Int32Array.from(top.ids.filter((_, i) => i % k === 0));
      }
      // stepArgmax is the first of stepTopK (the CPU state follows along).
      await a.step(tokens);
      const picks = await b.stepArgmax(tokens, { allowFrom: EOS });
      assert.equal(picks.length, 9);
      a.dispose();
      b.dispose();
    } finally {
      gpu.dispose();
    }
  },
);

gpuTest(
  "a WebGPU decoder state rejects bad input with a RangeError and a disposed one with a TypeError",
  async () => {
    const tensors = randomModel(TINY, 1);
    const gpu = await createWebGpuBackend(TINY, tensors);
    try {
      const src = Int32Array.of(5, 6, EOS);
      await assert.rejects(gpu.start(src, 1, 2), RangeError);
      await assert.rejects(gpu.start(Int32Array.of(99, EOS), 1, 2), RangeError);
      const long = new Int32Array(TINY.maxSrcLen + 1).fill(5);
      await assert.rejects(gpu.start(long, 1, long.length), RangeError);
      const state = await gpu.start(src, 1, 3);
      await assert.rejects(state.step(Int32Array.of(SOS, SOS)), RangeError);
      await assert.rejects(state.step(Int32Array.of(TINY.tgtVocab.length)), RangeError);
      await assert.rejects(state.select(Int32Array.of(1)), RangeError);
      await assert.rejects(state.select(new Int32Array(0)), RangeError);
      await assert.rejects(state.stepTopK(Int32Array.of(SOS), 0), RangeError);
      for (let t = 0; t < TINY.maxTgtLen; t++) await state.step(Int32Array.of(SOS));
      await assert.rejects(state.step(Int32Array.of(SOS)), /maximum length/);
      state.dispose();
      await assert.rejects(state.step(Int32Array.of(SOS)), TypeError);
    } finally {
      gpu.dispose();
    }
  },
);

gpuTest(
  "when the WebGPU device is lost, pending and later work rejects with a WebGpuError instead of hanging",
  async () => {
    const { device } = await requestWebGpuDevice();
    const tensors = randomModel(TINY, 2);
    const gpu = await createWebGpuBackend(TINY, tensors, { device });
    const state = await gpu.start(Int32Array.of(5, 6, EOS), 1, 3);
    await state.step(Int32Array.of(SOS));
    const pending = state.step(Int32Array.of(5)).then(() => "resolved", (e) => e);
    device.destroy();
    const outcome = await within(pending, 10_000, "a step pending when the device was lost");
    assert.ok(
      outcome === "resolved" ||
        (outcome instanceof WebGpuError && outcome.reason === "device-lost"),
      `got ${outcome}`,
    );
    const later = await within(
      state.step(Int32Array.of(5)).then(() => null, (e) => e),
      10_000,
      "a step after the device was lost",
    );
    assert.ok(later instanceof WebGpuError, `got ${later}`);
    assert.equal(later.reason, "device-lost");
    assert.match(later.message, /lost/);
    await assert.rejects(within(gpu.start(Int32Array.of(EOS), 1, 1), 10_000, "start"), WebGpuError);
    state.dispose();
    gpu.dispose();
  },
);

Deno.test("createWebGpuBackend() says WebGPU is unavailable without navigator.gpu, and that no adapter was found without one", async () => {
  const tensors = randomModel(TINY, 1);
  const none = createWebGpuBackend(TINY, tensors, { gpu: null });
  await assert.rejects(
    none,
    (e: unknown) => e instanceof WebGpuError && e.reason === "unavailable",
  );
  const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
  const rejected = await createWebGpuBackend(TINY, tensors, { gpu: noAdapter }).catch((e) => e);
  assert.ok(rejected instanceof WebGpuError && rejected.reason === "no-adapter", `got ${rejected}`);
  assert.match(rejected.message, /No WebGPU adapter/);
  const failing = {
    requestAdapter: () => Promise.reject(new Error("driver crashed")),
  } as unknown as GPU;
  const failed = await createWebGpuBackend(TINY, tensors, { gpu: failing }).catch((e) => e);
  assert.ok(failed instanceof WebGpuError && failed.reason === "no-adapter", `got ${failed}`);
  assert.match(failed.message, /driver crashed/);
});

Deno.test("createWebGpuBackend() rejects widths that are not multiples of 4 and missing tensors with a RangeError", async () => {
  const odd = tinyConfig({ dModel: 18, heads: 2, dFF: 36 });
  await assert.rejects(
    createWebGpuBackend(odd, randomModel(odd, 1), { gpu: null }),
    /multiple of 4/,
  );
  const tensors = randomModel(TINY, 1);
  tensors.delete("dec.1.ff2.b");
  await assert.rejects(
    createWebGpuBackend(TINY, tensors, { gpu: null }),
    /"dec.1.ff2.b" is missing/,
  );
});

// The shipped model: 1,000 test words on a hardware adapter; on a software adapter (about
// 100 times slower than the CPU kernels) 100 of them unless E2K_SLOW_TESTS=1.
const shipped = (() => {
  try {
    return Deno.readFileSync(new URL("../models/c2k.safetensors", import.meta.url));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
})();
const allWords = !webgpu.software || Deno.env.get("E2K_SLOW_TESTS") === "1";
if (!shipped) {
  console.error("webgpu_test: shipped-model test ignored: models/c2k.safetensors not found");
}

Deno.test({
  name: `the shipped C2K model gives the same greedy outputs on WebGPU as on the CPU for ${
    allWords ? "1,000" : "100 (software adapter; E2K_SLOW_TESTS=1 for 1,000)"
  } test words`,
  ignore: !webgpu.available || !shipped,
  async fn() {
    const { config, tensors } = readModel(shipped!);
    const data = await loadDataset("c2k");
    const words = data
      .filter((e) => e.split === "test" && e.kind === "en" && !e.key.includes(" "))
      .filter((e) => [...e.key].length < config.maxSrcLen)
      .slice(0, allWords ? 1000 : 100)
      .map((e) => e.key);
    assert.ok(words.length >= (allWords ? 500 : 100), `only ${words.length} test words`);
    const index = indexOf(config.srcVocab);
    const sources = words.map((w) => encodeSource([...w], index, config.maxSrcLen, w));
    const maxLength = words.map((w) => defaultMaxLength(config.task, [...w].length, config));
    const [cpu, gpu] = await backends(config, tensors);
    try {
      const want: Hypothesis[] = [];
      const got: Hypothesis[] = [];
      for (let at = 0; at < words.length; at += 256) {
        const batch = sources.slice(at, at + 256);
        const limits = maxLength.slice(at, at + 256);
        want.push(...await greedy(cpu, batch, { maxLength: limits }));
        got.push(...await greedy(gpu, batch, { maxLength: limits }));
      }
      await checkSameOutputs(cpu, sources, want, got, (i) => `"${words[i]}"`);
    } finally {
      gpu.dispose();
    }
  },
});
