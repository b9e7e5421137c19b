/**
 * The forward pass, llama2.c-shaped: the config ({@link ModelConfig}), the weights
 * ({@link Weights}) and the scratch buffers ({@link RunState}) are kept apart, scratch is laid
 * out once per batch, the encoder runs once, and the decoder runs one step at a time over a
 * key/value cache. All arrays are views into one {@link Heap}, so the same code drives the
 * plain TypeScript and the WASM SIMD kernels. The math is `model_spec.ts`'s.
 *
 * @module
 */

import type { Carver } from "./heap.ts";
import { type AttentionShape, type Kernels, MASKED } from "./kernels.ts";
import { type ModelConfig, tensorSpecs } from "./model_spec.ts";
import { PAD } from "./vocab.ts";

/** A linear layer: y = x @ w + b. */
export interface LinearWeights {
  /** (in, out) in the kernels' packed layout: f32, or int8 bytes when `s` is set. */
  w: Float32Array;
  /** (out) */
  b: Float32Array;
  /** (in) the rows' scales of int8 weights; absent for f32. */
  s?: Float32Array;
}

/** A LayerNorm's gain and bias, (d) each. */
export interface NormWeights {
  g: Float32Array;
  b: Float32Array;
}

/** The four projections of one multi-head attention, (d, d) each. */
export interface AttentionWeights {
  q: LinearWeights;
  k: LinearWeights;
  v: LinearWeights;
  o: LinearWeights;
}

/** One encoder layer. */
export interface EncoderLayer {
  ln1: NormWeights;
  attn: AttentionWeights;
  ln2: NormWeights;
  /** (d, f) */
  ff1: LinearWeights;
  /** (f, d) */
  ff2: LinearWeights;
}

/** One decoder layer. */
export interface DecoderLayer {
  ln1: NormWeights;
  self: AttentionWeights;
  ln2: NormWeights;
  cross: AttentionWeights;
  ln3: NormWeights;
  /** (d, f) */
  ff1: LinearWeights;
  /** (f, d) */
  ff2: LinearWeights;
}

/** Every parameter, by role. */
export interface Weights {
  /** (Vs, d) */
  srcEmbed: Float32Array;
  /** (Ls, d) */
  srcPos: Float32Array;
  /** (Vt, d) */
  tgtEmbed: Float32Array;
  /** (Lt, d) */
  tgtPos: Float32Array;
  enc: EncoderLayer[];
  encLn: NormWeights;
  dec: DecoderLayer[];
  decLn: NormWeights;
  /** (d, Vt) */
  out: LinearWeights;
  /** Scratch of the int8 kernels (one dequantised panel); empty for f32 weights. */
  scratch: Float32Array;
}

/**
 * Lays out every tensor of `config` in `tensorSpecs` order and names the views by role.
 *
 * @param c Hands out the views.
 * @param config The model's shape.
 * @param k The kernels, whose layout the matrices of linear layers take.
 * @param int8 Whether to lay the matrices out as int8 with per-row scales.
 * @returns The weights (views), the same views by tensor name, and the names of the matrices
 *   to fill with `k.pack()` (the rest are copied as they are).
 */
