/**
 * The WGSL compute shaders of the WebGPU backend, as strings. Each kernel is output-first
 * over flat f32 arrays the caller owns, like the CPU kernels, with its shape parameters in a
 * small uniform struct `P` at binding 0 (all `u32`, so the host writes one `Uint32Array`).
 *
 * Large 1-D launches are spread over x and y (at most 65,535 workgroups per dimension), and
 * each kernel rebuilds its flat index from `num_workgroups`.
 *
 * The network math is the one written in `infer/model_spec.ts`.
 *
 * @module
 */

/** Threads per workgroup of the element-wise and per-row kernels. */
export const WG = 64;

/** Output tile of the tiled matmul: rows × columns per workgroup, 16 × 16 threads of 4 × 4. */
export const TILE = 64;

/** Rows each thread of the skinny matmul computes (one column each, 64 columns a workgroup). */
export const SKINNY_ROWS = 4;

/** Activation codes of the matmul epilogue. */
export const ACT = { none: 0, relu: 1, gelu: 2 } as const;

// Shared WGSL: the flat index of a 1-D launch spread over (x, y).
const FLAT = `
fn flat(g: vec3u, n: vec3u) -> u32 { return g.x + g.y * n.x * ${WG}u; }`;

/**
 * Embedding plus position: `out[i] = table[ids[i]] + pos[i % len + posOffset]`, (n, d).
 * Used for the source (len = srcLen, posOffset 0) and for one decoder step (len 1,
 * posOffset = step).
 */
export const EMBED = `
struct P { n: u32, d: u32, len: u32, posOffset: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> ids: array<i32>;        // (n)
@group(0) @binding(2) var<storage, read> table: array<f32>;      // (V, d)
@group(0) @binding(3) var<storage, read> pos: array<f32>;        // (Lmax, d)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;  // (n, d)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.n * p.d) { return; }
  let r = i / p.d;
  let c = i % p.d;
  let position = r % p.len + p.posOffset;
  out[i] = table[u32(ids[r]) * p.d + c] + pos[position * p.d + c];
}
`;

/**
 * LayerNorm over the last axis, one workgroup per row: `(x - mean) / sqrt(var + 1e-5) * g + b`
 * with the population variance, computed in two passes as the CPU does.
 */
export const LAYER_NORM = `
struct P { rows: u32, d: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (rows, d)
@group(0) @binding(2) var<storage, read> gain: array<f32>;       // (d)
@group(0) @binding(3) var<storage, read> bias: array<f32>;       // (d)
@group(0) @binding(4) var<storage, read_write> out: array<f32>;  // (rows, d)
var<workgroup> red: array<f32, ${WG}>;

fn total(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (li < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let t = red[0];
  workgroupBarrier();
  return t;
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row = w.x + w.y * nw.x;
  if (row >= p.rows) { return; }
  let base = row * p.d;
  var s = 0.0;
  for (var c = li; c < p.d; c += ${WG}u) { s += x[base + c]; }
  let mean = total(li, s) / f32(p.d);
  var v = 0.0;
  for (var c = li; c < p.d; c += ${WG}u) { let e = x[base + c] - mean; v += e * e; }
  let rstd = inverseSqrt(total(li, v) / f32(p.d) + 1e-5);
  for (var c = li; c < p.d; c += ${WG}u) {
    out[base + c] = (x[base + c] - mean) * rstd * gain[c] + bias[c];
  }
}
`;

// The matmul epilogue: bias, activation, and an optional residual add into the output.
// tanh is written with exp so that large arguments saturate to ±1 instead of giving NaN
// (some drivers' tanh overflows above about 44).
const EPILOGUE = `
fn activate(v: f32) -> f32 {
  if (p.act == ${ACT.relu}u) { return max(v, 0.0); }
  if (p.act == ${ACT.gelu}u) {
    let u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (2.0 - 2.0 / (exp(2.0 * u) + 1.0));
  }
  return v;
}
fn store(m: u32, n: u32, acc: f32) {
  let i = p.cOffset + m * p.n + n;
  let v = activate(acc + bias[n]);
  if (p.accumulate == 1u) { c[i] = c[i] + v; } else { c[i] = v; }
}`;

const MATMUL_HEAD = `
struct P { m: u32, n: u32, k: u32, act: u32, accumulate: u32, cOffset: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;          // (m, k)
@group(0) @binding(2) var<storage, read> w: array<f32>;          // (k, n)
@group(0) @binding(3) var<storage, read> bias: array<f32>;       // (n)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;    // (m, n) from cOffset
${EPILOGUE}`;

/**
 * Tiled matmul with bias: `c = act(a @ w + bias)` or `c += act(a @ w + bias)`.
 * A workgroup of 16 × 16 threads computes a 64 × 64 tile, each thread a 4 × 4 block at
 * stride 16 (conflict-free shared-memory reads, coalesced stores), stepping k by 16.
 * Launch: (ceil(n / 64), ceil(m / 64)).
 */
