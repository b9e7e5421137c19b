/**
 * Reverse-mode differentiation over a graph's tape, micrograd-style: find the operations that
 * lie between the chosen inputs and the output, walk them in reverse order, let each
 * operation's rule turn output gradients into input gradients, and sum gradients that meet.
 * The gradient nodes are appended to the same graph.
 *
 * @module
 */

import type { Graph, Tensor } from "./graph.ts";

/**
 * Appends the nodes computing d(y)/d(wrt) and returns them.
 *
 * @param g the graph that recorded y's computation
 * @param y the tensor to differentiate (a scalar unless `seed` is given)
 * @param wrt tensors to differentiate with respect to
 * @param seed dy, y's shape; 1 by default
 * @returns one gradient per `wrt`, shaped like it (zeros where y does not depend on it)
 * @throws {RangeError} if y is not a scalar and no seed is given
 */
export function gradients(g: Graph, y: Tensor, wrt: Tensor[], seed?: Tensor): Tensor[] {
  if (!seed && y.shape.length !== 0) {
    throw new RangeError(`gradients() needs a seed for non-scalar "${y.name}" [${y.shape}]`);
  }
  // Which values depend on wrt (forward sweep over the tape).
  const live = new Set(wrt.map((t) => t.name));
  for (const e of g.tape) {
    if (e.inputs.some((t) => live.has(t.name))) e.outputs.forEach((t) => live.add(t.name));
  }
  const grads = new Map<string, Tensor>();
  grads.set(y.name, seed ?? g.constant(1, y.dtype));
  const wasRecording = g.recording;
  g.recording = false;
  try {
    for (let k = g.tape.length - 1; k >= 0; k--) {
      const e = g.tape[k];
      const gOut = e.outputs.map((t) => grads.get(t.name) ?? null);
      if (gOut.every((t) => t === null)) continue;
      const needs = e.inputs.map((t) => live.has(t.name));
      if (!needs.some(Boolean)) continue;
      const gIn = e.backward(gOut, needs);
      e.inputs.forEach((t, i) => {
        const d = gIn[i];
        if (!needs[i] || !d) return;
        const prev = grads.get(t.name);
        grads.set(
          t.name,
          prev ? g.node("Add", [prev, d], [{ dtype: t.dtype, shape: t.shape }])[0] : d,
        );
      });
    }
    return wrt.map((t) => grads.get(t.name) ?? zerosLike(g, t));
  } finally {
    g.recording = wasRecording;
  }
}

function zerosLike(g: Graph, t: Tensor): Tensor {
  const [s] = g.node("Shape", [t], [{ dtype: "int64", shape: [t.shape.length] }]);
  return g.node("Expand", [g.constant(0, t.dtype), s], [{ dtype: t.dtype, shape: t.shape }])[0];
}
