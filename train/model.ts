/**
 * The Pre-LN Transformer encoder–decoder of `infer/model_spec.ts` in graph-builder terms,
 * following its math exactly: token embedding + position rows, Pre-LN residual blocks,
 * multi-head attention with scores set to -1e9 where masked, LayerNorm eps 1e-5, ReLU or
 * tanh-GELU feed-forward, weights stored (in, out), tensor names from `tensorSpecs()`.
 *
 * Activations stay 2-D (B·L, d) between blocks so that every projection is one large Gemm;
 * attention reshapes to (B, h, L, dh) and runs as two batched products.
 *
 * @module
 */

import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { PAD } from "../infer/vocab.ts";
import { type Dim, type Graph, int, type Tensor } from "./onnx/graph.ts";
import { add, geluTanh, relu } from "./onnx/ops/elementwise.ts";
import { gatherRows } from "./onnx/ops/gather.ts";
import { layerNorm } from "./onnx/ops/layer_norm.ts";
import { linear, matmul } from "./onnx/ops/matmul.ts";
import { reshape, transpose } from "./onnx/ops/shape.ts";
import { softmax } from "./onnx/ops/softmax.ts";
import { maskFill } from "./onnx/ops/where.ts";

/** LayerNorm epsilon of the model spec. */
export const LN_EPS = 1e-5;
/** The value masked attention scores are set to before the softmax. */
export const MASKED: number = -1e9;

/** Parameter lookup by `tensorSpecs()` name. */
export type Params = (name: string) => Tensor;

/** Applied to activations where dropout goes (identity when dropout is off). */
export type Dropout = (x: Tensor) => Tensor;

const noDropout: Dropout = (x) => x;

/**
 * Declares every parameter of `c` as a graph input (name and shape from `tensorSpecs()`).
 *
 * @returns the lookup, and the tensors in spec order
 */
export function paramInputs(g: Graph, c: ModelConfig, prefix = ""): {
  params: Params;
  list: Tensor[];
} {
  const list = tensorSpecs(c).map((s) => g.input(prefix + s.name, g.float, s.shape));
  return { params: lookup(list, prefix), list };
}

/**
 * Builds a lookup over tensors named `prefix + specName`.
 *
 * @throws {RangeError} when asked for a name that is not there
 */
export function lookup(list: Tensor[], prefix = ""): Params {
  const byName = new Map(list.map((t) => [t.name.slice(prefix.length), t]));
  return (name) => {
    const t = byName.get(name);
    if (!t) throw new RangeError(`Unknown parameter "${name}"`);
    return t;
  };
}

/** A (1)-shaped int64 tensor holding axis `axis` of x's run-time shape. */
export function dimOf(g: Graph, x: Tensor, axis: number): Tensor {
  return g.node("Shape", [x], [{ dtype: "int64", shape: [1] }], {
    start: int(axis),
    end: int(axis + 1),
  })[0];
}

/** 0, 1, …, n-1 as int64 (n), for a (1)-shaped int64 n. */
export function iota(g: Graph, n: Tensor, sym: Dim): Tensor {
  const [scalar] = g.node("Squeeze", [n], [{ dtype: "int64", shape: [] }]);
  return g.node("Range", [g.constant(0, "int64"), scalar, g.constant(1, "int64")], [{
    dtype: "int64",
    shape: [sym],
  }])[0];
}

/**
 * Token embedding plus position rows: table[ids] + pos[offset + 0..L-1], flattened.
 *
 * @param ids int64 (B, L)
 * @param positions int64 (L): the position of each column
 * @returns (B·L, d)
 */
export function embed(
  g: Graph,
  table: Tensor,
  posTable: Tensor,
  ids: Tensor,
  positions: Tensor,
  drop: Dropout,
): Tensor {
  const [B, L] = ids.shape;
  const d = table.shape[1];
  const x = add(g, gatherRows(g, table, ids), gatherRows(g, posTable, positions)); // (B, L, d)
  return drop(reshape(g, x, [`${B}*${L}`, d]));
}

/** (B·L, d) → (B, h, L, dh): the heads as a batch. */
export function splitHeads(g: Graph, x: Tensor, B: Dim, L: Dim, h: number): Tensor {
  const d = Number(x.shape[1]);
  return transpose(g, reshape(g, x, [B, L, h, d / h]), [0, 2, 1, 3]);
}

