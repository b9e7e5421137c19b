import { assert } from "../../deps/assert.ts";
import { gradCheck } from "./_gradcheck.ts";
import {
  add,
  clip,
  div,
  exp,
  geluTanh,
  mul,
  neg,
  relu,
  sqrt,
  sub,
  tanh,
} from "./ops/elementwise.ts";
import { gatherRows } from "./ops/gather.ts";
import { layerNorm } from "./ops/layer_norm.ts";
import { linear, matmul } from "./ops/matmul.ts";
import { reduceMean, reduceSum } from "./ops/reduce.ts";
import { reshape, transpose } from "./ops/shape.ts";
import { logSoftmax, softmax } from "./ops/softmax.ts";
import { maskFill } from "./ops/where.ts";

// Central differences with h = 1e-6 in float64 leave errors near 1e-9; 1e-6 is a tight bound
// that still fails on any wrong rule.
const TOL = 1e-6;

async function check(
  name: string,
  inputs: Parameters<typeof gradCheck>[0],
  build: Parameters<typeof gradCheck>[1],
) {
  const { maxError, checked } = await gradCheck(inputs, build);
  assert.ok(checked > 0, `${name}: nothing was checked`);
  assert.ok(maxError < TOL, `${name}: gradient error ${maxError} ≥ ${TOL}`);
}

const x23 = { name: "a", shape: [2, 3] };
const b3 = { name: "b", shape: [3] };

Deno.test("add(), sub(), mul() and div() have gradients that match finite differences, broadcasting included", async () => {
  await check("add", [x23, b3], (g, [a, b]) => add(g, a, b));
  await check("sub", [x23, b3], (g, [a, b]) => sub(g, a, b));
  await check("mul", [x23, { name: "b", shape: [2, 1] }], (g, [a, b]) => mul(g, a, b));
  await check(
    "div",
    [x23, { name: "b", shape: [3], data: [1.5, -2, 3] }],
    (g, [a, b]) => div(g, a, b),
  );
});

Deno.test("neg(), exp(), tanh(), sqrt(), relu(), clip() and geluTanh() have gradients that match finite differences", async () => {
  await check("neg", [x23], (g, [a]) => neg(g, a));
  await check("exp", [x23], (g, [a]) => exp(g, a));
  await check("tanh", [x23], (g, [a]) => tanh(g, a));
  await check("sqrt", [{ name: "a", shape: [4], data: [0.5, 1, 2, 3] }], (g, [a]) => sqrt(g, a));
  // Points away from the kinks, where the derivative is defined.
  const kinked = { name: "a", shape: [6], data: [-1.5, -0.3, 0.2, 0.7, 1.3, 2.5] };
  await check("relu", [kinked], (g, [a]) => relu(g, a));
  await check("clip", [kinked], (g, [a]) => clip(g, a, -1, 1));
  await check("gelu", [x23], (g, [a]) => geluTanh(g, a));
});

Deno.test("matmul() has gradients that match finite differences for every transpose combination", async () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = { name: "a", shape: transA ? [2, 4, 3] : [2, 3, 4] };
      const b = { name: "b", shape: transB ? [2, 5, 4] : [2, 4, 5] };
      await check(
        `matmul ${transA} ${transB}`,
        [a, b],
        (g, [x, y]) => matmul(g, x, y, { transA, transB, alpha: 0.7 }),
      );
    }
  }
});

Deno.test("linear() has gradients that match finite differences", async () => {
  await check("linear", [{ name: "x", shape: [5, 3] }, { name: "w", shape: [3, 4] }, {
    name: "b",
    shape: [4],
  }], (g, [x, w, b]) => linear(g, x, w, b));
});

Deno.test("reduceSum(), reduceMean(), reshape() and transpose() have gradients that match finite differences", async () => {
  const x = { name: "a", shape: [2, 3, 4] };
  await check("reduceSum", [x], (g, [a]) => reduceSum(g, a, [1]));
  await check("reduceSum keep", [x], (g, [a]) => reduceSum(g, a, [0, 2], true));
  await check("reduceMean", [x], (g, [a]) => reduceMean(g, a, [-1]));
  await check("reshape", [x], (g, [a]) => reshape(g, a, [6, 4]));
  await check("transpose", [x], (g, [a]) => transpose(g, a, [2, 0, 1]));
});

Deno.test("softmax() and logSoftmax() have gradients that match finite differences", async () => {
  await check("softmax", [{ name: "a", shape: [2, 3, 5] }], (g, [a]) => softmax(g, a));
  await check("logSoftmax", [{ name: "a", shape: [4, 5] }], (g, [a]) => logSoftmax(g, a));
});

Deno.test("layerNorm() has gradients that match finite differences for x, gain and bias", async () => {
  await check("layerNorm", [{ name: "x", shape: [2, 3, 6] }, { name: "g", shape: [6] }, {
    name: "b",
    shape: [6],
  }], (g, [x, gain, b]) => layerNorm(g, x, gain, b));
});

Deno.test("gatherRows() has a table gradient that matches finite differences, repeated ids included", async () => {
  const ids = { name: "ids", shape: [2, 3], dtype: "int64" as const, data: [1, 0, 3, 3, 1, 1] };
  await check("gather", [{ name: "t", shape: [5, 4] }, ids], (g, [t, i]) => gatherRows(g, t, i));
});

Deno.test("maskFill() has a gradient that matches finite differences and is zero where masked", async () => {
  const keep = { name: "k", shape: [1, 4], dtype: "bool" as const, data: [1, 0, 1, 1] };
  await check(
    "maskFill",
    [{ name: "a", shape: [3, 4] }, keep],
    (g, [a, k]) => maskFill(g, a, k, -7),
  );
});
