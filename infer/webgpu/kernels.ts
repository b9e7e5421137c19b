/**
 * The WGSL compute shaders of the WebGPU backend, as strings. Each kernel is output-first
 * over flat arrays the caller owns, like the CPU kernels, with its shape parameters in a small
 * uniform struct `P` at binding 0 (all `u32`, so the host writes one `Uint32Array`).
 *
 * Rows of activations and weights are read as `vec4f`, so dModel, dFF, the target vocabulary
 * and the head width must be multiples of 4 ({@link checkShapes}). Each thread keeps a block
 * of outputs in registers and reads no workgroup memory: every value loaded from a buffer is
 * used many times, which is what both real GPUs and software adapters (llvmpipe runs each
 * buffer load as a bounds-checked gather) reward, and no kernel waits on a barrier.
 *
 * Large 1-D launches are spread over x and y (at most 65,535 workgroups per dimension), and
 * each kernel rebuilds its flat index from `num_workgroups`.
 *
 * The network math is the one written in `infer/model_spec.ts`.
 *
 * @module
 */

import type { ModelConfig } from "../model_spec.ts";

/** Threads per workgroup of every kernel. */
export const WG = 64;

/** Activation codes of the matmul epilogue. */
export const ACT = { none: 0, relu: 1, gelu: 2 } as const;

/** The shape of a matmul kernel: each thread computes `rows` rows × `cols` vec4 columns. */
export interface MatmulTile {
  rows: number;
  cols: number;
}

/**
 * Checks that a model's widths suit the vec4 kernels.
 *
 * @param config The model.
 * @throws {RangeError} Naming the width that is not a multiple of 4.
 */
export function checkShapes(config: ModelConfig): void {
  const widths: [string, number][] = [
    ["dModel", config.dModel],
    ["dFF", config.dFF],
    ["the target vocabulary size", config.tgtVocab.length],
    ["dModel / heads", config.dModel / config.heads],
  ];
  for (const [name, n] of widths) {
    if (n % 4 !== 0) {
      throw new RangeError(
        `Cannot run this model on WebGPU: ${name} is ${n}, not a multiple of 4; use the CPU backend`,
      );
    }
  }
}

// Shared WGSL: the flat index of a 1-D launch spread over (x, y).
const FLAT = `
fn flat(g: vec3u, n: vec3u) -> u32 { return g.x + g.y * n.x * ${WG}u; }`;

/**
 * Embedding plus position: `out[i] = table[ids[i]] + pos[i % len + posOffset]`, (n, d), one
 * vec4 a thread. Used for the source (len = srcLen, posOffset 0) and for one decoder step
 * (len 1, posOffset = step).
 */
export const EMBED = `
struct P { n: u32, d4: u32, len: u32, posOffset: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> ids: array<i32>;          // (n)
@group(0) @binding(2) var<storage, read> table: array<vec4f>;      // (V, d)
@group(0) @binding(3) var<storage, read> pos: array<vec4f>;        // (Lmax, d)
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;  // (n, d)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.n * p.d4) { return; }
  let r = i / p.d4;
  let c = i % p.d4;
  let position = r % p.len + p.posOffset;
  out[i] = table[u32(ids[r]) * p.d4 + c] + pos[position * p.d4 + c];
}
`;

/**
 * LayerNorm over the last axis, one thread a row: `(x - mean) / sqrt(var + 1e-5) * g + b`
 * with the population variance, in two passes as the CPU computes it.
 */
export const LAYER_NORM = `
struct P { rows: u32, d4: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;          // (rows, d)
@group(0) @binding(2) var<storage, read> gain: array<vec4f>;       // (d)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;       // (d)
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;  // (rows, d)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let row = flat(g, nw);
  if (row >= p.rows) { return; }
  let base = row * p.d4;
  let n = f32(p.d4 * 4u);
  var s = vec4f(0.0);
  for (var c = 0u; c < p.d4; c++) { s += x[base + c]; }
  let mean = (s.x + s.y + s.z + s.w) / n;
  var v = vec4f(0.0);
  for (var c = 0u; c < p.d4; c++) { let e = x[base + c] - mean; v += e * e; }
  let rstd = inverseSqrt((v.x + v.y + v.z + v.w) / n + 1e-5);
  for (var c = 0u; c < p.d4; c++) {
    out[base + c] = (x[base + c] - mean) * rstd * gain[c] + bias[c];
  }
}
`;

