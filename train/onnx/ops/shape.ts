/**
 * Shape operators: reshape and transpose, whose gradients undo them.
 *
 * @module
 */

import { type Dim, type Graph, ints, type Tensor } from "../graph.ts";

/**
 * Reshapes `x` to `shape`; symbolic sizes must be defined on the graph ({@link Graph.defineDim}).
 * Gradient: the incoming gradient reshaped to x's run-time shape.
 *
 * @returns the reshaped tensor
 */
export function reshape(g: Graph, x: Tensor, shape: Dim[]): Tensor {
  const [y] = g.node("Reshape", [x, g.shapeTensor(shape)], [{ dtype: x.dtype, shape }]);
  g.record([x], [y], ([gy]) => {
    const [s] = g.node("Shape", [x], [{ dtype: "int64", shape: [x.shape.length] }]);
    return [g.node("Reshape", [gy!, s], [{ dtype: x.dtype, shape: x.shape }])[0]];
  });
  return y;
}

/**
 * Permutes axes. Gradient: the inverse permutation.
 *
 * @returns the transposed tensor
 */
export function transpose(g: Graph, x: Tensor, perm: number[]): Tensor {
  const raw = (t: Tensor, p: number[]) =>
    g.node("Transpose", [t], [{ dtype: t.dtype, shape: p.map((i) => t.shape[i]) }], {
      perm: ints(p),
    })[0];
  const y = raw(x, perm);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  g.record([x], [y], ([gy]) => [raw(gy!, inverse)]);
  return y;
}
