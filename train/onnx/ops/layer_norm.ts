/**
 * Layer normalisation over the last axis: one LayerNormalization node forward (opset 17),
 * and a hand-written gradient:
 * x̂ = (x − μ)·r with r = 1/√(σ² + ε); dx̂ = G ⊙ gain;
 * dx = r · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂)); dgain = Σ_rows G ⊙ x̂; dbias = Σ_rows G.
 *
 * @module
 */

import { float, type Graph, int, type Tensor } from "../graph.ts";
import { reduceSumRaw } from "./_broadcast.ts";

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance; 1e-5 as in infer/model_spec.ts. */
  eps?: number;
}

/**
 * (x − mean) / √(var + eps) · gain + bias over the last axis (population variance).
 *
 * @returns the normalised tensor, x's shape
 */
export function layerNorm(
  g: Graph,
  x: Tensor,
  gain: Tensor,
  bias: Tensor,
  opts: LayerNormOptions = {},
): Tensor {
  const eps = opts.eps ?? 1e-5;
  const r = x.shape.length;
  const stat = [...x.shape.slice(0, r - 1), 1];
  // onnxruntime's CPU kernel keeps Mean and InvStdDev in float32 (stash_type 1) even for
  // double inputs, so float64 graphs recompute them in double for the backward pass.
  const [y, mean32, inv32] = g.node("LayerNormalization", [x, gain, bias], [
    { dtype: x.dtype, shape: x.shape },
    { dtype: "float32", shape: stat },
    { dtype: "float32", shape: stat },
  ], { axis: int(-1), epsilon: float(eps), stash_type: int(1) });
  g.record([x, gain, bias], [y], ([gy], needs) => {
    const G = gy!;
    const t = (shape: readonly (string | number)[]) => [{ dtype: x.dtype, shape }];
    const bin = (op: string, a: Tensor, b: Tensor, like: Tensor) =>
      g.node(op, [a, b], t(like.shape))[0];
    let mean = mean32;
    let inv = inv32;
    if (x.dtype !== "float32") {
      const n = g.constant(1 / Number(x.shape[r - 1]));
      mean = bin("Mul", reduceSumRaw(g, x, [-1], true), n, mean32);
      const xc = bin("Sub", x, mean, x);
      const variance = bin("Mul", reduceSumRaw(g, bin("Mul", xc, xc, x), [-1], true), n, mean32);
      const sd = g.node("Sqrt", [bin("Add", variance, g.constant(eps), mean32)], t(stat))[0];
      inv = bin("Div", g.constant(1), sd, mean32);
    }
    const xhat = bin("Mul", bin("Sub", x, mean, x), inv, x);
    const rows = [...Array(r - 1).keys()];
    let dx: Tensor | null = null;
    if (needs[0]) {
      const n = g.constant(1 / Number(x.shape[r - 1]));
      const dxhat = bin("Mul", G, gain, x);
      const m1 = bin("Mul", reduceSumRaw(g, dxhat, [-1], true), n, mean);
      const m2 = bin("Mul", reduceSumRaw(g, bin("Mul", dxhat, xhat, x), [-1], true), n, mean);
      const inner = bin("Sub", bin("Sub", dxhat, m1, x), bin("Mul", xhat, m2, x), x);
      dx = bin("Mul", inner, inv, x);
    }
    const dgain = needs[1] ? reduceSumRaw(g, bin("Mul", G, xhat, x), rows, false) : null;
    const dbias = needs[2] ? reduceSumRaw(g, G, rows, false) : null;
    return [dx, dgain, dbias];
  });
  return y;
}
