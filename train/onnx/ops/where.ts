/**
 * Masking: keep x where a boolean mask holds, else a constant (the -1e9 attention mask).
 *
 * @module
 */

import type { Graph, Tensor } from "../graph.ts";
import { broadcastShape, sumTo } from "./_broadcast.ts";

/**
 * where(keep, x, value): x where `keep` is true, `value` elsewhere (broadcasting).
 * Gradient: G where kept, 0 elsewhere.
 *
 * @returns the masked tensor
 */
export function maskFill(g: Graph, x: Tensor, keep: Tensor, value: number): Tensor {
  const shape = broadcastShape(x.shape, keep.shape);
  const [y] = g.node("Where", [keep, x, g.constant(value)], [{ dtype: x.dtype, shape }]);
  g.record([x, keep], [y], ([gy]) => {
    const [d] = g.node("Where", [keep, gy!, g.constant(0)], [{ dtype: x.dtype, shape }]);
    return [sumTo(g, d, x.shape), null];
  });
  return y;
}