/**
 * Matmul with bias: `c = act(a @ w + bias)`, or `c += act(a @ w + bias)` (the residual add),
 * into `c` from `cOffset` floats on. Each thread computes `rows` rows × `cols` vec4 columns,
 * stepping k by 4: per step it loads `rows` vec4 of `a` and 4 × `cols` vec4 of `w` and does
 * 16 × rows × cols multiply-adds, unrolled into named registers (no private arrays).
 * Rows past `m` read the last row and are not stored. gelu's tanh is written with exp, so
 * that large arguments saturate to ±1 instead of giving NaN (some drivers' tanh overflows
 * above about 44).
 * Launch: (ceil(n / (4 cols) / 64), ceil(m / rows)).
 *
 * @param tile Rows and vec4 columns per thread.
 * @returns WGSL source.
 */
export function matmulKernel(tile: MatmulTile): string {
  const R = [...Array(tile.rows).keys()];
  const C = [...Array(tile.cols).keys()];
  const K = [0, 1, 2, 3];
  const lane = ["x", "y", "z", "w"];
  const lines = (xs: string[]) => xs.join("\n");
  return `
struct P { m: u32, n: u32, k: u32, act: u32, accumulate: u32, cOffset: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;          // (m, k)
@group(0) @binding(2) var<storage, read> w: array<vec4f>;          // (k, n)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;       // (n)
@group(0) @binding(4) var<storage, read_write> c: array<vec4f>;    // (m, n) from cOffset

fn activate(v: vec4f) -> vec4f {
  if (p.act == ${ACT.relu}u) { return max(v, vec4f(0.0)); }
  if (p.act == ${ACT.gelu}u) {
    let u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (2.0 - 2.0 / (exp(2.0 * u) + 1.0));
  }
  return v;
}

fn store(m: u32, n4: u32, acc: vec4f) {
  if (m >= p.m || n4 >= p.n / 4u) { return; }
  let i = p.cOffset / 4u + m * (p.n / 4u) + n4;
  let v = activate(acc + bias[n4]);
  if (p.accumulate == 1u) { c[i] = c[i] + v; } else { c[i] = v; }
}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let n4s = p.n / 4u;
  let k4s = p.k / 4u;
  let n4 = g.x * ${tile.cols}u;
  if (n4 >= n4s) { return; }
  let m0 = g.y * ${tile.rows}u;
  // Columns past n (when n / 4 is not a multiple of cols) read column n4 and are not stored.
${lines(C.map((j) => `  let col${j} = select(n4, n4 + ${j}u, n4 + ${j}u < n4s);`))}
${lines(R.map((i) => `  let ra${i} = min(m0 + ${i}u, p.m - 1u) * k4s;`))}
${lines(R.flatMap((i) => C.map((j) => `  var c${i}_${j} = vec4f(0.0);`)))}
  for (var k4 = 0u; k4 < k4s; k4++) {
    let wr = k4 * 4u * n4s;
${lines(K.flatMap((q) => C.map((j) => `    let w${q}_${j} = w[wr + ${q}u * n4s + col${j}];`)))}
${
    lines(R.flatMap((i) => [
      `    let a${i} = a[ra${i} + k4];`,
      ...C.map((j) =>
        `    c${i}_${j} += ${K.map((q) => `a${i}.${lane[q]} * w${q}_${j}`).join(" + ")};`
      ),
    ]))
  }
  }
${lines(R.flatMap((i) => C.map((j) => `  store(m0 + ${i}u, n4 + ${j}u, c${i}_${j});`)))}
}
`;
}