export const MATMUL = `${MATMUL_HEAD}
const BK = 16u;
var<workgroup> aTile: array<f32, ${TILE * 16}>;  // (BK, 64): a tile, transposed
var<workgroup> wTile: array<f32, ${TILE * 16}>;  // (BK, 64): w tile

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let row0 = wg.y * ${TILE}u;
  let col0 = wg.x * ${TILE}u;
  let tid = l.y * 16u + l.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < p.k; k0 += BK) {
    for (var i = 0u; i < 4u; i++) {
      let e = tid + i * 256u;
      let ar = e / BK;
      let ac = e % BK;
      var av = 0.0;
      if (row0 + ar < p.m && k0 + ac < p.k) { av = a[(row0 + ar) * p.k + k0 + ac]; }
      aTile[ac * ${TILE}u + ar] = av;
      let wr = e / ${TILE}u;
      let wc = e % ${TILE}u;
      var wv = 0.0;
      if (k0 + wr < p.k && col0 + wc < p.n) { wv = w[(k0 + wr) * p.n + col0 + wc]; }
      wTile[wr * ${TILE}u + wc] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var av: array<f32, 4>;
      var wv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        av[i] = aTile[kk * ${TILE}u + l.y + i * 16u];
        wv[i] = wTile[kk * ${TILE}u + l.x + i * 16u];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += av[i] * wv[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + l.y + i * 16u;
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + l.x + j * 16u;
      if (m < p.m && n < p.n) { store(m, n, acc[i * 4u + j]); }
    }
  }
}
`;

/**
 * Matmul for few rows (one decoder step of a small batch): each thread computes one column
 * for ${SKINNY_ROWS} rows, so a weight is read once per ${SKINNY_ROWS} rows and a 64-row
 * tile is not wasted on a single row. Launch: (ceil(n / 64), ceil(m / ${SKINNY_ROWS})).
 */
export const MATMUL_SKINNY = `${MATMUL_HEAD}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let n = wg.x * ${WG}u + li;
  let m0 = wg.y * ${SKINNY_ROWS}u;
  if (n >= p.n) { return; }
  var acc: array<f32, ${SKINNY_ROWS}>;
  let rows = min(${SKINNY_ROWS}u, p.m - m0);
  for (var k = 0u; k < p.k; k++) {
    let wv = w[k * p.n + n];
    for (var i = 0u; i < rows; i++) { acc[i] += a[(m0 + i) * p.k + k] * wv; }
  }
  for (var i = 0u; i < rows; i++) { store(m0 + i, n, acc[i]); }
}
`;

/**
 * Multi-head attention, one thread per (row, query, head): scores `q·k / sqrt(dh)` over the
 * first `kLen` keys, masked to -1e9 where the source id is PAD (`useMask`) or the key lies
 * after the query (`causal`), a softmax that subtracts the max, then the weighted sum of the
 * values. `q`, `k` and `v` are column slices (`*Off`) of row-major buffers (`*Stride` floats
 * a row); key row `j` of batch row `r` is `src * kRows + j` with `src = rowSrc[r]` when
 * `indirect` (beam rows sharing one source) else `r`. With `writeProbs` the weights go to
 * `probs` (rows, heads, kRows) for cross-attention read-back.
 *
 * @param maxKeys The longest key sequence (sizes the private score array).
 * @returns WGSL source.
 */
export function attentionKernel(maxKeys: number): string {
  return `
struct P {
  rows: u32, qLen: u32, kLen: u32, kRows: u32, heads: u32, dh: u32,
  qStride: u32, qOff: u32, kStride: u32, kOff: u32, vStride: u32, vOff: u32,
  useMask: u32, causal: u32, indirect: u32, writeProbs: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> q: array<f32>;          // (rows * qLen, qStride)
@group(0) @binding(2) var<storage, read> k: array<f32>;          // (sources * kRows, kStride)
@group(0) @binding(3) var<storage, read> v: array<f32>;          // (sources * kRows, vStride)
@group(0) @binding(4) var<storage, read> ids: array<i32>;        // (sources, kRows) for masks
@group(0) @binding(5) var<storage, read> rowSrc: array<i32>;     // (rows)
@group(0) @binding(6) var<storage, read_write> out: array<f32>;  // (rows * qLen, heads * dh)
@group(0) @binding(7) var<storage, read_write> probs: array<f32>; // (rows, heads, kRows)
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
  let qBase = qi * p.qStride + p.qOff + h * p.dh;
  let scale = inverseSqrt(f32(p.dh));
  var scores: array<f32, ${maxKeys}>;
  var best = -3.0e38;
  for (var j = 0u; j < p.kLen; j++) {
    let kr = src * p.kRows + j;
    var s = 0.0;
    if ((p.useMask == 1u && ids[kr] == 0) || (p.causal == 1u && j > query)) {
      s = -1e9;
    } else {
      let kBase = kr * p.kStride + p.kOff + h * p.dh;
      for (var c = 0u; c < p.dh; c++) { s += q[qBase + c] * k[kBase + c]; }
      s *= scale;
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
  for (var j = 0u; j < p.kLen; j++) { scores[j] /= sum; }
  if (p.writeProbs == 1u) {
    for (var j = 0u; j < p.kLen; j++) { probs[(r * p.heads + h) * p.kRows + j] = scores[j]; }
  }
  let oBase = qi * p.heads * p.dh + h * p.dh;
  for (var c = 0u; c < p.dh; c++) {
    var o = 0.0;
    for (var j = 0u; j < p.kLen; j++) {
      o += scores[j] * v[(src * p.kRows + j) * p.vStride + p.vOff + h * p.dh + c];
    }
    out[oBase + c] = o;
  }
}
`;
}