export function layoutWeights(
  c: Carver,
  config: ModelConfig,
  k: Pick<Kernels, "packedSize" | "biasSize" | "packedI8Size" | "scratchI8Size">,
  int8 = false,
): { weights: Weights; byName: Map<string, Float32Array>; packed: Set<string> } {
  const byName = new Map<string, Float32Array>();
  const packed = new Set<string>();
  for (const { name, shape } of tensorSpecs(config)) {
    // Matrices of linear layers ("….w") take the kernels' packed layout (int8 ones with their
    // rows' scales as "….w.scale"); their biases may be read past d; embeddings and LayerNorms
    // are read as stored.
    if (name.endsWith(".w")) {
      const [n, d] = shape;
      byName.set(name, c.take(int8 ? k.packedI8Size(n, d) : k.packedSize(n, d)));
      if (int8) byName.set(`${name}.scale`, c.take(n));
      packed.add(name);
    } else if (name.endsWith(".b") && byName.has(name.slice(0, -1) + "w")) {
      byName.set(name, c.take(k.biasSize(shape[0])).subarray(0, shape[0]));
    } else {
      byName.set(name, c.take(shape.reduce((a, b) => a * b)));
    }
  }
  const scratch = c.take(int8 ? k.scratchI8Size(Math.max(config.dModel, config.dFF)) : 0);
  const t = (name: string) => byName.get(name)!;
  const lin = (p: string): LinearWeights => ({
    w: t(`${p}.w`),
    b: t(`${p}.b`),
    ...(int8 ? { s: t(`${p}.w.scale`) } : {}),
  });
  const norm = (p: string): NormWeights => ({ g: t(`${p}.g`), b: t(`${p}.b`) });
  const attn = (p: string): AttentionWeights => ({
    q: lin(`${p}.q`),
    k: lin(`${p}.k`),
    v: lin(`${p}.v`),
    o: lin(`${p}.o`),
  });
  const weights: Weights = {
    srcEmbed: t("src_embed"),
    srcPos: t("src_pos"),
    tgtEmbed: t("tgt_embed"),
    tgtPos: t("tgt_pos"),
    enc: Array.from({ length: config.encLayers }, (_, i) => ({
      ln1: norm(`enc.${i}.ln1`),
      attn: attn(`enc.${i}.attn`),
      ln2: norm(`enc.${i}.ln2`),
      ff1: lin(`enc.${i}.ff1`),
      ff2: lin(`enc.${i}.ff2`),
    })),
    encLn: norm("enc.ln"),
    dec: Array.from({ length: config.decLayers }, (_, i) => ({
      ln1: norm(`dec.${i}.ln1`),
      self: attn(`dec.${i}.self`),
      ln2: norm(`dec.${i}.ln2`),
      cross: attn(`dec.${i}.cross`),
      ln3: norm(`dec.${i}.ln3`),
      ff1: lin(`dec.${i}.ff1`),
      ff2: lin(`dec.${i}.ff2`),
    })),
    decLn: norm("dec.ln"),
    out: lin("out"),
    scratch,
  };
  return { weights, byName, packed };
}

/** The decoder's buffers for up to `cap` rows: activations of one step and the caches. */
export interface RunState {
  /** Rows the buffers hold. */
  cap: number;
  /** Source positions per row. */
  srcLen: number;
  /** (cap, d) the residual stream. */
  y: Float32Array;
  /** (cap, d) a normalised copy of y. */
  yn: Float32Array;
  /** (cap, d) queries. */
  q: Float32Array;
  /** (cap, d) attention outputs, heads concatenated. */
  ctx: Float32Array;
  /** (cap, d) a sub-layer's output before the residual add. */
  proj: Float32Array;
  /** (cap, f) the feed-forward hidden layer. */
  h: Float32Array;
  /** (cap, Vt) */
  logits: Float32Array;
  /** (cap, heads, Lt) self-attention weights. */
  probs: Float32Array;
  /** (cap, heads, srcLen) cross-attention weights of the latest layer run. */
  crossProbs: Float32Array;
  /** (cap, srcLen) 0 for a source symbol, {@link MASKED} for PAD. */
  srcBias: Float32Array;
  /** Per decoder layer (Lt, cap, d): keys of the positions decoded so far. */
  selfK: Float32Array[];
  /** Per decoder layer (Lt, cap, d): values. */
  selfV: Float32Array[];
  /** Per decoder layer (cap, srcLen, d): the encoder memory projected to keys. */
  crossK: Float32Array[];
  /** Per decoder layer (cap, srcLen, d): values. */
  crossV: Float32Array[];
}

/**
 * Lays out a decoder run state.
 *
 * @param c Hands out the views.
 * @param config The model's shape.
 * @param cap Rows to hold.
 * @param srcLen Source positions per row.
 * @returns The views.
 */
export function layoutRunState(
  c: Carver,
  config: ModelConfig,
  cap: number,
  srcLen: number,
): RunState {
  const { dModel: d, dFF: f, heads, maxTgtLen: lt, decLayers } = config;
  const layers = (n: number) => Array.from({ length: decLayers }, () => c.take(n));
  return {
    cap,
    srcLen,
    y: c.take(cap * d),
    yn: c.take(cap * d),
    q: c.take(cap * d),
    ctx: c.take(cap * d),
    proj: c.take(cap * d),
    h: c.take(cap * f),
    logits: c.take(cap * config.tgtVocab.length),
    probs: c.take(cap * heads * lt),
    crossProbs: c.take(cap * heads * srcLen),
    srcBias: c.take(cap * srcLen),
    selfK: layers(lt * cap * d),
    selfV: layers(lt * cap * d),
    crossK: layers(cap * srcLen * d),
    crossV: layers(cap * srcLen * d),
  };
}