/**
 * Multi-head attention, one thread per (row, query, head): scores `q·k / sqrt(dh)` over the
 * first `kLen` keys, set to -1e9 where the source id is PAD (`useMask`) or the key lies after
 * the query (`causal`), a softmax that subtracts the max, then the weighted sum of the values.
 * The query and the output stay in registers (dh / 4 vec4 each, unrolled). `q`, `k` and `v`
 * are column slices (`*Off`) of row-major buffers (`*Stride` floats a row); key row `j` of
 * batch row `r` is `src * kRows + j` with `src = rowSrc[r]` when `indirect` (beam rows sharing
 * one source) else `r`. With `writeProbs` the weights go to `probs` (rows, heads, kRows).
 *
 * @param maxKeys The longest key sequence (sizes the private score array).
 * @param dh The width of a head (a multiple of 4).
 * @returns WGSL source.
 */
export function attentionKernel(maxKeys: number, dh: number): string {
  const D = [...Array(dh / 4).keys()];
  const lines = (xs: string[]) => xs.join("\n");
  return `
struct P {
  rows: u32, qLen: u32, kLen: u32, kRows: u32, heads: u32, unused: u32,
  qStride: u32, qOff: u32, kStride: u32, kOff: u32, vStride: u32, vOff: u32,
  useMask: u32, causal: u32, indirect: u32, writeProbs: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> q: array<vec4f>;          // (rows * qLen, qStride)
@group(0) @binding(2) var<storage, read> k: array<vec4f>;          // (sources * kRows, kStride)
@group(0) @binding(3) var<storage, read> v: array<vec4f>;          // (sources * kRows, vStride)
@group(0) @binding(4) var<storage, read> ids: array<i32>;          // (sources, kRows) for masks
@group(0) @binding(5) var<storage, read> rowSrc: array<i32>;       // (rows)
@group(0) @binding(6) var<storage, read_write> out: array<vec4f>;  // (rows * qLen, heads * dh)
@group(0) @binding(7) var<storage, read_write> probs: array<f32>;  // (rows, heads, kRows)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.rows * p.qLen * p.heads) { return; }
  let h = i % p.heads;
  let qi = i / p.heads;            // row * qLen + query
  let r = qi / p.qLen;
  let query = qi % p.qLen;
  var src = r;
  if (p.indirect == 1u) { src = u32(rowSrc[r]); }
  let qb = (qi * p.qStride + p.qOff) / 4u + h * ${dh / 4}u;
${lines(D.map((c) => `  let q${c} = q[qb + ${c}u];`))}
  var scores: array<f32, ${maxKeys}>;
  var best = -3.0e38;
  for (var j = 0u; j < p.kLen; j++) {
    let kr = src * p.kRows + j;
    var s = -1e9;
    if (!((p.useMask == 1u && ids[kr] == 0) || (p.causal == 1u && j > query))) {
      let kb = (kr * p.kStride + p.kOff) / 4u + h * ${dh / 4}u;
      s = (${D.map((c) => `dot(q${c}, k[kb + ${c}u])`).join(" + ")}) * ${1 / Math.sqrt(dh)};
    }
    scores[j] = s;
    best = max(best, s);
  }
  var sum = 0.0;
  for (var j = 0u; j < p.kLen; j++) {
    let e = exp(scores[j] - best);
    scores[j] = e;
    sum += e;
  }
${lines(D.map((c) => `  var o${c} = vec4f(0.0);`))}
  for (var j = 0u; j < p.kLen; j++) {
    let pj = scores[j] / sum;
    if (p.writeProbs == 1u) { probs[(r * p.heads + h) * p.kRows + j] = pj; }
    let vb = ((src * p.kRows + j) * p.vStride + p.vOff) / 4u + h * ${dh / 4}u;
${lines(D.map((c) => `    o${c} += pj * v[vb + ${c}u];`))}
  }
  let ob = qi * p.heads * ${dh / 4}u + h * ${dh / 4}u;
${lines(D.map((c) => `  out[ob + ${c}u] = o${c};`))}
}
`;
}

