/**
 * Reductions with their gradient rules: the gradient is broadcast back over the reduced axes.
 *
 * @module
 */

import type { Graph, Tensor } from "../graph.ts";
import { reduceSumRaw } from "./_broadcast.ts";
import { mul } from "./elementwise.ts";

/** Broadcasts `gy` (the reduced shape) back to `x`'s shape. */
function expandBack(g: Graph, gy: Tensor, x: Tensor, axes: number[], keepdims: boolean): Tensor {
  let t = gy;
  if (!keepdims) {
    const r = x.shape.length;
    const norm = axes.map((a) => (a + r) % r);
    const shape = x.shape.map((d, i) => norm.includes(i) ? 1 : d);
    [t] = g.node("Unsqueeze", [gy, g.constant(norm, "int64", [norm.length])], [{
      dtype: gy.dtype,
      shape,
    }]);
  }
  const [shape] = g.node("Shape", [x], [{ dtype: "int64", shape: [x.shape.length] }]);
  return g.node("Expand", [t, shape], [{ dtype: gy.dtype, shape: x.shape }])[0];
}

/**
 * Sum over `axes`.
 *
 * @param axes axes to reduce (negative counts from the end)
 * @param keepdims keep reduced axes as size 1
 * @returns the sums
 */
export function reduceSum(g: Graph, x: Tensor, axes: number[], keepdims = false): Tensor {
  const out = reduceSumRaw(g, x, axes, keepdims);
  g.record([x], [out], ([gy]) => [expandBack(g, gy!, x, axes, keepdims)]);
  return out;
}

/**
 * Mean over `axes`, whose sizes must be fixed numbers.
 *
 * @throws {RangeError} if a reduced axis has a symbolic size
 * @returns the means
 */
export function reduceMean(g: Graph, x: Tensor, axes: number[], keepdims = false): Tensor {
  const r = x.shape.length;
  let n = 1;
  for (const a of axes) {
    const d = x.shape[(a + r) % r];
    if (typeof d !== "number") throw new RangeError(`reduceMean() needs a fixed size, got "${d}"`);
    n *= d;
  }
  return mul(g, reduceSum(g, x, axes, keepdims), 1 / n);
}
