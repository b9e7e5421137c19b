/**
 * Each WGSL kernel against a plain TypeScript reference, on shapes that hit the edges: rows
 * and columns that do not fill a tile, every matmul tile of both tables, masks, causal
 * attention with several queries, beam indirection, ties in top-k. Needs a WebGPU adapter (a
 * software one will do); see tests/_gpu.ts.
 */

import { assert } from "../../deps/assert.ts";
import { seededRandom, tinyConfig } from "../_test_model.ts";
import { webgpu } from "../../tests/_gpu.ts";
import {
  compileKernels,
  HARDWARE_TILES,
  type KernelName,
  type Kernels,
  makePlan,
  SOFTWARE_TILES,
  threads,
  type TileTable,
} from "./_plan.ts";
import { ACT } from "./kernels.ts";
import { requestWebGpuDevice } from "./device.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !webgpu.available, fn });

/** Runs one dispatch over buffers made from `inputs`, and reads back buffer `read`. */
async function run(
  kernels: Kernels,
  kernel: KernelName,
  inputs: (Float32Array | Int32Array | number)[],
  params: number[],
  groups: [number, number],
  read: number,
): Promise<Float32Array> {
  const device = kernels.device;
  const buffers = inputs.map((x) => {
    const data = typeof x === "number" ? new Float32Array(x) : x;
    const b = device.createBuffer({
      size: Math.max(16, data.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(b, 0, data as Float32Array<ArrayBuffer>);
    return b;
  });
  const plan = makePlan(kernels, [{
    kernel,
    buffers,
    params: () => params,
    groups: () => groups,
  }]);
  const size = buffers[read].size;
  const staging = device.createBuffer({
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  plan.encode(encoder);
  encoder.copyBufferToBuffer(buffers[read], 0, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange()).slice();
  staging.unmap();
  plan.destroy();
  for (const b of [...buffers, staging]) b.destroy();
  return out;
}

function random(n: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    assert.ok(d <= tol, `${what}: index ${i} is ${got[i]}, want ${want[i]}`);
  }
}

const gelu = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

async function withKernels(tiles: TileTable, fn: (k: Kernels) => Promise<void>) {
  const { device } = await requestWebGpuDevice();
  try {
    await fn(await compileKernels(device, tinyConfig(), tiles));
  } finally {
    device.destroy();
  }
}

for (
  const [label, table] of [["hardware", HARDWARE_TILES], ["software", SOFTWARE_TILES]] as const
) {
  gpuTest(
    `every ${label} matmul tile computes act(a @ w + b), plain and accumulated, on ragged shapes`,
    async () => {
      await withKernels(table, async (kernels) => {
        const rand = seededRandom(1);
        for (let t = 0; t < 4; t++) {
          const kernel = `matmul${t}` as KernelName;
          const { rows, cols } = table[t];
          for (const [m, n, k] of [[1, 88, 16], [3, 32, 36], [17, 88, 36], [70, 24, 8]]) {
            for (const act of [ACT.none, ACT.relu, ACT.gelu]) {
              const a = random(m * k, rand), w = random(k * n, rand), b = random(n, rand);
              const offset = 8; // floats of the output before the product
              const c0 = random(offset + m * n, rand);
              const want = c0.slice();
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let s = b[j];
                  for (let q = 0; q < k; q++) s += a[i * k + q] * w[q * n + j];
                  const v = act === ACT.relu ? Math.max(0, s) : act === ACT.gelu ? gelu(s) : s;
                  want[offset + i * n + j] += v;
                }
              }
              const groups: [number, number] = [Math.ceil(n / 4 / cols / 64), Math.ceil(m / rows)];
              const got = await run(
                kernels,
                kernel,
                [a, w, b, c0],
                [m, n, k, act, 1, offset],
                groups,
                3,
              );
              close(got, want, 1e-4, `${kernel} ${rows}x${cols} m ${m} n ${n} k ${k} act ${act}`);
              const plain = await run(
                kernels,
                kernel,
                [a, w, b, m * n],
                [m, n, k, act, 0, 0],
                groups,
                3,
              );
              close(plain, want.map((v, i) => v - c0[i]).subarray(offset), 1e-4, `${kernel} plain`);
            }
          }
        }
      });
    },
  );
}

/** Reference attention with every option of the kernel. */
function attention(
  q: Float32Array,
  kv: Float32Array,
  ids: Int32Array,
  rowSrc: Int32Array,
  o: { rows: number; qLen: number; kLen: number; kRows: number; heads: number; dh: number },
  causal: boolean,
) {
  const d = o.heads * o.dh;
  const out = new Float32Array(o.rows * o.qLen * d);
  const probs = new Float32Array(o.rows * o.heads * o.kRows);
  for (let r = 0; r < o.rows; r++) {
    const src = rowSrc[r];
    for (let qi = 0; qi < o.qLen; qi++) {
      for (let h = 0; h < o.heads; h++) {
        const s: number[] = [];
        for (let j = 0; j < o.kLen; j++) {
          const kr = src * o.kRows + j;
          if (ids[kr] === 0 || (causal && j > qi)) {
            s.push(-1e9);
            continue;
          }
          let dot = 0;
          for (let c = 0; c < o.dh; c++) {
            dot += q[(r * o.qLen + qi) * d + h * o.dh + c] * kv[kr * 2 * d + h * o.dh + c];
          }
          s.push(dot / Math.sqrt(o.dh));
        }
        const max = Math.max(...s);
        const e = s.map((x) => Math.exp(x - max));
        const z = e.reduce((x, y) => x + y, 0);
        for (let j = 0; j < o.kLen; j++) {
          const p = e[j] / z;
          probs[(r * o.heads + h) * o.kRows + j] = p;
          for (let c = 0; c < o.dh; c++) {
            out[(r * o.qLen + qi) * d + h * o.dh + c] += p *
              kv[(src * o.kRows + j) * 2 * d + d + h * o.dh + c];
          }
        }
      }
    }
  }
  return { out, probs };
}

gpuTest(
  "the attention kernel masks PAD keys and later keys, follows rowSrc, and writes its weights",
  async () => {
    await withKernels(HARDWARE_TILES, async (kernels) => {
      const rand = seededRandom(2);
      const cfg = tinyConfig(); // 2 heads of 8: the kernel is compiled for dh 8
      const heads = cfg.heads, dh = cfg.dModel / cfg.heads, d = cfg.dModel;
      const sources = 3, kRows = 6, rows = 4, qLen = 5;
      const q = random(rows * qLen * d, rand, 2);
      const kv = random(sources * kRows * 2 * d, rand, 2); // keys then values, a row each
      const ids = Int32Array.from(
        { length: sources * kRows },
        (_, i) => (i % kRows < 4 - (i / kRows | 0) ? 5 : 0),
      );
      const rowSrc = Int32Array.of(2, 0, 0, 1);
      const o = { rows, qLen, kLen: kRows, kRows, heads, dh };
      for (const causal of [false, true]) {
        const want = attention(q, kv, ids, rowSrc, o, causal);
        // deno-fmt-ignore
        const params = [rows, qLen, kRows, kRows, heads, 0, d, 0, 2 * d, 0, 2 * d, d,
        1, causal ? 1 : 0, 1, 1];
        const inputs = [q, kv, kv, ids, rowSrc, rows * qLen * d, rows * heads * kRows];
        const groups = threads(rows * qLen * heads);
        close(await run(kernels, "attention", inputs, params, groups, 5), want.out, 1e-5, "output");
      }
      // The weights are written for one query a row (a decoder step).
      const one = { ...o, qLen: 1 };
      const want = attention(q, kv, ids, rowSrc, one, false);
      // deno-fmt-ignore
      const params = [rows, 1, kRows, kRows, heads, 0, d, 0, 2 * d, 0, 2 * d, d, 1, 0, 1, 1];
      const inputs = [q, kv, kv, ids, rowSrc, rows * d, rows * heads * kRows];
      const got = await run(kernels, "attention", inputs, params, threads(rows * heads), 6);
      close(got, want.probs, 1e-5, "weights");
    });
  },
);

gpuTest("the LayerNorm kernel normalises each row with the population variance", async () => {
  await withKernels(HARDWARE_TILES, async (kernels) => {
    const rand = seededRandom(3);
    const rows = 5, d = 24;
    const x = random(rows * d, rand, 3), g = random(d, rand), b = random(d, rand);
    const want = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * d, (r + 1) * d);
      const mean = row.reduce((s, v) => s + v, 0) / d;
      const v = row.reduce((s, u) => s + (u - mean) ** 2, 0) / d;
      for (let c = 0; c < d; c++) {
        want[r * d + c] = (row[c] - mean) / Math.sqrt(v + 1e-5) * g[c] + b[c];
      }
    }
    const got = await run(
      kernels,
      "layerNorm",
      [x, g, b, rows * d],
      [rows, d / 4],
      threads(rows),
      3,
    );
    close(got, want, 1e-5, "layerNorm");
  });
});

