/**
 * Softmax and log-softmax over the last axis, with their gradients:
 * softmax: dx = y ⊙ (G − Σ G ⊙ y); log-softmax: dx = G − e^y · Σ G.
 *
 * @module
 */

import { type Graph, int, type Tensor } from "../graph.ts";
import { reduceSumRaw } from "./_broadcast.ts";

function raw(g: Graph, op: string, x: Tensor): Tensor {
  return g.node(op, [x], [{ dtype: x.dtype, shape: x.shape }], { axis: int(-1) })[0];
}

function binary(g: Graph, op: string, a: Tensor, b: Tensor, like: Tensor): Tensor {
  return g.node(op, [a, b], [{ dtype: like.dtype, shape: like.shape }])[0];
}

/** Softmax over the last axis. @returns the probabilities */
export function softmax(g: Graph, x: Tensor): Tensor {
  const y = raw(g, "Softmax", x);
  g.record([x], [y], ([gy]) => {
    const dot = reduceSumRaw(g, binary(g, "Mul", gy!, y, y), [-1], true);
    return [binary(g, "Mul", y, binary(g, "Sub", gy!, dot, y), y)];
  });
  return y;
}

/** Log-softmax over the last axis. @returns the log-probabilities */
export function logSoftmax(g: Graph, x: Tensor): Tensor {
  const y = raw(g, "LogSoftmax", x);
  g.record([x], [y], ([gy]) => {
    const sum = reduceSumRaw(g, gy!, [-1], true);
    const p = g.node("Exp", [y], [{ dtype: y.dtype, shape: y.shape }])[0];
    return [binary(g, "Sub", gy!, binary(g, "Mul", p, sum, y), y)];
  });
  return y;
}
