import { assert } from "../deps/assert.ts";
import { makeDropout } from "./dropout.ts";
import { gradCheck } from "./onnx/_gradcheck.ts";
import { Graph } from "./onnx/graph.ts";
import { createSession, f32 } from "./session.ts";

async function masks(p: number, seed: number, n: number, sites: number) {
  const g = new Graph("float32");
  const x = g.input("x", "float32", [n]);
  const s = g.input("seed", "float32", []);
  const drop = makeDropout(g, p, s, n);
  for (let i = 0; i < sites; i++) g.output(drop(x), `y${i}`);
  const session = await createSession(g.toModel(), { threads: 1 });
  const out = await session.run({
    x: f32(new Float32Array(n).fill(1), [n]),
    seed: f32([seed], []),
  });
  await session.release();
  return [...Array(sites).keys()].map((i) => out[`y${i}`].data as Float32Array);
}

Deno.test("makeDropout() drops a fraction p and scales the kept values by 1/(1 − p)", async () => {
  const n = 50000;
  const [y] = await masks(0.2, 3, n, 1);
  const zeros = y.filter((v) => v === 0).length;
  // Binomial(50000, 0.2) has a standard deviation of ~89 zeros: allow 5 of them.
  assert.ok(Math.abs(zeros - 0.2 * n) < 450, `${zeros} zeros of ${n}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1.25) < 1e-6));
});

Deno.test("makeDropout() gives each site and each seed its own mask, and equal seeds equal masks", async () => {
  const [a, b] = await masks(0.5, 11, 4096, 2);
  const [a2] = await masks(0.5, 11, 4096, 1);
  const [c] = await masks(0.5, 12, 4096, 1);
  const agree = (u: Float32Array, v: Float32Array) =>
    u.filter((x, i) => x === v[i]).length / u.length;
  assert.deepEqual(a, a2);
  // Independent masks agree on about half of the elements at p = 0.5.
  assert.ok(Math.abs(agree(a, b) - 0.5) < 0.05, `sites agree on ${agree(a, b)}`);
  assert.ok(Math.abs(agree(a, c) - 0.5) < 0.05, `seeds agree on ${agree(a, c)}`);
});

Deno.test("makeDropout() has a gradient that matches finite differences (float64, mask fixed by the seed)", async () => {
  const { maxError } = await gradCheck(
    [{ name: "x", shape: [4, 6] }, { name: "seed", shape: [], data: [5], fixed: true }],
    (g, [x, seed]) => makeDropout(g, 0.3, seed, 24)(x),
  );
  assert.ok(maxError < 1e-6, `gradient error ${maxError}`);
});

Deno.test("makeDropout() rejects p outside (0, 1)", () => {
  const g = new Graph("float32");
  assert.throws(() => makeDropout(g, 1, g.input("s", "float32", []), 8), RangeError);
});

Deno.test("makeDropout() fails with a message naming maxTokens when an activation outgrows its table", async () => {
  const g = new Graph("float32");
  const x = g.input("x", "float32", ["N"]);
  g.output(makeDropout(g, 0.1, g.input("seed", "float32", []), 1000)(x), "y");
  const s = await createSession(g.toModel(), { threads: 1 });
  const n = 100_000; // the table holds 2^16 values for at most 1000-element sites
  await assert.rejects(
    () => s.run({ x: f32(new Float32Array(n), [n]), seed: f32([1], []) }),
    /raise StepOptions\.maxTokens/,
  );
  await s.release();
});