/**
 * Appends one step's keys and values to the cache, one vec4 a thread:
 * `kCache[r, t, :] = x[r, kOff : kOff + d]`, the same for values, (rows, cacheRows, d) each.
 */
export const KV_APPEND = `
struct P { rows: u32, d4: u32, stride4: u32, kOff4: u32, vOff4: u32, t: u32, cacheRows: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;              // (rows, stride)
@group(0) @binding(2) var<storage, read_write> kCache: array<vec4f>;   // (rows, cacheRows, d)
@group(0) @binding(3) var<storage, read_write> vCache: array<vec4f>;   // (rows, cacheRows, d)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.rows * p.d4) { return; }
  let r = i / p.d4;
  let c = i % p.d4;
  let dst = (r * p.cacheRows + p.t) * p.d4 + c;
  kCache[dst] = x[r * p.stride4 + p.kOff4 + c];
  vCache[dst] = x[r * p.stride4 + p.vOff4 + c];
}
`;

/**
 * Gathers whole rows for beam search: `out[i, 0:len] = x[source[i], 0:len]` where each row
 * holds `rowSize` floats of which the first `len` are copied (the cache up to the step).
 */
export const GATHER_ROWS = `
struct P { rows: u32, len: u32, rowSize: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> source: array<i32>;     // (rows)
@group(0) @binding(2) var<storage, read> x: array<f32>;          // (old rows, rowSize)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;  // (rows, rowSize)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.rows * p.len) { return; }
  let r = i / p.len;
  let c = i % p.len;
  out[r * p.rowSize + c] = x[u32(source[r]) * p.rowSize + c];
}
`;

/**
 * Per-row top-k of the log-softmax, one thread a row. Ids below `allowFrom` are banned
 * (taken out of the softmax, as PAD and SOS always are and EOS at the first step); the k
 * candidates come from ids at or above `topFrom` (≥ allowFrom; beam search takes EOS apart).
 * Round j takes the largest logit ranked after round j-1's pick in the order (value
 * descending, id ascending), so ties go to the lowest id as in a first-max argmax, and
 * nothing needs blanking. Writes one buffer, so that one copy reads it back: ids (rows, k),
 * then log-probabilities (rows, k) = `x - max - log(sum(exp(x - max)))` over the allowed ids,
 * then the log-probability of id `eos` (rows), the floats as their bits. With k = 1 this is
 * greedy argmax.
 */
export const TOP_K = `
struct P { rows: u32, n: u32, k: u32, allowFrom: u32, topFrom: u32, eos: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (rows, n)
@group(0) @binding(2) var<storage, read_write> out: array<u32>;  // (rows, k) ids, (rows, k), (rows)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let r = flat(g, nw);
  if (r >= p.rows) { return; }
  let base = r * p.n;
  let lp = p.rows * p.k; // where the log-probabilities start
  var top = -3.4e38;
  for (var c = p.allowFrom; c < p.n; c++) { top = max(top, x[base + c]); }
  var s = 0.0;
  for (var c = p.allowFrom; c < p.n; c++) { s += exp(x[base + c] - top); }
  let logZ = top + log(s);
  out[2u * lp + r] = bitcast<u32>(x[base + p.eos] - logZ);
  var lastV = 3.4e38;
  var lastI = -1;
  for (var j = 0u; j < p.k; j++) {
    var bestV = -3.4e38;
    var bestI = -1;
    for (var c = p.topFrom; c < p.n; c++) {
      let v = x[base + c];
      let after = v < lastV || (v == lastV && i32(c) > lastI);
      if (after && (bestI < 0 || v > bestV)) { bestV = v; bestI = i32(c); }
    }
    out[r * p.k + j] = bitcast<u32>(bestI);
    out[lp + r * p.k + j] = bitcast<u32>(bestV - logZ);
    lastV = bestV;
    lastI = bestI;
  }
}
`;