/** (B, h, L, dh) → (B·L, d): heads concatenated back. */
export function mergeHeads(g: Graph, x: Tensor): Tensor {
  const [B, h, L, dh] = x.shape;
  const t = transpose(g, x, [0, 2, 1, 3]); // (B, L, h, dh)
  return reshape(g, t, [`${B}*${L}`, Number(h) * Number(dh)]);
}

/**
 * softmax(q kᵀ / √dh, masked to -1e9 where `keep` is false) v, per head.
 *
 * @param q (B, h, Lq, dh)
 * @param k (B, h, Lk, dh)
 * @param v (B, h, Lk, dh)
 * @param keep bool, broadcastable to (B, h, Lq, Lk); null when every key is visible
 * @returns (B, h, Lq, dh)
 */
export function attend(
  g: Graph,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  keep: Tensor | null,
  drop: Dropout,
): Tensor {
  const dh = Number(q.shape[3]);
  const scores = matmul(g, q, k, { transB: true, alpha: 1 / Math.sqrt(dh) }); // (B, h, Lq, Lk)
  const p = drop(softmax(g, keep ? maskFill(g, scores, keep, MASKED) : scores));
  return matmul(g, p, v);
}

/** Names of one attention block's parameters under `prefix` ("enc.0.attn"). */
function proj(P: Params, prefix: string, which: "q" | "k" | "v" | "o") {
  return [P(`${prefix}.${which}.w`), P(`${prefix}.${which}.b`)] as const;
}

/**
 * Multi-head attention of `a` (B·Lq, d) over `ctx` (B·Lk, d), output projection included.
 *
 * @returns (B·Lq, d)
 */
export function multiHead(
  g: Graph,
  c: ModelConfig,
  P: Params,
  prefix: string,
  a: Tensor,
  ctx: Tensor,
  dims: { B: Dim; Lq: Dim; Lk: Dim },
  keep: Tensor,
  drop: Dropout,
): Tensor {
  const q = splitHeads(g, linear(g, a, ...proj(P, prefix, "q")), dims.B, dims.Lq, c.heads);
  const k = splitHeads(g, linear(g, ctx, ...proj(P, prefix, "k")), dims.B, dims.Lk, c.heads);
  const v = splitHeads(g, linear(g, ctx, ...proj(P, prefix, "v")), dims.B, dims.Lk, c.heads);
  const o = mergeHeads(g, attend(g, q, k, v, keep, drop));
  return linear(g, o, ...proj(P, prefix, "o"));
}

/** act(a @ w1 + b1) @ w2 + b2 under `prefix` ("enc.0"). @returns (N, d) */
export function feedForward(
  g: Graph,
  c: ModelConfig,
  P: Params,
  prefix: string,
  a: Tensor,
  drop: Dropout,
): Tensor {
  const hidden = linear(g, a, P(`${prefix}.ff1.w`), P(`${prefix}.ff1.b`));
  const act = c.activation === "gelu" ? geluTanh(g, hidden) : relu(g, hidden);
  return linear(g, drop(act), P(`${prefix}.ff2.w`), P(`${prefix}.ff2.b`));
}

/** LayerNorm with the spec's eps, parameters `${prefix}.g` and `${prefix}.b`. */
export function norm(g: Graph, P: Params, prefix: string, x: Tensor): Tensor {
  return layerNorm(g, x, P(`${prefix}.g`), P(`${prefix}.b`), { eps: LN_EPS });
}

/** src != PAD as (B, 1, 1, S) bool: the key mask of self- and cross-attention over sources. */
export function sourceKeep(g: Graph, src: Tensor): Tensor {
  const [B, S] = src.shape;
  const [pad] = g.node("Equal", [src, g.constant(PAD, "int64")], [{
    dtype: "bool",
    shape: [B, S],
  }]);
  const [keep] = g.node("Not", [pad], [{ dtype: "bool", shape: [B, S] }]);
  return g.node("Unsqueeze", [keep, g.constant([1, 2], "int64", [2])], [{
    dtype: "bool",
    shape: [B, 1, 1, S],
  }])[0];
}

