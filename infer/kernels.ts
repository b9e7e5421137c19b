/**
 * The reference kernels in plain TypeScript: output-first functions over flat arrays the caller
 * owns, in the style of llama2.c. The WASM SIMD kernels (`wasm/kernels.ts`) have the same
 * signatures, so one parity loop covers both, and this file is the fallback where WebAssembly
 * SIMD is unavailable. The math follows `model_spec.ts` exactly.
 *
 * @module
 */

import { arrayStorage, createHeap, type Heap } from "./heap.ts";
import { quantizeRows } from "./quantize.ts";

/** The LayerNorm epsilon of the model spec. */
export const LN_EPS = 1e-5;
/** The additive score of a masked key, as in the model spec. */
export const MASKED = -1e9;

/** How {@link Kernels.attention} reads its arrays (all counts and strides in floats). */
export interface AttentionShape {
  /** Independent sequences. */
  batch: number;
  /** Queries per sequence: q and out are (batch, rows, heads * dh). */
  rows: number;
  /** Keys per sequence to attend over (the first `keys` of k and v). */
  keys: number;
  /** Attention heads; head i is columns i*dh … (i+1)*dh-1. */
  heads: number;
  /** Columns per head. */
  dh: number;
  /** Distance between sequences in k and v. */
  kBatch: number;
  /** Distance between consecutive keys of one sequence in k and v. */
  kRow: number;
  /** Distance between sequences in the key bias. */
  biasBatch: number;
}

/** The operations the forward pass needs; every implementation has these signatures. */
export interface Kernels {
  /** "ts" or "wasm". */
  readonly name: string;
  /** The memory every array passed to these kernels must live in (for "wasm"). */
  readonly heap: Heap;
  /**
   * Floats a weight matrix (n, d) takes in this kernel set's layout (see {@link Kernels.pack}).
   */
  packedSize(n: number, d: number): number;
  /**
   * Copies a weight matrix w (n, d), row-major as stored in model files, into `dst` in the
   * layout that {@link Kernels.matmul} and {@link Kernels.linear} read. The TypeScript kernels
   * read it as it is; the WASM kernels read panels of 16 columns.
   */
  pack(dst: Float32Array, w: Float32Array, n: number, d: number): void;
  /** Floats a bias of d values takes: {@link Kernels.linear} may read up to this many. */
  biasSize(d: number): number;
  /** Floats to allocate for an int8 matrix (n, d) in this kernel set's layout. */
  packedI8Size(n: number, d: number): number;
  /**
   * Quantises w (n, d) per input row (`quantizeRows` in quantize.ts) into `dst`'s bytes, in the
   * layout {@link Kernels.linearI8} reads, and the rows' scales into `scales` (n).
   */
  packI8(dst: Float32Array, scales: Float32Array, w: Float32Array, n: number, d: number): void;
  /** Floats of scratch {@link Kernels.linearI8} needs for n inputs. */
  scratchI8Size(n: number): number;
  /**
   * out (rows, d) = x (rows, n) @ (q * s) + b: {@link Kernels.linear} on int8 weights from
   * {@link Kernels.packI8}, a quarter of the memory traffic.
   */
  linearI8(
    out: Float32Array,
    x: Float32Array,
    q: Float32Array,
    scales: Float32Array,
    b: Float32Array,
    rows: number,
    n: number,
    d: number,
    scratch: Float32Array,
  ): void;
  /** out (rows, d) = x (rows, n) @ w (n, d), w in the layout of {@link Kernels.pack}. */
  matmul(
    out: Float32Array,
    x: Float32Array,
    w: Float32Array,
    rows: number,
    n: number,
    d: number,
  ): void;
  /** out (rows, d) = x (rows, n) @ w (n, d) + b (d), w in the layout of {@link Kernels.pack}. */
  linear(
    out: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    rows: number,
    n: number,
    d: number,
  ): void;
  /** out (rows, d) = LN(x) * g + b over each row, population variance, eps {@link LN_EPS}. */
  layerNorm(
    out: Float32Array,
    x: Float32Array,
    g: Float32Array,
    b: Float32Array,
    rows: number,
    d: number,
  ): void;
  /** out[i] += x[i] for i < n (the residual connection). */
  add(out: Float32Array, x: Float32Array, n: number): void;
  /** x[i] = max(x[i], 0) for i < n. */
  relu(x: Float32Array, n: number): void;
  /** x[i] = gelu(x[i]) in its tanh form, for i < n. */
  gelu(x: Float32Array, n: number): void;
  /** x[0..n) = softmax(x[0..n)), subtracting the max first. */
  softmax(x: Float32Array, n: number): void;
  /**
   * Multi-head scaled dot-product attention: for each sequence, head and query row,
   * p = softmax(q k^T / sqrt(dh) + bias) over the first `keys` keys, and out = p v.
   *
   * @param out (batch, rows, heads*dh) the heads' outputs, concatenated.
   * @param probs (batch, heads, rows, keys) the attention weights.
   * @param q (batch, rows, heads*dh) queries.
   * @param k Keys at `b*kBatch + j*kRow`, each heads*dh wide.
   * @param v Values laid out as k.
   * @param bias (batch, biasBatch) added to the scores ({@link MASKED} or 0), or null for none.
   * @param s The counts and strides.
   */
  attention(
    out: Float32Array,
    probs: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    bias: Float32Array | null,
    s: AttentionShape,
  ): void;
}

