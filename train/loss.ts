/**
 * Masked token cross-entropy with optional label smoothing, summed per row, and the
 * teacher-forced accuracy counts of the eval graph.
 *
 * Label smoothing follows PyTorch's `CrossEntropyLoss(label_smoothing=ε)`: the target
 * distribution is (1 − ε)·onehot + ε/V over all V classes, so a token's loss is
 * −Σ_v q_v log p_v = (1 − ε)·CE + ε·mean_v(−log p_v). PAD targets (id 0) count nothing.
 *
 * @module
 */

import { PAD } from "../infer/vocab.ts";
import { type Graph, int, type Tensor } from "./onnx/graph.ts";
import { mul, neg } from "./onnx/ops/elementwise.ts";
import { reduceSum } from "./onnx/ops/reduce.ts";
import { reshape } from "./onnx/ops/shape.ts";
import { logSoftmax } from "./onnx/ops/softmax.ts";

/** Per-row sums of a batch's token losses. */
export interface RowLosses {
  /** Σ over a row's non-PAD targets of the token loss, (B). */
  rowLoss: Tensor;
  /** Non-PAD targets per row, (B), in the float type. */
  rowTokens: Tensor;
  /** 1 where the target is not PAD, (B·T) float. */
  mask: Tensor;
  /** Targets flattened, int64 (B·T). */
  flat: Tensor;
}

/**
 * Token losses of logits (B·T, V) against `tgtOut` (B, T), summed per row.
 *
 * @param smoothing label smoothing ε in [0, 1)
 * @returns per-row loss sums and token counts
 */
export function rowLosses(g: Graph, logits: Tensor, tgtOut: Tensor, smoothing: number): RowLosses {
  const [B, T] = tgtOut.shape;
  const V = Number(logits.shape[1]);
  const N = `${B}*${T}`;
  const f = g.float;
  const [flat] = g.node("Reshape", [tgtOut, g.constant([-1], "int64", [1])], [{
    dtype: "int64",
    shape: [N],
  }]);
  const [isPad] = g.node("Equal", [flat, g.constant(PAD, "int64")], [{
    dtype: "bool",
    shape: [N],
  }]);
  const [keep] = g.node("Not", [isPad], [{ dtype: "bool", shape: [N] }]);
  const [mask] = g.node("Cast", [keep], [{ dtype: f, shape: [N] }], {
    to: int(f === "float64" ? 11 : 1),
  });
  const [col] = g.node("Unsqueeze", [flat, g.constant([1], "int64", [1])], [{
    dtype: "int64",
    shape: [N, 1],
  }]);
  const classes = g.constant([...Array(V).keys()], "int64", [1, V]);
  const [hit] = g.node("Equal", [col, classes], [{ dtype: "bool", shape: [N, V] }]);
  const [onehot] = g.node("Cast", [hit], [{ dtype: f, shape: [N, V] }], {
    to: int(f === "float64" ? 11 : 1),
  });
  // q = ((1 − ε)·onehot + ε/V)·mask: a constant of the batch, so built from raw nodes.
  let q = onehot;
  if (smoothing > 0) {
    [q] = g.node("Mul", [onehot, g.constant(1 - smoothing)], [{ dtype: f, shape: [N, V] }]);
    [q] = g.node("Add", [q, g.constant(smoothing / V)], [{ dtype: f, shape: [N, V] }]);
  }
  const [maskCol] = g.node("Unsqueeze", [mask, g.constant([1], "int64", [1])], [{
    dtype: f,
    shape: [N, 1],
  }]);
  [q] = g.node("Mul", [q, maskCol], [{ dtype: f, shape: [N, V] }]);
  const tok = neg(g, reduceSum(g, mul(g, logSoftmax(g, logits), q), [-1])); // (N)
  const rowLoss = reduceSum(g, reshape(g, tok, [B, T]), [1]); // (B)
  const [mask2] = g.node("Reshape", [mask, g.shapeTensor([B, T])], [{ dtype: f, shape: [B, T] }]);
  const rowTokens = reduceSum(g, mask2, [1]);
  return { rowLoss, rowTokens, mask, flat };
}

/**
 * Teacher-forced argmax matches per row: Σ_t [argmax logits = target and target ≠ PAD].
 *
 * @returns (B) in the float type
 */
export function rowCorrect(g: Graph, logits: Tensor, r: RowLosses, B: string, T: string): Tensor {
  const f = g.float;
  const N = `${B}*${T}`;
  const [best] = g.node("ArgMax", [logits], [{ dtype: "int64", shape: [N] }], {
    axis: int(-1),
    keepdims: int(0),
  });
  const [same] = g.node("Equal", [best, r.flat], [{ dtype: "bool", shape: [N] }]);
  const [hit] = g.node("Cast", [same], [{ dtype: f, shape: [N] }], {
    to: int(f === "float64" ? 11 : 1),
  });
  const [ok] = g.node("Mul", [hit, r.mask], [{ dtype: f, shape: [N] }]);
  const [rows] = g.node("Reshape", [ok, g.shapeTensor([B, T])], [{ dtype: f, shape: [B, T] }]);
  return g.node("ReduceSum", [rows, g.constant([1], "int64", [1])], [{ dtype: f, shape: [B] }], {
    keepdims: int(0),
  })[0];
}