/** Key j ≤ query i, as (T, T) bool over positions `pos` (T). */
export function causalKeep(g: Graph, pos: Tensor): Tensor {
  const T = pos.shape[0];
  const axes = (a: number[]) => g.constant(a, "int64", [a.length]);
  const [rows] = g.node("Unsqueeze", [pos, axes([1])], [{ dtype: "int64", shape: [T, 1] }]);
  const [cols] = g.node("Unsqueeze", [pos, axes([0])], [{ dtype: "int64", shape: [1, T] }]);
  return g.node("GreaterOrEqual", [rows, cols], [{ dtype: "bool", shape: [T, T] }])[0];
}

/**
 * The encoder: embeddings, `encLayers` Pre-LN blocks, final LayerNorm.
 *
 * @param src int64 (B, S) with dims named "B" and "S" defined on the graph
 * @returns memory (B·S, d)
 */
export function encode(
  g: Graph,
  c: ModelConfig,
  P: Params,
  src: Tensor,
  keep: Tensor,
  drop: Dropout = noDropout,
): Tensor {
  const [B, S] = src.shape;
  const pos = iota(g, dimOf(g, src, 1), S);
  let x = embed(g, P("src_embed"), P("src_pos"), src, pos, drop);
  for (let i = 0; i < c.encLayers; i++) {
    const p = `enc.${i}`;
    const a = norm(g, P, `${p}.ln1`, x);
    x = add(g, x, drop(multiHead(g, c, P, `${p}.attn`, a, a, { B, Lq: S, Lk: S }, keep, drop)));
    x = add(g, x, drop(feedForward(g, c, P, p, norm(g, P, `${p}.ln2`, x), drop)));
  }
  return norm(g, P, "enc.ln", x);
}

/**
 * The decoder under teacher forcing: all target positions at once with a causal mask.
 *
 * @param tgtIn int64 (B, T), SOS first
 * @param mem encoder memory (B·S, d)
 * @param srcKeep (B, 1, 1, S) key mask of the sources
 * @returns logits (B·T, Vt)
 */
export function decode(
  g: Graph,
  c: ModelConfig,
  P: Params,
  tgtIn: Tensor,
  mem: Tensor,
  S: Dim,
  srcKeep: Tensor,
  drop: Dropout = noDropout,
): Tensor {
  const [B, T] = tgtIn.shape;
  const pos = iota(g, dimOf(g, tgtIn, 1), T);
  const selfKeep = causalKeep(g, pos);
  let y = embed(g, P("tgt_embed"), P("tgt_pos"), tgtIn, pos, drop);
  for (let i = 0; i < c.decLayers; i++) {
    const p = `dec.${i}`;
    const a = norm(g, P, `${p}.ln1`, y);
    y = add(g, y, drop(multiHead(g, c, P, `${p}.self`, a, a, { B, Lq: T, Lk: T }, selfKeep, drop)));
    const b = norm(g, P, `${p}.ln2`, y);
    y = add(
      g,
      y,
      drop(multiHead(g, c, P, `${p}.cross`, b, mem, { B, Lq: T, Lk: S }, srcKeep, drop)),
    );
    y = add(g, y, drop(feedForward(g, c, P, p, norm(g, P, `${p}.ln3`, y), drop)));
  }
  return linear(g, norm(g, P, "dec.ln", y), P("out.w"), P("out.b"));
}

/**
 * Declares `src` (B, S) and `tgt_in` (B, T) int64 inputs with their symbolic sizes defined.
 *
 * @returns the two inputs
 */
export function batchInputs(g: Graph): { src: Tensor; tgtIn: Tensor } {
  const src = g.input("src", "int64", ["B", "S"]);
  const tgtIn = g.input("tgt_in", "int64", ["B", "T"]);
  g.defineDim("B", dimOf(g, src, 0));
  g.defineDim("S", dimOf(g, src, 1));
  g.defineDim("T", dimOf(g, tgtIn, 1));
  return { src, tgtIn };
}

/**
 * The whole network under teacher forcing.
 *
 * @returns logits (B·T, Vt)
 */
export function forward(
  g: Graph,
  c: ModelConfig,
  P: Params,
  src: Tensor,
  tgtIn: Tensor,
  drop: Dropout = noDropout,
): Tensor {
  const keep = sourceKeep(g, src);
  const mem = encode(g, c, P, src, keep, drop);
  return decode(g, c, P, tgtIn, mem, src.shape[1], keep, drop);
}
