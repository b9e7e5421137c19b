import { assert } from "../deps/assert.ts";
import { createCpuBackend } from "./cpu_backend.ts";
import { readModel, writeModel } from "./model_file.ts";
import { naiveForward } from "./_naive_forward.ts";
import { randomModel, tinyConfig } from "./_test_model.ts";
import type { ModelConfig } from "./model_spec.ts";
import { EOS, PAD, SOS } from "./vocab.ts";

const KERNELS = ["ts", "wasm"] as const;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Three sources of different lengths, PAD-padded to 7, and a target prefix per source.
const SOURCES = [
  [5, 6, 7, 8, 9, 10, EOS],
  [11, 12, EOS, PAD, PAD, PAD, PAD],
  [3, 4, 20, 28, EOS, PAD, PAD],
];
const TARGETS = [
  [SOS, 10, 11, 12, 13, 14],
  [SOS, 20, 21, 22, 23, 24],
  [SOS, 30, 31, 32, 33, 34],
];

async function decodeAll(config: ModelConfig, kernels: "ts" | "wasm") {
  const tensors = randomModel(config, 7);
  const backend = createCpuBackend(config, tensors, { kernels });
  assert.equal(backend.name, kernels === "wasm" ? "wasm" : "cpu");
  const srcLen = SOURCES[0].length;
  const state = await backend.start(new Int32Array(SOURCES.flat()), SOURCES.length, srcLen);
  const logits: Float32Array[] = [];
  const cross: Float32Array[] = [];
  for (let p = 0; p < TARGETS[0].length; p++) {
    logits.push((await state.step(new Int32Array(TARGETS.map((t) => t[p])))).slice());
    cross.push(await state.crossAttention());
  }
  state.dispose();
  return { tensors, logits, cross, srcLen };
}

for (const kernels of KERNELS) {
  for (const activation of ["gelu", "relu"] as const) {
    Deno.test(`createCpuBackend(${kernels}, ${activation}) matches a naive uncached forward pass`, async () => {
      const config = tinyConfig({ activation });
      const { tensors, logits, cross, srcLen } = await decodeAll(config, kernels);
      const vt = config.tgtVocab.length;
      for (let r = 0; r < SOURCES.length; r++) {
        const ref = naiveForward(config, tensors, SOURCES[r], TARGETS[r]);
        for (let p = 0; p < TARGETS[r].length; p++) {
          const got = logits[p].subarray(r * vt, (r + 1) * vt);
          assert.ok(maxDiff(got, ref.logits[p]) < 1e-4, `logits row ${r} pos ${p}`);
          const att = cross[p].subarray(r * srcLen, (r + 1) * srcLen);
          assert.ok(maxDiff(att, ref.cross[p]) < 1e-5, `cross-attention row ${r} pos ${p}`);
        }
      }
    });
  }

  Deno.test(`createCpuBackend(${kernels}) select() reorders, repeats and drops rows`, async () => {
    const config = tinyConfig();
    const tensors = randomModel(config, 3);
    const backend = createCpuBackend(config, tensors, { kernels });
    const state = await backend.start(new Int32Array(SOURCES.flat()), 3, SOURCES[0].length);
    await state.step(new Int32Array([SOS, SOS, SOS]));
    await state.step(new Int32Array([10, 20, 30]));
    // Rows become [2, 0, 0, 2, 1]: more rows than before, then fewer.
    await state.select(new Int32Array([2, 0, 0, 2, 1]));
    assert.equal(state.rows, 5);
    const wide = (await state.step(new Int32Array([31, 11, 15, 33, 21]))).slice();
    await state.select(new Int32Array([4]));
    const narrow = (await state.step(new Int32Array([22]))).slice();
    state.dispose();
    const vt = config.tgtVocab.length;
    const cases: [number, number[], number][] = [
      [2, [SOS, 30, 31], 0],
      [0, [SOS, 10, 11], 1],
      [0, [SOS, 10, 15], 2],
      [2, [SOS, 30, 33], 3],
      [1, [SOS, 20, 21], 4],
    ];
    for (const [src, tgt, row] of cases) {
      const ref = naiveForward(config, tensors, SOURCES[src], tgt).logits[2];
      assert.ok(maxDiff(wide.subarray(row * vt, (row + 1) * vt), ref) < 1e-4, `row ${row}`);
    }
    const ref = naiveForward(config, tensors, SOURCES[1], [SOS, 20, 21, 22]).logits[3];
    assert.ok(maxDiff(narrow, ref) < 1e-4);
  });

  Deno.test(`createCpuBackend(${kernels}) keeps states independent while the heap grows`, async () => {
    const config = tinyConfig();
    const tensors = randomModel(config, 5);
    const backend = createCpuBackend(config, tensors, { kernels });
    const a = await backend.start(new Int32Array(SOURCES[0]), 1, 7);
    const first = (await a.step(new Int32Array([SOS]))).slice();
    // A big batch forces the heap to grow, which replaces the WASM memory's buffer.
    const big = await backend.start(new Int32Array(300 * 7).fill(5), 300, 7);
    await big.step(new Int32Array(300).fill(SOS));
    big.dispose();
    const second = (await a.step(new Int32Array([12]))).slice();
    a.dispose();
    const ref = naiveForward(config, tensors, SOURCES[0], [SOS, 12]).logits;
    assert.ok(maxDiff(first, ref[0]) < 1e-4);
    assert.ok(maxDiff(second, ref[1]) < 1e-4);
  });
}