/** The encoder's buffers for `rows` sources of `srcLen` positions; needed only in start(). */
export interface EncoderState {
  /** (rows*srcLen, d) the residual stream. */
  x: Float32Array;
  /** (rows*srcLen, d) normalised x. */
  xn: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  ctx: Float32Array;
  proj: Float32Array;
  /** (rows*srcLen, f) */
  h: Float32Array;
  /** (rows, heads, srcLen, srcLen) */
  probs: Float32Array;
}

/**
 * Lays out the encoder's scratch buffers.
 *
 * @param c Hands out the views.
 * @param config The model's shape.
 * @param rows Sources.
 * @param srcLen Positions per source.
 * @returns The views.
 */
export function layoutEncoderState(
  c: Carver,
  config: ModelConfig,
  rows: number,
  srcLen: number,
): EncoderState {
  const n = rows * srcLen * config.dModel;
  return {
    x: c.take(n),
    xn: c.take(n),
    q: c.take(n),
    k: c.take(n),
    v: c.take(n),
    ctx: c.take(n),
    proj: c.take(n),
    h: c.take(rows * srcLen * config.dFF),
    probs: c.take(rows * config.heads * srcLen * srcLen),
  };
}

/** A linear layer on f32 or int8 weights. */
function project(
  k: Kernels,
  w: Weights,
  out: Float32Array,
  x: Float32Array,
  l: LinearWeights,
  rows: number,
  n: number,
  d: number,
): void {
  if (l.s) k.linearI8(out, x, l.w, l.s, l.b, rows, n, d, w.scratch);
  else k.linear(out, x, l.w, l.b, rows, n, d);
}

function activate(k: Kernels, config: ModelConfig, x: Float32Array, n: number): void {
  if (config.activation === "gelu") k.gelu(x, n);
  else k.relu(x, n);
}

/**
 * Runs the encoder on `rows` sources and fills the state's cross-attention keys and values and
 * its source mask; the decoder can then step from position 0.
 *
 * @param k The kernels.
 * @param config The model's shape.
 * @param w The weights.
 * @param e Encoder scratch for `rows` sources of `s.srcLen` positions.
 * @param s The decoder state to fill (rows ≤ s.cap).
 * @param src (rows, s.srcLen) source ids, already validated.
 * @param rows Sources.
 */
export function encode(
  k: Kernels,
  config: ModelConfig,
  w: Weights,
  e: EncoderState,
  s: RunState,
  src: Int32Array,
  rows: number,
): void {
  const { dModel: d, dFF: f, heads } = config;
  const ls = s.srcLen;
  const n = rows * ls;
  // x = src_embed[s] + src_pos, and the key mask.
  for (let r = 0; r < n; r++) {
    const id = src[r], p = r % ls;
    for (let j = 0; j < d; j++) e.x[r * d + j] = w.srcEmbed[id * d + j] + w.srcPos[p * d + j];
    s.srcBias[r] = id === PAD ? MASKED : 0;
  }
  const shape: AttentionShape = {
    batch: rows,
    rows: ls,
    keys: ls,
    heads,
    dh: d / heads,
    kBatch: ls * d,
    kRow: d,
    biasBatch: ls,
  };
  for (const l of w.enc) {
    k.layerNorm(e.xn, e.x, l.ln1.g, l.ln1.b, n, d);
    project(k, w, e.q, e.xn, l.attn.q, n, d, d);
    project(k, w, e.k, e.xn, l.attn.k, n, d, d);
    project(k, w, e.v, e.xn, l.attn.v, n, d, d);
    k.attention(e.ctx, e.probs, e.q, e.k, e.v, s.srcBias, shape);
    project(k, w, e.proj, e.ctx, l.attn.o, n, d, d);
    k.add(e.x, e.proj, n * d);
    k.layerNorm(e.xn, e.x, l.ln2.g, l.ln2.b, n, d);
    project(k, w, e.h, e.xn, l.ff1, n, d, f);
    activate(k, config, e.h, n * f);
    project(k, w, e.proj, e.h, l.ff2, n, f, d);
    k.add(e.x, e.proj, n * d);
  }
  // mem = enc.ln(x); project it once for every decoder layer's cross-attention.
  k.layerNorm(e.xn, e.x, w.encLn.g, w.encLn.b, n, d);
  w.dec.forEach((l, i) => {
    project(k, w, s.crossK[i], e.xn, l.cross.k, n, d, d);
    project(k, w, s.crossV[i], e.xn, l.cross.v, n, d, d);
  });
}

