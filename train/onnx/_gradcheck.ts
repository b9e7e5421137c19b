/**
 * Test helper: compares the builder's reverse-mode gradients with central finite differences,
 * in float64 on onnxruntime's CPU provider.
 *
 * @module
 */

import { gradients } from "./autodiff.ts";
import { Graph, type Tensor } from "./graph.ts";
import { makeRng } from "../rng.ts";
import { createSession, f64, i64, ort } from "../session.ts";
import { mul } from "./ops/elementwise.ts";
import { reduceSum } from "./ops/reduce.ts";

/** One input of a checked function. */
export interface CheckInput {
  /** Graph input name. */
  name: string;
  /** Fixed shape. */
  shape: number[];
  /** Float64 values (random normal by default) or int64 values for an index input. */
  data?: number[];
  /** "int64" inputs are not differentiated. */
  dtype?: "float64" | "int64" | "bool";
  /** A float64 input that is not differentiated (e.g. a seed). */
  fixed?: boolean;
}

/** Result of {@link gradCheck}. */
export interface GradCheckResult {
  /** Largest |analytic − numeric| / max(1, |numeric|) over the checked coordinates. */
  maxError: number;
  /** Coordinates compared. */
  checked: number;
}

function feed(inp: CheckInput, data: number[]): ort.Tensor {
  if (inp.dtype === "int64") return i64(data, inp.shape);
  if (inp.dtype === "bool") {
    return new ort.Tensor("bool", Uint8Array.from(data), inp.shape);
  }
  return f64(data, inp.shape);
}

async function outputShape(
  build: (g: Graph, xs: Tensor[]) => Tensor,
  inputs: CheckInput[],
  values: number[][],
) {
  const g = new Graph("float64");
  const xs = inputs.map((p) => g.input(p.name, p.dtype ?? "float64", p.shape));
  g.output(build(g, xs), "y");
  const s = await createSession(g.toModel(), { threads: 1 });
  const feeds = Object.fromEntries(inputs.map((p, i) => [p.name, feed(p, values[i])]));
  const y = (await s.run(feeds)).y;
  await s.release();
  return y.dims as number[];
}

/**
 * Builds `build`'s function in float64, takes L = Σ y ⊙ w for a fixed random w, and compares
 * dL/dx from the builder's autodiff with (L(x + h) − L(x − h)) / 2h for every float input
 * coordinate (or `samples` random ones per input).
 *
 * @returns the largest error and how many coordinates were compared
 */
export async function gradCheck(
  inputs: CheckInput[],
  build: (g: Graph, xs: Tensor[]) => Tensor,
  opts: { h?: number; samples?: number; seed?: number } = {},
): Promise<GradCheckResult> {
  const rng = makeRng(opts.seed ?? 1);
  const h = opts.h ?? 1e-6;
  const values = inputs.map((p) =>
    p.data ?? Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => rng.normal())
  );
  const yShape = await outputShape(build, inputs, values);
  const wData = Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => rng.normal());

  const g = new Graph("float64");
  const xs = inputs.map((p) => g.input(p.name, p.dtype ?? "float64", p.shape));
  const w = g.input("__w", "float64", yShape);
  const y = build(g, xs);
  const loss = reduceSum(g, mul(g, y, w), [...yShape.keys()]);
  g.output(loss, "loss");
  const floats = inputs.map((p, i) => ({ p, i })).filter(({ p }) =>
    (p.dtype ?? "float64") === "float64" && !p.fixed
  );
  const grads = gradients(g, loss, floats.map(({ i }) => xs[i]));
  grads.forEach((t, k) => g.output(t, `grad.${floats[k].p.name}`));
  const s = await createSession(g.toModel(), { threads: 1 });
  const run = async (vals: number[][], names: string[]) => {
    const feeds = Object.fromEntries(inputs.map((p, i) => [p.name, feed(p, vals[i])]));
    feeds.__w = f64(wData, yShape);
    return await s.run(feeds, names);
  };
  const base = await run(values, ["loss", ...floats.map(({ p }) => `grad.${p.name}`)]);
  let maxError = 0;
  let checked = 0;
  for (const { p, i } of floats) {
    const analytic = base[`grad.${p.name}`].data as Float64Array;
    const n = values[i].length;
    const coords = opts.samples && opts.samples < n
      ? Array.from({ length: opts.samples }, () => rng.int(n))
      : [...Array(n).keys()];
    for (const c of coords) {
      const plus = values.map((v) => v.slice());
      const minus = values.map((v) => v.slice());
      plus[i][c] += h;
      minus[i][c] -= h;
      const lp = ((await run(plus, ["loss"])).loss.data as Float64Array)[0];
      const lm = ((await run(minus, ["loss"])).loss.data as Float64Array)[0];
      const numeric = (lp - lm) / (2 * h);
      const err = Math.abs(analytic[c] - numeric) / Math.max(1, Math.abs(numeric));
      maxError = Math.max(maxError, err);
      checked++;
    }
  }
  await s.release();
  return { maxError, checked };
}