for (const kernels of KERNELS) {
  Deno.test(`createCpuBackend(${kernels}, weights i8) computes exactly with an I8 file's weights`, async () => {
    const config = tinyConfig();
    const tensors = randomModel(config, 9);
    // An I8 file read back: quantising its dequantised weights again must give the same
    // integers and scales, so the int8 backend computes with exactly the file's weights.
    const dequantised = readModel(writeModel(config, tensors, { dtype: "I8" })).tensors;
    const backend = createCpuBackend(config, dequantised, { kernels, weights: "i8" });
    await backend.ready();
    const state = await backend.start(new Int32Array(SOURCES.flat()), 3, SOURCES[0].length);
    const vt = config.tgtVocab.length;
    for (let p = 0; p < 4; p++) {
      const logits = await state.step(new Int32Array(TARGETS.map((t) => t[p])));
      for (let r = 0; r < 3; r++) {
        const ref = naiveForward(config, dequantised, SOURCES[r], TARGETS[r].slice(0, p + 1));
        assert.ok(maxDiff(logits.subarray(r * vt, (r + 1) * vt), ref.logits[p]) < 1e-4);
      }
    }
    state.dispose();
  });
}

Deno.test("createCpuBackend() with int8 weights holds about a quarter of the f32 memory", async () => {
  const config = tinyConfig({ dModel: 128, dFF: 512 });
  const tensors = randomModel(config, 1);
  const f32 = createCpuBackend(config, tensors);
  const i8 = createCpuBackend(config, tensors, { weights: "i8" });
  await f32.ready();
  await i8.ready();
  assert.ok(
    i8.memoryBytes() < f32.memoryBytes() * 0.35,
    `${i8.memoryBytes()} ${f32.memoryBytes()}`,
  );
});

Deno.test("createCpuBackend() rejects bad inputs with clear errors", async () => {
  const config = tinyConfig();
  const tensors = randomModel(config, 1);
  const missing = new Map(tensors);
  missing.delete("out.b");
  assert.throws(() => createCpuBackend(config, missing), /tensor "out.b" is missing/);
  assert.throws(
    () => createCpuBackend({ ...config, heads: 3 }, tensors),
    /not divisible by heads/,
  );
  assert.throws(
    () => createCpuBackend(config, tensors, { weights: "f16" as unknown as "f32" }),
    /unknown weights "f16"/,
  );
  assert.throws(
    () => createCpuBackend(config, tensors, { kernels: "gpu" as unknown as "ts" }),
    /unknown kernels "gpu"/,
  );
  const backend = createCpuBackend(config, tensors, { kernels: "ts" });
  assert.equal(backend.name, "cpu");
  await assert.rejects(backend.start(new Int32Array([5, EOS]), 1, 3), /2 source ids given/);
  await assert.rejects(backend.start(new Int32Array(13), 1, 13), /outside 1\.\.12/);
  await assert.rejects(backend.start(new Int32Array([5, 99]), 1, 2), /id 99 at index 1/);
  const state = await backend.start(new Int32Array([5, EOS]), 1, 2);
  await assert.rejects(state.step(new Int32Array([SOS, SOS])), /2 tokens given for 1 rows/);
  await assert.rejects(state.step(new Int32Array([-1])), /id -1/);
  await assert.rejects(state.select(new Int32Array([1])), /id 1 at index 0/);
  for (let p = 0; p < config.maxTgtLen; p++) await state.step(new Int32Array([SOS]));
  await assert.rejects(state.step(new Int32Array([SOS])), /all 10 target positions are used/);
  state.dispose();
  await assert.rejects(state.step(new Int32Array([SOS])), /after dispose/);
});