/**
 * out (rows, d) = x (rows, n) @ w (n, d), with w stored (in, out) as in the model spec.
 *
 * @param out Receives the product; must not overlap x.
 * @param x The inputs, one row each.
 * @param w The weights, one row per input feature.
 * @param rows Rows of x.
 * @param n Columns of x (rows of w).
 * @param d Columns of w.
 * @example
 * ```ts
 * import { matmul } from "./kernels.ts";
 * const out = new Float32Array(2);
 * matmul(out, new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), 1, 2, 2);
 * // out is [1, 2]
 * ```
 */
export function matmul(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rows: number,
  n: number,
  d: number,
): void {
  out.fill(0, 0, rows * d);
  accumulate(out, x, w, rows, n, d);
}

/**
 * out (rows, d) = x (rows, n) @ w (n, d) + b.
 *
 * @param out Receives the result; must not overlap x.
 * @param x The inputs, one row each.
 * @param w The weights (n, d).
 * @param b The bias (d).
 * @param rows Rows of x.
 * @param n Columns of x.
 * @param d Columns of w.
 */
export function linear(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  rows: number,
  n: number,
  d: number,
): void {
  for (let r = 0; r < rows; r++) out.set(b.subarray(0, d), r * d);
  accumulate(out, x, w, rows, n, d);
}

// out += x @ w. Two rows share each load of w, which is what limits plain loops.
function accumulate(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rows: number,
  n: number,
  d: number,
): void {
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const o0 = r * d, o1 = o0 + d, x0 = r * n, x1 = x0 + n;
    for (let i = 0; i < n; i++) {
      const a = x[x0 + i], c = x[x1 + i], wi = i * d;
      for (let j = 0; j < d; j++) {
        const wv = w[wi + j];
        out[o0 + j] += a * wv;
        out[o1 + j] += c * wv;
      }
    }
  }
  for (; r < rows; r++) {
    const o = r * d, xr = r * n;
    for (let i = 0; i < n; i++) {
      const a = x[xr + i], wi = i * d;
      for (let j = 0; j < d; j++) out[o + j] += a * w[wi + j];
    }
  }
}

/**
 * Views a float array's bytes as int8 (the int8 kernels keep their weights in float heaps).
 *
 * @param a The float array.
 * @param n Bytes to view.
 * @returns The view.
 */
export function int8View(a: Float32Array, n: number): Int8Array {
  return new Int8Array(a.buffer, a.byteOffset, n);
}

/**
 * out (rows, d) = x (rows, n) @ (q * s) (n, d) + b, q row-major int8 in the bytes of `q`.
 *
 * @param out Receives the result; must not overlap x.
 * @param x The inputs, one row each.
 * @param q (n, d) int8 weights, in the bytes of a float array.
 * @param scales (n) one scale per input row.
 * @param b The bias (d).
 * @param rows Rows of x.
 * @param n Columns of x.
 * @param d Columns of the weights.
 */
