import { assert } from "../deps/assert.ts";
import { type AttentionShape, createTsKernels, type Kernels, MASKED } from "./kernels.ts";
import { quantizeRows } from "./quantize.ts";
import { seededRandom } from "./_test_model.ts";
import { createWasmKernels } from "./wasm/kernels.ts";

const wasm = await createWasmKernels({ relaxed: false });
const relaxed = await createWasmKernels();
const IMPLEMENTATIONS: Kernels[] = [
  createTsKernels(),
  ...[wasm, relaxed].filter((k) => k !== null),
];

Deno.test("createWasmKernels() is available in this runtime, with and without relaxed SIMD", () => {
  assert.ok(wasm, "WebAssembly SIMD should be available in Deno");
  assert.equal(wasm.name, "wasm");
  assert.equal(relaxed?.name, "wasm-relaxed");
});

const rand = seededRandom(42);

/** Allocates arrays in a kernel set's heap; views stay valid as long as nothing grows it. */
function arrays(k: Kernels, ...values: (number[] | Float32Array)[]): Float32Array[] {
  const offsets = values.map((v) => k.heap.alloc(v.length));
  const f32 = k.heap.f32();
  return values.map((v, i) => {
    const a = f32.subarray(offsets[i], offsets[i] + v.length);
    a.set(v);
    return a;
  });
}