gpuTest(
  "the top-k kernel ranks ties by id, leaves banned ids out, and gives EOS its log-probability",
  async () => {
    await withKernels(HARDWARE_TILES, async (kernels) => {
      const n = 10, k = 4, rows = 2;
      const x = Float32Array.of(
        ...[9, 9, 1, 5, 7, 5, 5, 0, 7, 2], // PAD and SOS are largest: banned
        ...[0, 0, 3, 1, 1, 1, 0, 0, 1, 2],
      );
      const out = await run(
        kernels,
        "topK",
        [x, rows * (2 * k + 1)],
        [rows, n, k, 2, 3, 2],
        threads(rows),
        1,
      );
      const ids = new Int32Array(out.buffer, 0, rows * k);
      assert.deepEqual([...ids], [4, 8, 3, 5, 9, 3, 4, 5]);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * n + 2, (r + 1) * n);
        const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
        const logProbs = [...ids.subarray(r * k, (r + 1) * k)].map((i) => x[r * n + i] - lse);
        close(out.subarray(rows * k + r * k, rows * k + (r + 1) * k), logProbs, 1e-5, `row ${r}`);
        close([out[2 * rows * k + r]], [x[r * n + 2] - lse], 1e-5, `row ${r} EOS`);
      }
    });
  },
);

gpuTest("the gather kernel copies the first len floats of the chosen rows", async () => {
  await withKernels(HARDWARE_TILES, async (kernels) => {
    const rowSize = 6, len = 4;
    const x = Float32Array.from({ length: 3 * rowSize }, (_, i) => i);
    const from = Int32Array.of(2, 2, 0, 1, 0);
    const got = await run(
      kernels,
      "gather",
      [from, x, 5 * rowSize],
      [5, len, rowSize],
      threads(5 * len),
      2,
    );
    const want = [...from].flatMap((r) => [...x.subarray(r * rowSize, r * rowSize + len), 0, 0]);
    close(got, want, 0, "gather");
  });
});
