/**
 * Element-wise operators with numpy broadcasting, each with its gradient rule beside it.
 *
 * @module
 */

import type { Graph, Tensor } from "../graph.ts";
import { broadcastShape, sumTo } from "./_broadcast.ts";

function binary(g: Graph, op: string, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  return g.node(op, [a, b], [{ dtype: a.dtype, shape }])[0];
}

function unary(g: Graph, op: string, x: Tensor): Tensor {
  return g.node(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** A scalar constant in the graph's float type, or the tensor itself. */
function lift(g: Graph, x: Tensor | number): Tensor {
  return typeof x === "number" ? g.constant(x) : x;
}

/** a + b (broadcasting). @returns the sum */
export function add(g: Graph, a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [lift(g, a), lift(g, b)];
  const out = binary(g, "Add", x, y);
  g.record([x, y], [out], ([gy], needs) => [
    needs[0] ? sumTo(g, gy!, x.shape) : null,
    needs[1] ? sumTo(g, gy!, y.shape) : null,
  ]);
  return out;
}

/** a - b (broadcasting). @returns the difference */
export function sub(g: Graph, a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [lift(g, a), lift(g, b)];
  const out = binary(g, "Sub", x, y);
  g.record([x, y], [out], ([gy], needs) => [
    needs[0] ? sumTo(g, gy!, x.shape) : null,
    needs[1] ? sumTo(g, neg(g, gy!), y.shape) : null,
  ]);
  return out;
}

/** a * b (broadcasting). @returns the product */
export function mul(g: Graph, a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [lift(g, a), lift(g, b)];
  const out = binary(g, "Mul", x, y);
  g.record([x, y], [out], ([gy], needs) => [
    needs[0] ? sumTo(g, mul(g, gy!, y), x.shape) : null,
    needs[1] ? sumTo(g, mul(g, gy!, x), y.shape) : null,
  ]);
  return out;
}

/** a / b (broadcasting). @returns the quotient */
export function div(g: Graph, a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [lift(g, a), lift(g, b)];
  const out = binary(g, "Div", x, y);
  g.record([x, y], [out], ([gy], needs) => {
    const gx = div(g, gy!, y); // d(a/b)/da = 1/b
    return [
      needs[0] ? sumTo(g, gx, x.shape) : null,
      needs[1] ? sumTo(g, neg(g, mul(g, gx, out)), y.shape) : null, // -a/b² = -(1/b)(a/b)
    ];
  });
  return out;
}

/** -x. @returns the negation */
export function neg(g: Graph, x: Tensor): Tensor {
  const out = unary(g, "Neg", x);
  g.record([x], [out], ([gy]) => [neg(g, gy!)]);
  return out;
}

/** e^x. @returns the exponential */
export function exp(g: Graph, x: Tensor): Tensor {
  const out = unary(g, "Exp", x);
  g.record([x], [out], ([gy]) => [mul(g, gy!, out)]);
  return out;
}

/** tanh(x). @returns the hyperbolic tangent */
export function tanh(g: Graph, x: Tensor): Tensor {
  const out = unary(g, "Tanh", x);
  g.record([x], [out], ([gy]) => [mul(g, gy!, sub(g, 1, mul(g, out, out)))]);
  return out;
}

/** √x. @returns the square root */
export function sqrt(g: Graph, x: Tensor): Tensor {
  const out = unary(g, "Sqrt", x);
  g.record([x], [out], ([gy]) => [div(g, gy!, mul(g, out, 2))]);
  return out;
}

/** max(x, 0). Gradient: passes where x > 0 (0 at x = 0, as PyTorch). @returns relu(x) */
export function relu(g: Graph, x: Tensor): Tensor {
  const out = unary(g, "Relu", x);
  g.record([x], [out], ([gy]) => {
    const [pos] = g.node("Greater", [x, g.constant(0)], [{ dtype: "bool", shape: x.shape }]);
    return [g.node("Where", [pos, gy!, g.constant(0)], [{ dtype: x.dtype, shape: x.shape }])[0]];
  });
  return out;
}

/** min(max(x, lo), hi). Gradient passes where lo < x < hi. @returns the clamped tensor */
export function clip(g: Graph, x: Tensor, lo: number, hi: number): Tensor {
  const out = g.node("Clip", [x, g.constant(lo), g.constant(hi)], [{
    dtype: x.dtype,
    shape: x.shape,
  }])[0];
  g.record([x], [out], ([gy]) => {
    const [inside] = g.node("Equal", [out, x], [{ dtype: "bool", shape: x.shape }]);
    return [g.node("Where", [inside, gy!, g.constant(0)], [{ dtype: x.dtype, shape: x.shape }])[0]];
  });
  return out;
}

/**
 * GELU in its tanh form, 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), composed of primitives
 * so that its gradient needs no rule of its own.
 *
 * @returns gelu(x)
 */
export function geluTanh(g: Graph, x: Tensor): Tensor {
  const x3 = mul(g, mul(g, x, x), x);
  const inner = mul(g, add(g, x, mul(g, x3, 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(g, mul(g, x, 0.5), add(g, tanh(g, inner), 1));
}
