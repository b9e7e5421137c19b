/**
 * The inference graphs, written by the same builder and model code as the training step:
 * the encoder (sources → cross-attention keys and values of every decoder layer) and one
 * decoder step with a key/value cache. Parameters are stored as float32 initializers. Only
 * standard ONNX operators are used (no com.microsoft contrib ops), so that onnxruntime-web
 * loads them as well as onnxruntime-node.
 *
 * @module
 */

import { type ModelConfig, tensorSpecs, validateConfig } from "../infer/model_spec.ts";
import {
  attend,
  dimOf,
  encode,
  feedForward,
  mergeHeads,
  norm,
  type Params,
  sourceKeep,
  splitHeads,
} from "./model.ts";
import { Graph, int, type Tensor } from "./onnx/graph.ts";
import { add } from "./onnx/ops/elementwise.ts";
import { gatherRows } from "./onnx/ops/gather.ts";
import { linear } from "./onnx/ops/matmul.ts";
import { reshape } from "./onnx/ops/shape.ts";

/** Parameters as initializers, each stored on first use (a graph holds only what it reads). */
function paramInitializers(g: Graph, c: ModelConfig, params: Map<string, Float32Array>): Params {
  const specs = tensorSpecs(c);
  for (const s of specs) {
    if (!params.has(s.name)) {
      throw new RangeError(`Cannot build inference graph: tensor "${s.name}" is missing`);
    }
  }
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  const stored = new Map<string, Tensor>();
  return (name) => {
    let t = stored.get(name);
    if (!t) {
      const shape = shapes.get(name);
      if (!shape) throw new RangeError(`Unknown parameter "${name}"`);
      t = g.initializer(name, "float32", shape, params.get(name)!);
      stored.set(name, t);
    }
    return t;
  };
}

function inferenceGraph(): Graph {
  const g = new Graph("float32");
  g.contribOps = false;
  g.recording = false;
  return g;
}

/**
 * The encoder graph: `src` int64 (B, S) → `cross_k.{i}`, `cross_v.{i}` (B, S, d) for every
 * decoder layer i, i.e. the cross-attention keys and values of the encoder memory.
 *
 * @param c the model config
 * @param params every tensor of `tensorSpecs(c)`, by name
 * @returns ModelProto bytes
 * @throws {RangeError} for a bad config or a missing tensor
 */
export function buildEncoderGraph(c: ModelConfig, params: Map<string, Float32Array>): Uint8Array {
  validateConfig(c);
  const g = inferenceGraph();
  const P = paramInitializers(g, c, params);
  const src = g.input("src", "int64", ["B", "S"]);
  g.defineDim("B", dimOf(g, src, 0));
  g.defineDim("S", dimOf(g, src, 1));
  const mem = encode(g, c, P, src, sourceKeep(g, src)); // (B·S, d)
  const d = c.dModel;
  for (let i = 0; i < c.decLayers; i++) {
    for (const which of ["k", "v"] as const) {
      const p = `dec.${i}.cross.${which}`;
      const t = reshape(g, linear(g, mem, P(`${p}.w`), P(`${p}.b`)), ["B", "S", d]);
      g.output(t, `cross_${which}.${i}`);
    }
  }
  return g.toModel();
}

/**
 * The decoder-step graph: `token` int64 (B), `pos` int64 scalar, `src` int64 (B, S) (for the
 * key mask), `cross_k.{i}`, `cross_v.{i}` (B, S, d), `self_k.{i}`, `self_v.{i}` (B, P, d) past
 * cache (P may be 0) → `logits` (B, Vt), `new_self_k.{i}`, `new_self_v.{i}` (B, P+1, d).
 *
 * @param c the model config
 * @param params every tensor of `tensorSpecs(c)`, by name
 * @returns ModelProto bytes
 * @throws {RangeError} for a bad config or a missing tensor
 */
export function buildDecoderStepGraph(
  c: ModelConfig,
  params: Map<string, Float32Array>,
): Uint8Array {
  validateConfig(c);
  const g = inferenceGraph();
  const P = paramInitializers(g, c, params);
  const d = c.dModel;
  const token = g.input("token", "int64", ["B"]);
  const pos = g.input("pos", "int64", []);
  const src = g.input("src", "int64", ["B", "S"]);
  const cache = [...Array(c.decLayers).keys()].map((i) => ({
    crossK: g.input(`cross_k.${i}`, "float32", ["B", "S", d]),
    crossV: g.input(`cross_v.${i}`, "float32", ["B", "S", d]),
    selfK: g.input(`self_k.${i}`, "float32", ["B", "P", d]),
    selfV: g.input(`self_v.${i}`, "float32", ["B", "P", d]),
  }));
  g.defineDim("B", dimOf(g, token, 0));
  g.defineDim("S", dimOf(g, src, 1));
  const keep = sourceKeep(g, src);
  let y = add(g, gatherRows(g, P("tgt_embed"), token), gatherRows(g, P("tgt_pos"), pos)); // (B, d)
  const axis1 = g.constant([1], "int64", [1]);
  for (let i = 0; i < c.decLayers; i++) {
    const p = `dec.${i}`;
    const a = norm(g, P, `${p}.ln1`, y);
    const proj = (name: string, x: Tensor) => linear(g, x, P(`${name}.w`), P(`${name}.b`));
    const grow = (past: Tensor, now: Tensor, name: string) => {
      const [row] = g.node("Unsqueeze", [now, axis1], [{ dtype: "float32", shape: ["B", 1, d] }]);
      return g.node("Concat", [past, row], [{ dtype: "float32", shape: ["B", "P+1", d], name }], {
        axis: int(1),
      })[0];
    };
    const k = grow(cache[i].selfK, proj(`${p}.self.k`, a), `new_self_k.${i}`);
    const v = grow(cache[i].selfV, proj(`${p}.self.v`, a), `new_self_v.${i}`);
    g.outputs.push({ name: k.name, dtype: "float32", shape: ["B", "P+1", d] });
    g.outputs.push({ name: v.name, dtype: "float32", shape: ["B", "P+1", d] });
    g.defineDim(`P1.${i}`, dimOf(g, k, 1));
    const heads = (x: Tensor, L: string) =>
      splitHeads(g, reshape(g, x, ["B*" + L, d]), "B", L, c.heads);
    const q = splitHeads(g, proj(`${p}.self.q`, a), "B", 1, c.heads); // (B, h, 1, dh)
    const self = mergeHeads(g, attend(g, q, heads(k, `P1.${i}`), heads(v, `P1.${i}`), null, id));
    y = add(g, y, proj(`${p}.self.o`, self));
    const b = norm(g, P, `${p}.ln2`, y);
    const qc = splitHeads(g, proj(`${p}.cross.q`, b), "B", 1, c.heads);
    const cross = attend(g, qc, heads(cache[i].crossK, "S"), heads(cache[i].crossV, "S"), keep, id);
    y = add(g, y, proj(`${p}.cross.o`, mergeHeads(g, cross)));
    y = add(g, y, feedForward(g, c, P, p, norm(g, P, `${p}.ln3`, y), id));
  }
  const logits = linear(g, norm(g, P, "dec.ln", y), P("out.w"), P("out.b"));
  g.output(logits, "logits");
  return g.toModel();
}

const id = (x: Tensor) => x;
