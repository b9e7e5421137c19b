/**
 * Matrix products. `matmul` is the batched product with optional transposes and scale, which
 * becomes one com.microsoft FusedMatMul in float32 graphs (no Transpose copies) and
 * Transpose + MatMul in float64 graphs (FusedMatMul has no double kernel). `linear` is a Gemm
 * with bias over 2-D activations, y = x @ w + b, whose weight gradient is one Gemm too.
 *
 * @module
 */

import { float, type Graph, int, type Tensor } from "../graph.ts";
import { reduceSumRaw } from "./_broadcast.ts";

/** Options of {@link matmul}: C = alpha · op(A) · op(B). */
export interface MatMulOptions {
  /** Use Aᵀ (last two axes swapped). */
  transA?: boolean;
  /** Use Bᵀ (last two axes swapped). */
  transB?: boolean;
  /** Scale of the product (1 by default). */
  alpha?: number;
}

function swapLast(g: Graph, x: Tensor): Tensor {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return g.node("Transpose", [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], {
    perm: { kind: "ints", value: perm },
  })[0];
}

/** The forward nodes of alpha · op(A) · op(B), without recording. */
function matmulRaw(g: Graph, a: Tensor, b: Tensor, o: Required<MatMulOptions>): Tensor {
  const r = a.shape.length;
  if (b.shape.length !== r || r < 2) {
    throw new RangeError(
      `matmul() needs operands of one rank ≥ 2, got [${a.shape}] and [${b.shape}]`,
    );
  }
  const rows = o.transA ? a.shape[r - 1] : a.shape[r - 2];
  const cols = o.transB ? b.shape[r - 2] : b.shape[r - 1];
  const shape = [...a.shape.slice(0, r - 2), rows, cols];
  if (g.float === "float32" && g.contribOps) {
    return g.node("FusedMatMul", [a, b], [{ dtype: a.dtype, shape }], {
      transA: int(o.transA ? 1 : 0),
      transB: int(o.transB ? 1 : 0),
      alpha: float(o.alpha),
    }, "com.microsoft")[0];
  }
  const x = o.transA ? swapLast(g, a) : a;
  const y = o.transB ? swapLast(g, b) : b;
  let [c] = g.node("MatMul", [x, y], [{ dtype: a.dtype, shape }]);
  if (o.alpha !== 1) [c] = g.node("Mul", [c, g.constant(o.alpha)], [{ dtype: a.dtype, shape }]);
  return c;
}

/**
 * C = alpha · op(A) · op(B) over matching batch dimensions, op = transpose of the last two
 * axes where asked.
 *
 * Gradients (G = dC): without transposes dA = α G Bᵀ, dB = α Aᵀ G; with transB dA = α G B,
 * dB = α Gᵀ A; with transA dA = α B Gᵀ, dB = α A G; with both dA = α Bᵀ Gᵀ, dB = α Gᵀ Aᵀ.
 *
 * @param g the graph
 * @param a left operand (..., M, K) or (..., K, M) with transA
 * @param b right operand (..., K, N) or (..., N, K) with transB
 * @param opts transposes and scale
 * @throws {RangeError} if the operands' ranks differ or are below 2
 * @returns the product
 */
export function matmul(g: Graph, a: Tensor, b: Tensor, opts: MatMulOptions = {}): Tensor {
  const o = { transA: false, transB: false, alpha: 1, ...opts };
  const out = matmulRaw(g, a, b, o);
  const mm = (x: Tensor, y: Tensor, transA: boolean, transB: boolean) =>
    matmulRaw(g, x, y, { transA, transB, alpha: o.alpha });
  g.record([a, b], [out], ([gc], needs) => {
    const G = gc!;
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (!o.transA && !o.transB) {
      if (needs[0]) da = mm(G, b, false, true);
      if (needs[1]) db = mm(a, G, true, false);
    } else if (!o.transA && o.transB) {
      if (needs[0]) da = mm(G, b, false, false);
      if (needs[1]) db = mm(G, a, true, false);
    } else if (o.transA && !o.transB) {
      if (needs[0]) da = mm(b, G, false, true);
      if (needs[1]) db = mm(a, G, false, false);
    } else {
      if (needs[0]) da = mm(b, G, true, true);
      if (needs[1]) db = mm(G, a, true, true);
    }
    return [da, db];
  });
  return out;
}

/**
 * y = x @ w + b for 2-D x (N, in), w (in, out), b (out): one Gemm.
 * Gradients: dx = G wᵀ and dw = xᵀ G (each one Gemm with a transpose flag), db = Σ_rows G.
 *
 * @param g the graph
 * @param x input (N, in)
 * @param w weight (in, out)
 * @param b bias (out), or null
 * @throws {RangeError} if x or w is not 2-D
 * @returns y (N, out)
 */
export function linear(g: Graph, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (x.shape.length !== 2 || w.shape.length !== 2) {
    throw new RangeError(`linear() needs 2-D x and w, got [${x.shape}] and [${w.shape}]`);
  }
  const shape = [x.shape[0], w.shape[1]];
  const [y] = g.node("Gemm", b ? [x, w, b] : [x, w], [{ dtype: x.dtype, shape }]);
  const inputs = b ? [x, w, b] : [x, w];
  g.record(inputs, [y], ([gy], needs) => {
    const G = gy!;
    const dx = needs[0]
      ? g.node("Gemm", [G, w], [{ dtype: x.dtype, shape: x.shape }], { transB: int(1) })[0]
      : null;
    const dw = needs[1]
      ? g.node("Gemm", [x, G], [{ dtype: x.dtype, shape: w.shape }], { transA: int(1) })[0]
      : null;
    const db = b && needs[2] ? reduceSumRaw(g, G, [0], false) : null;
    return [dx, dw, db];
  });
  return y;
}
