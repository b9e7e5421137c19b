/**
 * Row lookup (embeddings). The gradient scatters rows back by a one-hot product,
 * dTable = onehot(ids)ᵀ · G, which is one MatMul: the vocabularies here are small (< 100 rows),
 * and a MatMul is faster than ScatterND with reduction and exists in float64.
 *
 * @module
 */

import { type Graph, int, type Tensor } from "../graph.ts";

/**
 * table[ids]: (V, d) rows picked by int64 ids of any shape → (...ids, d).
 *
 * @throws {RangeError} if the table is not 2-D with a fixed row count
 * @returns the gathered rows
 */
export function gatherRows(g: Graph, table: Tensor, ids: Tensor): Tensor {
  const [V, d] = table.shape;
  if (table.shape.length !== 2 || typeof V !== "number" || typeof d !== "number") {
    throw new RangeError(`gatherRows() needs a (V, d) table of fixed size, got [${table.shape}]`);
  }
  const [y] = g.node("Gather", [table, ids], [{ dtype: table.dtype, shape: [...ids.shape, d] }], {
    axis: int(0),
  });
  g.record([table, ids], [y], ([gy]) => {
    const rows = g.constant([...Array(V).keys()], "int64", [V, 1]);
    const [flat] = g.node("Reshape", [ids, g.constant([1, -1], "int64", [2])], [{
      dtype: "int64",
      shape: [1, "N"],
    }]);
    const [hit] = g.node("Equal", [rows, flat], [{ dtype: "bool", shape: [V, "N"] }]);
    const [oneHotT] = g.node("Cast", [hit], [{ dtype: table.dtype, shape: [V, "N"] }], {
      to: int(table.dtype === "float64" ? 11 : 1),
    });
    const [g2] = g.node("Reshape", [gy!, g.constant([-1, Number(d)], "int64", [2])], [{
      dtype: table.dtype,
      shape: ["N", d],
    }]);
    return [g.node("MatMul", [oneHotT, g2], [{ dtype: table.dtype, shape: table.shape }])[0], null];
  });
  return y;
}
