/**
 * Inverted dropout whose masks are a pure function of (seed, site): every step is
 * reproducible from its inputs alone, so resuming a run reproduces an uninterrupted one
 * exactly. (onnxruntime's RandomUniform and Dropout kernels advance a hidden state on each
 * run, which would break that.)
 *
 * How: the graph stores one table of M mask values, each 0 (probability p) or 1/(1 − p),
 * drawn once at build time from a fixed seed. A site's mask is the contiguous window
 * table[o, o + numel) reshaped to the activation's shape, where the offset o is an integer
 * hash of (seed, site) modulo M − numel + 1. A step costs one copy and one multiply per
 * element and site; an element-wise integer hash costs about 20 times more on the CPU
 * provider (int64 Div/Mod are not vectorised). Different steps and sites see different
 * windows of the same i.i.d. table, so each mask is i.i.d. Bernoulli per element.
 *
 * M is at least twice the largest site, so that offsets spread over at least half the table.
 *
 * @module
 */

import { type Graph, int, type Tensor } from "./onnx/graph.ts";
import type { Dropout } from "./model.ts";
import { makeRng } from "./rng.ts";

/** Seed of the mask table: fixed, so equal configs give equal graphs. */
const TABLE_SEED = 0x5eed;

/**
 * The table length for activations of at most `largest` elements: a power of two ≥ 2·largest.
 *
 * @returns M
 */
export function dropoutTableSize(largest: number): number {
  return 2 ** Math.max(16, Math.ceil(Math.log2(2 * largest)));
}

/**
 * A dropout function for a graph: each call is a new site with its own mask.
 *
 * @param p drop probability in (0, 1)
 * @param seed scalar float tensor holding an integer (exact below 2^24 in float32)
 * @param largest the most elements one dropped activation may have
 * @returns x ↦ x ⊙ mask, with mask ∈ {0, 1/(1 − p)}; the gradient uses the same mask
 * @throws {RangeError} if p is outside (0, 1)
 */
export function makeDropout(g: Graph, p: number, seed: Tensor, largest: number): Dropout {
  if (!(p > 0 && p < 1)) throw new RangeError(`Dropout must be in (0, 1), got ${p}`);
  const M = dropoutTableSize(largest);
  const rng = makeRng(TABLE_SEED);
  const keep = 1 / (1 - p);
  const values = g.float === "float64" ? new Float64Array(M) : new Float32Array(M);
  for (let i = 0; i < M; i++) values[i] = rng.next() < p ? 0 : keep;
  const table = g.initializer("dropout_table", g.float, [M], values);

  const I = "int64" as const;
  const k = (v: number) => g.constant(v, I);
  const s = (op: string, a: Tensor, b: Tensor) => g.node(op, [a, b], [{ dtype: I, shape: [] }])[0];
  const mod32 = (a: Tensor) => s("Mod", a, k(2 ** 32));
  // lowbias32-style mixing of 32-bit values on scalars (products stay below 2^63).
  const mix = (h: Tensor) => {
    let x = s("BitwiseXor", h, s("Div", h, k(65536)));
    x = mod32(s("Mul", x, k(0x45d9f3b)));
    x = s("BitwiseXor", x, s("Div", x, k(65536)));
    x = mod32(s("Mul", x, k(0x45d9f3b)));
    return s("BitwiseXor", x, s("Div", x, k(65536)));
  };
  const [seedInt] = g.node("Cast", [seed], [{ dtype: I, shape: [] }], { to: int(7) });
  const seedHash = mix(mod32(seedInt));
  let site = 0;
  return (x: Tensor) => {
    site++;
    const [size] = g.node("Size", [x], [{ dtype: I, shape: [] }]);
    const h = mix(mod32(s("Add", seedHash, k((site * 0x9e3779b1) % 2 ** 32))));
    const room = s("Sub", k(M + 1), size);
    const [start] = g.node("Reshape", [s("Mod", h, room), g.constant([1], I, [1])], [{
      dtype: I,
      shape: [1],
    }]);
    const [end] = g.node("Add", [start, size], [{ dtype: I, shape: [1] }]);
    const [flat] = g.node("Slice", [table, start, end], [{ dtype: g.float, shape: ["numel"] }]);
    const [shape] = g.node("Shape", [x], [{ dtype: I, shape: [x.shape.length] }]);
    // A batch larger than the table was sized for fails here; the node name says what to do.
    const [mask] = g.node(
      "Reshape",
      [flat, shape],
      [{ dtype: x.dtype, shape: x.shape }],
      {},
      "",
      `dropout_site_${site}: batch larger than the dropout table allows, raise StepOptions.maxTokens`,
    );
    const [y] = g.node("Mul", [x, mask], [{ dtype: x.dtype, shape: x.shape }]);
    g.record([x], [y], ([gy]) => [
      g.node("Mul", [gy!, mask], [{ dtype: x.dtype, shape: x.shape }])[0],
    ]);
    return y;
  };
}
