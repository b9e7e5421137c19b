/**
 * Inverted dropout whose mask is a pure function of (seed, site, element index): a 32-bit
 * integer hash computed in the graph with int64 arithmetic (products stay below 2^63), so a
 * training step is reproducible from its inputs alone and resuming a run reproduces an
 * uninterrupted one exactly. onnxruntime's RandomUniform kernels advance an internal state
 * per run, which would break that.
 *
 * Hash: h = (i + offset(seed, site)) mod 2^32, then the "lowbias32"-style mix
 * h ^= h >> 16; h = h·0x45d9f3b mod 2^32; h ^= h >> 16; h = h·0x45d9f3b mod 2^32; h ^= h >> 16.
 * An element is kept when h ≥ p·2^32, and kept values are scaled by 1/(1 − p).
 *
 * @module
 */

import { type Graph, int, type Tensor } from "./onnx/graph.ts";
import type { Dropout } from "./model.ts";

const TWO32 = 2 ** 32;
const MIX = 0x45d9f3b;

/**
 * A dropout function for a graph: each call is a new site with its own mask.
 *
 * @param p drop probability in (0, 1)
 * @param seed scalar float tensor (an integer value, e.g. the step number plus a run seed)
 * @returns x ↦ x ⊙ mask / (1 − p), differentiable (the gradient uses the same mask)
 */
export function makeDropout(g: Graph, p: number, seed: Tensor): Dropout {
  const I = "int64" as const;
  const scalar = (op: string, a: Tensor, b: Tensor) =>
    g.node(op, [a, b], [{ dtype: I, shape: [] }])[0];
  const [seedInt] = g.node("Cast", [seed], [{ dtype: I, shape: [] }], { to: int(7) });
  const k = (v: number) => g.constant(v, I);
  // (seed mod 2^32)·0x9E3779B1 < 2^64 would overflow, so the seed is folded to 2^31 first.
  const seedMix = scalar("Mul", scalar("Mod", seedInt, k(2 ** 31)), k(0x9e3779b1 % 2 ** 31));
  let site = 0;
  const scale = g.constant(1 / (1 - p));
  const threshold = k(Math.floor(p * TWO32));
  return (x: Tensor) => {
    site++;
    const t = (dtype: "int64" | "bool" | typeof x.dtype = I) => [{ dtype, shape: x.shape }];
    const op = (name: string, a: Tensor, b: Tensor) => g.node(name, [a, b], t())[0];
    const offset = scalar("Mod", scalar("Add", seedMix, k((site * 0x85ebca6b) % TWO32)), k(TWO32));
    const [size] = g.node("Size", [x], [{ dtype: I, shape: [] }]);
    const [range] = g.node("Range", [k(0), size, k(1)], [{ dtype: I, shape: ["numel"] }]);
    const [shape] = g.node("Shape", [x], [{ dtype: I, shape: [x.shape.length] }]);
    const [idx] = g.node("Reshape", [range, shape], t());
    let h = op("Mod", op("Add", idx, offset), k(TWO32));
    const shift = () => op("BitwiseXor", h, op("Div", h, k(65536)));
    h = shift();
    h = op("Mod", op("Mul", h, k(MIX)), k(TWO32));
    h = shift();
    h = op("Mod", op("Mul", h, k(MIX)), k(TWO32));
    h = shift();
    const [keep] = g.node("GreaterOrEqual", [h, threshold], t("bool"));
    const [mask] = g.node("Cast", [keep], t(x.dtype), { to: int(x.dtype === "float64" ? 11 : 1) });
    const [factor] = g.node("Mul", [mask, scale], t(x.dtype));
    const [y] = g.node("Mul", [x, factor], t(x.dtype));
    g.record([x], [y], ([gy]) => [g.node("Mul", [gy!, factor], t(x.dtype))[0]]);
    return y;
  };
}
