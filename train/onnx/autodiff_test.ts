import { assert } from "../../deps/assert.ts";
import { createSession, f64 } from "../session.ts";
import { gradients } from "./autodiff.ts";
import { Graph } from "./graph.ts";
import { add, exp, mul } from "./ops/elementwise.ts";
import { reduceSum } from "./ops/reduce.ts";

Deno.test("gradients() sums the contributions of a value used several times", async () => {
  // L = Σ (x·x + x·w); dL/dx = 2x + w, dL/dw = x.
  const g = new Graph("float64");
  const x = g.input("x", "float64", [3]);
  const w = g.input("w", "float64", [3]);
  const loss = reduceSum(g, add(g, mul(g, x, x), mul(g, x, w)), [0]);
  const tapeLength = g.tape.length;
  const [dx, dw] = gradients(g, loss, [x, w]);
  assert.equal(g.tape.length, tapeLength, "the backward pass must not record operations");
  g.output(dx, "dx");
  g.output(dw, "dw");
  const s = await createSession(g.toModel(), { threads: 1 });
  const out = await s.run({ x: f64([1, 2, 3], [3]), w: f64([5, 6, 7], [3]) });
  await s.release();
  assert.deepEqual(Array.from(out.dx.data as Float64Array), [7, 10, 13]);
  assert.deepEqual(Array.from(out.dw.data as Float64Array), [1, 2, 3]);
});

Deno.test("gradients() gives zeros for an input the output does not depend on", async () => {
  const g = new Graph("float64");
  const x = g.input("x", "float64", [2]);
  const unused = g.input("u", "float64", [2, 2]);
  const loss = reduceSum(g, exp(g, x), [0]);
  const [, du] = gradients(g, loss, [x, unused]);
  g.output(du, "du");
  const s = await createSession(g.toModel(), { threads: 1 });
  const out = await s.run({ x: f64([0, 1], [2]), u: f64([1, 2, 3, 4], [2, 2]) });
  await s.release();
  assert.deepEqual(out.du.dims, [2, 2]);
  assert.deepEqual(Array.from(out.du.data as Float64Array), [0, 0, 0, 0]);
});

Deno.test("gradients() rejects a non-scalar output without a seed", () => {
  const g = new Graph("float64");
  const x = g.input("x", "float64", [2]);
  assert.throws(() => gradients(g, exp(g, x), [x]), /needs a seed/);
});