export function linearI8(
  out: Float32Array,
  x: Float32Array,
  q: Float32Array,
  scales: Float32Array,
  b: Float32Array,
  rows: number,
  n: number,
  d: number,
): void {
  const w = int8View(q, n * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) out[o + j] = b[j];
    for (let i = 0; i < n; i++) {
      const a = x[r * n + i] * scales[i], wi = i * d;
      for (let j = 0; j < d; j++) out[o + j] += a * w[wi + j];
    }
  }
}

/**
 * out (rows, d) = (x - mean) / sqrt(var + 1e-5) * g + b over each row of x (rows, d).
 *
 * @param out Receives the result; may be x itself.
 * @param x The rows to normalise.
 * @param g The gain (d).
 * @param b The bias (d).
 * @param rows Rows of x.
 * @param d Columns of x.
 */
export function layerNorm(
  out: Float32Array,
  x: Float32Array,
  g: Float32Array,
  b: Float32Array,
  rows: number,
  d: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const t = x[o + j] - mean;
      v += t * t;
    }
    const inv = 1 / Math.sqrt(v / d + LN_EPS);
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - mean) * inv * g[j] + b[j];
  }
}

/**
 * out[i] += x[i] for i < n.
 *
 * @param out The accumulator.
 * @param x What to add.
 * @param n How many elements.
 */
export function add(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] += x[i];
}

/**
 * x[i] = max(x[i], 0) for i < n.
 *
 * @param x Updated in place.
 * @param n How many elements.
 */
export function relu(x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) if (x[i] < 0) x[i] = 0;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * x[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) for i < n.
 *
 * @param x Updated in place.
 * @param n How many elements.
 */
export function gelu(x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const a = x[i];
    x[i] = 0.5 * a * (1 + Math.tanh(GELU_C * (a + 0.044715 * a * a * a)));
  }
}

/**
 * x[0..n) = exp(x - max) / sum, in place. Subtracting the max keeps exp from overflowing.
 *
 * @param x Updated in place.
 * @param n How many elements.
 */
export function softmax(x: Float32Array, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[i] - max);
    x[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) x[i] *= inv;
}

/**
 * Multi-head attention over strided keys; see {@link Kernels.attention}.
 *
 * @param out (batch, rows, heads*dh) the heads' outputs, concatenated.
 * @param probs (batch, heads, rows, keys) the attention weights.
 * @param q (batch, rows, heads*dh) queries.
 * @param k Keys at `b*kBatch + j*kRow`.
 * @param v Values laid out as k.
 * @param bias (batch, biasBatch) added to the scores, or null.
 * @param s The counts and strides.
 */
export function attention(
  out: Float32Array,
  probs: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  bias: Float32Array | null,
  s: AttentionShape,
): void {
  const { batch, rows, keys, heads, dh, kBatch, kRow, biasBatch } = s;
  const d = heads * dh;
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let r = 0; r < rows; r++) {
        const qo = (b * rows + r) * d + h * dh;
        const p = ((b * heads + h) * rows + r) * keys;
        for (let j = 0; j < keys; j++) {
          const ko = b * kBatch + j * kRow + h * dh;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += q[qo + c] * k[ko + c];
          probs[p + j] = Math.fround(dot) * scale + (bias ? bias[b * biasBatch + j] : 0);
        }
        softmax(probs.subarray(p, p + keys), keys);
        out.fill(0, qo, qo + dh);
        for (let j = 0; j < keys; j++) {
          const pj = probs[p + j], vo = b * kBatch + j * kRow + h * dh;
          for (let c = 0; c < dh; c++) out[qo + c] += pj * v[vo + c];
        }
      }
    }
  }
}

/**
 * The plain TypeScript kernels over a heap of their own.
 *
 * @returns Kernels named "ts".
 */
export function createTsKernels(): Kernels {
  return {
    name: "ts",
    heap: createHeap(arrayStorage()),
    packedSize: (n, d) => n * d,
    pack: (dst, w, n, d) => dst.set(w.subarray(0, n * d)),
    biasSize: (d) => d,
    packedI8Size: (n, d) => Math.ceil((n * d) / 4),
    packI8: (dst, scales, w, n, d) => quantizeRows(w, n, d, int8View(dst, n * d), scales),
    scratchI8Size: () => 0,
    linearI8: (out, x, q, scales, b, rows, n, d) => linearI8(out, x, q, scales, b, rows, n, d),
    matmul,
    linear,
    layerNorm,
    add,
    relu,
    gelu,
    softmax,
    attention,
  };
}
