/**
 * Shape helpers for broadcasting operators: the output shape of two broadcast operands, and
 * the reduction that turns an output-shaped gradient back into an operand's shape.
 *
 * @module
 */

import { type Dim, type Graph, int, type Tensor } from "../graph.ts";

/**
 * The numpy-style broadcast of two static shapes (symbolic sizes must match by name).
 *
 * @throws {RangeError} if two fixed sizes differ and neither is 1
 */
export function broadcastShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else if (typeof x === "number" && typeof y === "number") {
      throw new RangeError(`Cannot broadcast shapes [${a}] and [${b}]`);
    } else out.push(typeof x === "number" ? x : y);
  }
  return out;
}

/** ReduceSum over `axes` (opset 18: axes are an input). */
export function reduceSumRaw(g: Graph, x: Tensor, axes: number[], keepdims: boolean): Tensor {
  const r = x.shape.length;
  const norm = axes.map((a) => (a + r) % r);
  const shape = keepdims
    ? x.shape.map((d, i) => norm.includes(i) ? 1 : d)
    : x.shape.filter((_, i) => !norm.includes(i));
  const axesT = g.constant(norm, "int64", [norm.length]);
  return g.node("ReduceSum", [x, axesT], [{ dtype: x.dtype, shape }], {
    keepdims: int(keepdims ? 1 : 0),
  })[0];
}

/**
 * Sums a gradient of the broadcast output shape down to an operand's shape: leading axes the
 * operand lacks are summed away, axes where the operand has size 1 are summed with keepdims.
 */
export function sumTo(g: Graph, t: Tensor, shape: readonly Dim[]): Tensor {
  const lead = t.shape.length - shape.length;
  const keep: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && t.shape[i + lead] !== 1) keep.push(i + lead);
  });
  let r = t;
  if (keep.length) r = reduceSumRaw(g, r, keep, true);
  if (lead > 0) r = reduceSumRaw(g, r, [...Array(lead).keys()], false);
  return r;
}