const randoms = (n: number, scale = 1) => Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(
      err <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: got ${got[i]}, want ${want[i]}`,
    );
  }
}

// Naive references in float64, written independently of the kernels.
function naiveLinear(
  x: number[],
  w: number[],
  b: number[] | null,
  rows: number,
  n: number,
  d: number,
) {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) {
      let s = b ? b[j] : 0;
      for (let i = 0; i < n; i++) s += x[r * n + i] * w[i * d + j];
      out.push(s);
    }
  }
  return out;
}

function naiveSoftmax(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

for (const k of IMPLEMENTATIONS) {
  Deno.test(`${k.name} linear() and matmul() match a naive product for every tile shape`, () => {
    // Rows and columns around the 4x8 and 1x16 tiles, with tails of each size.
    for (
      const [rows, n, d] of [
        [1, 1, 1],
        [1, 7, 88],
        [3, 5, 17],
        [4, 8, 8],
        [5, 16, 36],
        [9, 33, 30],
        [8, 64, 64],
      ]
    ) {
      const x = randoms(rows * n), w = randoms(n * d), b = randoms(d);
      const [out, xa, wa, ba] = arrays(
        k,
        new Array(rows * d).fill(7),
        x,
        new Float32Array(k.packedSize(n, d)),
        [...b, ...randoms(k.biasSize(d) - d)],
      );
      k.pack(wa, new Float32Array(w), n, d);
      k.linear(out, xa, wa, ba, rows, n, d);
      close(out, naiveLinear(x, w, b, rows, n, d), 1e-5, `linear ${rows}x${n}x${d}`);
      k.matmul(out, xa, wa, rows, n, d);
      close(out, naiveLinear(x, w, null, rows, n, d), 1e-5, `matmul ${rows}x${n}x${d}`);
    }
  });

  Deno.test(`${k.name} linearI8() matches a naive product with the dequantised weights`, () => {
    for (
      const [rows, n, d] of [[1, 7, 88], [1, 16, 20], [2, 5, 17], [3, 33, 30], [34, 9, 40], [
        5,
        1,
        3,
      ]]
    ) {
      const x = randoms(rows * n), w = new Float32Array(randoms(n * d)), b = randoms(d);
      const q = new Int8Array(n * d), s = new Float32Array(n);
      quantizeRows(w, n, d, q, s);
      const dequant = Array.from(q, (v, i) => v * s[Math.floor(i / d)]);
      const [out, xa, qa, sa, ba, scratch] = arrays(
        k,
        new Array(rows * d).fill(7),
        x,
        new Float32Array(k.packedI8Size(n, d)),
        new Float32Array(n),
        [...b, ...randoms(k.biasSize(d) - d)],
        new Float32Array(k.scratchI8Size(n)),
      );
      k.packI8(qa, sa, w, n, d);
      assert.deepEqual([...sa], [...s]);
      k.linearI8(out, xa, qa, sa, ba, rows, n, d, scratch);
      close(out, naiveLinear(x, dequant, b, rows, n, d), 1e-5, `linearI8 ${rows}x${n}x${d}`);
    }
  });

  Deno.test(`${k.name} linear() leaves memory outside its output untouched`, () => {
    for (const rows of [1, 2, 3]) {
      const [guard, out, x, w, b] = arrays(
        k,
        [1, 2, 3, 4],
        new Array(rows * 5).fill(0),
        randoms(rows * 2),
        new Float32Array(k.packedSize(2, 5)),
        randoms(k.biasSize(5)),
      );
      k.pack(w, new Float32Array(randoms(10)), 2, 5);
      const after = arrays(k, [5, 6, 7, 8])[0];
      k.linear(out, x, w, b, rows, 2, 5);
      assert.deepEqual([...guard], [1, 2, 3, 4]);
      assert.deepEqual([...after], [5, 6, 7, 8]);
    }
  });

  Deno.test(`${k.name} layerNorm() uses the population variance and eps 1e-5`, () => {
    for (const d of [4, 16, 6]) {
      const rows = 3;
      const x = randoms(rows * d, 3), g = randoms(d), b = randoms(d);
      const [out, xa, ga, ba] = arrays(k, new Array(rows * d).fill(0), x, g, b);
      k.layerNorm(out, xa, ga, ba, rows, d);
      const want: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * d, r * d + d);
        const mean = row.reduce((a, v) => a + v, 0) / d;
        const v = row.reduce((a, t) => a + (t - mean) ** 2, 0) / d;
        row.forEach((t, j) => want.push(((t - mean) / Math.sqrt(v + 1e-5)) * g[j] + b[j]));
      }
      close(out, want, 1e-5, `layerNorm d=${d}`);
    }
    // A constant row: the variance is 0, so eps alone sets the scale.
    const [out, xa, ga, ba] = arrays(k, [0, 0, 0, 0], [2, 2, 2, 2], [1, 1, 1, 1], [
      0.5,
      0.5,
      0.5,
      0.5,
    ]);
    k.layerNorm(out, xa, ga, ba, 1, 4);
    close(out, [0.5, 0.5, 0.5, 0.5], 1e-6, "constant row");
  });

  Deno.test(`${k.name} add(), relu() and gelu() cover whole vectors and tails`, () => {
    for (const n of [1, 4, 7, 13]) {
      const x = randoms(n, 6), y = randoms(n);
      const [a, b] = arrays(k, x, y);
      k.add(a, b, n);
      close(a, x.map((v, i) => v + y[i]), 1e-6, `add ${n}`);
      const [r] = arrays(k, x);
      k.relu(r, n);
      close(r, x.map((v) => Math.max(v, 0)), 1e-7, `relu ${n}`);
      const [g] = arrays(k, x);
      k.gelu(g, n);
      const c = Math.sqrt(2 / Math.PI);
      close(
        g,
        x.map((v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)))),
        2e-6,
        `gelu ${n}`,
      );
    }
    const extremes = [-1e9, -100, -10, -1e-8, 0, 1e-8, 10, 100, 1e9];
    const [g] = arrays(k, extremes);
    k.gelu(g, extremes.length);
    close(g, [0, 0, -7.7e-23, -5e-9, 0, 5e-9, 10, 100, 1e9], 1e-6, "gelu extremes");
  });

  Deno.test(`${k.name} softmax() subtracts the max and gives masked entries exactly 0`, () => {
    for (const n of [1, 3, 4, 9]) {
      const x = randoms(n, 20);
      const [a] = arrays(k, x);
      k.softmax(a, n);
      close(a, naiveSoftmax(x), 1e-6, `softmax ${n}`);
    }
    const big = [1000, 1001, 999, 1000.5, MASKED, 998];
    const [a] = arrays(k, big);
    k.softmax(a, big.length);
    close(a, naiveSoftmax(big), 1e-6, "large values");
    assert.equal(a[4], 0);
  });

  Deno.test(`${k.name} attention() matches naive attention over strided keys with a mask`, () => {
    for (const [heads, dh] of [[2, 4], [4, 8], [3, 5], [2, 16], [1, 36]]) {
      const d = heads * dh, batch = 2, rows = 3, keys = 5, kRowsAlloc = 6;
      // Keys laid out (kRowsAlloc, batch, d) like the decoder's self-attention cache.
      const s: AttentionShape = {
        batch,
        rows,
        keys,
        heads,
        dh,
        kBatch: d,
        kRow: batch * d,
        biasBatch: 7,
      };
      const q = randoms(batch * rows * d),
        kk = randoms(kRowsAlloc * batch * d),
        v = randoms(kRowsAlloc * batch * d);
      const bias = new Array(batch * 7).fill(0);
      bias[3] = MASKED; // sequence 0, key 3
      bias[7 + 0] = MASKED; // sequence 1, key 0
      const [out, probs, qa, ka, va, ba] = arrays(
        k,
        new Array(batch * rows * d).fill(0),
        new Array(batch * heads * rows * keys).fill(0),
        q,
        kk,
        v,
        bias,
      );
      k.attention(out, probs, qa, ka, va, ba, s);
      const wantOut: number[] = new Array(batch * rows * d).fill(0);
      const wantP: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < heads; h++) {
          for (let r = 0; r < rows; r++) {
            const scores = [];
            for (let j = 0; j < keys; j++) {
              let dot = 0;
              for (let c = 0; c < dh; c++) {
                dot += q[(b * rows + r) * d + h * dh + c] * kk[b * d + j * batch * d + h * dh + c];
              }
              scores.push(dot / Math.sqrt(dh) + bias[b * 7 + j]);
            }
            const p = naiveSoftmax(scores);
            wantP.push(...p);
            for (let j = 0; j < keys; j++) {
              for (let c = 0; c < dh; c++) {
                wantOut[(b * rows + r) * d + h * dh + c] += p[j] *
                  v[b * d + j * batch * d + h * dh + c];
              }
            }
          }
        }
      }
      close(probs, wantP, 1e-5, `probs heads=${heads} dh=${dh}`);
      close(out, wantOut, 1e-5, `out heads=${heads} dh=${dh}`);
      assert.equal(probs[3], 0, "a masked key gets weight 0");
    }
  });
}

if (wasm) {
  Deno.test("wasm kernels reject arrays outside their memory", () => {
    const a = new Float32Array(4);
    assert.throws(() => wasm.relu(a, 4), /outside its memory/);
  });
}