/**
 * Appends one step's keys and values to the cache: `cache[r, t, :] = x[r, off : off + d]`
 * for both the key and value caches, (rows, maxTgtLen, d) each.
 */
export const KV_APPEND = `
struct P { rows: u32, d: u32, stride: u32, kOff: u32, vOff: u32, t: u32, cacheRows: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;              // (rows, stride)
@group(0) @binding(2) var<storage, read_write> kCache: array<f32>;   // (rows, cacheRows, d)
@group(0) @binding(3) var<storage, read_write> vCache: array<f32>;   // (rows, cacheRows, d)
${FLAT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat(g, nw);
  if (i >= p.rows * p.d) { return; }
  let r = i / p.d;
  let c = i % p.d;
  let dst = (r * p.cacheRows + p.t) * p.d + c;
  kCache[dst] = x[r * p.stride + p.kOff + c];
  vCache[dst] = x[r * p.stride + p.vOff + c];
}
`;

/**
 * Gathers whole rows for beam search: `out[i, 0:len] = x[source[i], 0:len]` where each row
 * holds `rowSize` floats of which the first `len` are copied (the cache up to the step).
 */
export const GATHER_ROWS = `
struct P { rows: u32, len: u32, rowSize: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> source: array<i32>;       // (rows)
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
 * Per-row top-k of the log-softmax, one workgroup per row: the row is copied to workgroup
 * memory, then k rounds each take the largest remaining logit (the lowest id on ties, as a
 * first-max argmax does) and blank it. Writes ids (rows, k) and log-probabilities
 * (rows, k) = `x - max - log(sum(exp(x - max)))`. With k = 1 this is greedy argmax.
 *
 * @param vocab Logits per row (sizes the workgroup copy).
 * @returns WGSL source.
 */
export function topKKernel(vocab: number): string {
  return `
struct P { rows: u32, n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;              // (rows, n)
@group(0) @binding(2) var<storage, read_write> ids: array<i32>;      // (rows, k)
@group(0) @binding(3) var<storage, read_write> logProbs: array<f32>; // (rows, k)
var<workgroup> row: array<f32, ${vocab}>;
var<workgroup> bestV: array<f32, ${WG}>;
var<workgroup> bestI: array<u32, ${WG}>;
var<workgroup> red: array<f32, ${WG}>;

fn better(av: f32, ai: u32, bv: f32, bi: u32) -> bool { return av > bv || (av == bv && ai < bi); }

// The largest remaining value and its id, in bestV[0] / bestI[0].
fn argmax(li: u32) {
  var v = -3.4e38;
  var id = 0xffffffffu;
  for (var c = li; c < p.n; c += ${WG}u) {
    if (better(row[c], c, v, id)) { v = row[c]; id = c; }
  }
  bestV[li] = v;
  bestI[li] = id;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (li < s && better(bestV[li + s], bestI[li + s], bestV[li], bestI[li])) {
      bestV[li] = bestV[li + s];
      bestI[li] = bestI[li + s];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let r = w.x + w.y * nw.x;
  if (r >= p.rows) { return; }
  for (var c = li; c < p.n; c += ${WG}u) { row[c] = x[r * p.n + c]; }
  workgroupBarrier();
  argmax(li);
  let top = bestV[0];
  var s = 0.0;
  for (var c = li; c < p.n; c += ${WG}u) { s += exp(row[c] - top); }
  red[li] = s;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) { red[li] = red[li] + red[li + h]; }
    workgroupBarrier();
  }
  let logZ = top + log(red[0]);
  for (var j = 0u; j < p.k; j++) {
    if (j > 0u) { argmax(li); }
    let id = bestI[0];
    let value = bestV[0];
    workgroupBarrier();
    if (li == 0u) {
      ids[r * p.k + j] = i32(id);
      logProbs[r * p.k + j] = value - logZ;
      row[id] = -3.4e38;
    }
    workgroupBarrier();
  }
}
`;
}