/**
 * Feeds one token per row at position `pos` and writes the logits (rows, Vt) into `s.logits`.
 *
 * @param k The kernels.
 * @param config The model's shape.
 * @param w The weights.
 * @param s The state after {@link encode} and `pos` earlier steps.
 * @param tokens (rows) target ids, already validated.
 * @param rows Rows to run (≤ s.cap).
 * @param pos The position of these tokens (0 for SOS), < maxTgtLen.
 */
export function decodeStep(
  k: Kernels,
  config: ModelConfig,
  w: Weights,
  s: RunState,
  tokens: Int32Array,
  rows: number,
  pos: number,
): void {
  const { dModel: d, dFF: f, heads } = config;
  const vt = config.tgtVocab.length;
  const n = rows * d;
  for (let r = 0; r < rows; r++) {
    const t = tokens[r] * d, p = pos * d;
    for (let j = 0; j < d; j++) s.y[r * d + j] = w.tgtEmbed[t + j] + w.tgtPos[p + j];
  }
  const selfShape: AttentionShape = {
    batch: rows,
    rows: 1,
    keys: pos + 1,
    heads,
    dh: d / heads,
    kBatch: d,
    kRow: s.cap * d,
    biasBatch: 0,
  };
  const crossShape: AttentionShape = {
    batch: rows,
    rows: 1,
    keys: s.srcLen,
    heads,
    dh: d / heads,
    kBatch: s.srcLen * d,
    kRow: d,
    biasBatch: s.srcLen,
  };
  const at = pos * s.cap * d;
  w.dec.forEach((l, i) => {
    // Causal self-attention: the cache holds positions 0..pos, so nothing later is visible.
    k.layerNorm(s.yn, s.y, l.ln1.g, l.ln1.b, rows, d);
    project(k, w, s.q, s.yn, l.self.q, rows, d, d);
    project(k, w, s.selfK[i].subarray(at, at + n), s.yn, l.self.k, rows, d, d);
    project(k, w, s.selfV[i].subarray(at, at + n), s.yn, l.self.v, rows, d, d);
    k.attention(s.ctx, s.probs, s.q, s.selfK[i], s.selfV[i], null, selfShape);
    project(k, w, s.proj, s.ctx, l.self.o, rows, d, d);
    k.add(s.y, s.proj, n);
    k.layerNorm(s.yn, s.y, l.ln2.g, l.ln2.b, rows, d);
    project(k, w, s.q, s.yn, l.cross.q, rows, d, d);
    k.attention(s.ctx, s.crossProbs, s.q, s.crossK[i], s.crossV[i], s.srcBias, crossShape);
    project(k, w, s.proj, s.ctx, l.cross.o, rows, d, d);
    k.add(s.y, s.proj, n);
    k.layerNorm(s.yn, s.y, l.ln3.g, l.ln3.b, rows, d);
    project(k, w, s.h, s.yn, l.ff1, rows, d, f);
    activate(k, config, s.h, rows * f);
    project(k, w, s.proj, s.h, l.ff2, rows, f, d);
    k.add(s.y, s.proj, n);
  });
  k.layerNorm(s.yn, s.y, w.decLn.g, w.decLn.b, rows, d);
  project(k, w, s.logits, s.yn, w.out, rows, d, vt);
}

/**
 * Copies rows of one state into another: new row i gets old row `from[i]`'s caches for the
 * `pos` positions decoded so far, its source and its latest cross-attention weights.
 *
 * @param config The model's shape.
 * @param dst The state to fill (cap ≥ from.length, same srcLen).
 * @param src The state to read.
 * @param from Old row of each new row.
 * @param pos Positions decoded so far.
 */
export function gatherRows(
  config: ModelConfig,
  dst: RunState,
  src: RunState,
  from: Int32Array,
  pos: number,
): void {
  const { dModel: d, heads } = config;
  const ls = src.srcLen;
  const copy = (to: Float32Array, ti: number, of: Float32Array, fi: number, n: number) =>
    to.set(of.subarray(fi * n, fi * n + n), ti * n);
  for (let i = 0; i < from.length; i++) {
    const o = from[i];
    copy(dst.srcBias, i, src.srcBias, o, ls);
    copy(dst.crossProbs, i, src.crossProbs, o, heads * ls);
    for (let l = 0; l < config.decLayers; l++) {
      copy(dst.crossK[l], i, src.crossK[l], o, ls * d);
      copy(dst.crossV[l], i, src.crossV[l], o, ls * d);
      for (let p = 0; p < pos; p++) {
        copy(dst.selfK[l], p * dst.cap + i, src.selfK[l], p * src.cap + o, d);
        copy(dst.selfV[l], p * dst.cap + i, src.selfV[l], p * src.cap + o, d);
      }
    }
  }
}
