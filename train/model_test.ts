import { assert } from "../deps/assert.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { type CheckInput, gradCheck } from "./onnx/_gradcheck.ts";
import { naiveForward } from "../infer/_naive_forward.ts";
import { randomModel, tinyConfig as refConfig } from "../infer/_test_model.ts";
import { batchInputs, forward, lookup, paramInputs } from "./model.ts";
import { Graph } from "./onnx/graph.ts";
import { createSession, f32, i64, type ort } from "./session.ts";
import { objective } from "./step.ts";
import { plainOptions, TINY_BATCH, tinyConfig } from "./_tiny.ts";
import type { Tensor } from "./onnx/graph.ts";
import { initParams } from "./init.ts";
import { makeRng } from "./rng.ts";
import { makeDropout } from "./dropout.ts";

const b = TINY_BATCH;

function batchChecks(): CheckInput[] {
  return [
    { name: "src", shape: [b.B, b.S], dtype: "int64", data: b.src },
    { name: "tgt_in", shape: [b.B, b.T], dtype: "int64", data: b.tgtIn },
    { name: "tgt_out", shape: [b.B, b.T], dtype: "int64", data: b.tgtOut },
    { name: "task", shape: [b.B], dtype: "int64", data: b.task },
  ];
}

Deno.test("the whole model's gradient matches finite differences on a tiny config (float64)", async () => {
  for (const activation of ["relu", "gelu"] as const) {
    for (const taskWeighting of ["fixed", "learned"] as const) {
      const c = tinyConfig({ activation });
      // Dropout in two of the four variants: its mask is fixed by the seed input.
      const dropout = taskWeighting === "learned" ? 0.2 : 0;
      const o = plainOptions({ labelSmoothing: 0.1, taskWeighting, dropout });
      const specs = tensorSpecs(c);
      const init = initParams(c, 3);
      const rng = makeRng(5);
      // Random (not 1/0) LayerNorm and bias values so that every path carries gradient.
      const params: CheckInput[] = specs.map((s) => ({
        name: s.name,
        shape: s.shape,
        data: Array.from(init.get(s.name)!, (v) => v + 0.3 * rng.normal()),
      }));
      const inputs: CheckInput[] = [
        ...params,
        { name: "task_s", shape: [2], data: [0.3, -0.2] },
        { name: "task_w", shape: [2], data: [1, 0.5] },
        ...batchChecks(),
        { name: "seed", shape: [], data: [17], fixed: true },
      ];
      const n = specs.length;
      const { maxError, checked } = await gradCheck(inputs, (g: Graph, xs: Tensor[]) => {
        // Re-declare the symbolic sizes the model needs from the batch inputs.
        const [src, tgtIn, tgtOut, task, seed] = xs.slice(n + 2);
        defineDims(g, src, tgtIn);
        const P = lookup(xs.slice(0, n));
        const drop = dropout > 0 ? makeDropout(g, dropout, seed, 1000) : undefined;
        return objective(g, c, P, { src, tgtIn, tgtOut, task }, xs[n], xs[n + 1], o, drop).loss;
      }, { samples: 4, seed: 11 });
      assert.ok(checked > 100);
      assert.ok(maxError < 1e-6, `${activation}/${taskWeighting}: gradient error ${maxError}`);
    }
  }
});

function defineDims(g: Graph, src: Tensor, tgtIn: Tensor) {
  const dim = (x: Tensor, a: number) =>
    g.node("Shape", [x], [{ dtype: "int64", shape: [1] }], {
      start: { kind: "int", value: a },
      end: { kind: "int", value: a + 1 },
    })[0];
  g.defineDim("B", dim(src, 0));
  g.defineDim("S", dim(src, 1));
  g.defineDim("T", dim(tgtIn, 1));
}

Deno.test("forward() gives the reference network's teacher-forced logits, padded rows included", async () => {
  const c = refConfig({ activation: "gelu" });
  const params = randomModel(c, 9);
  const g = new Graph("float32");
  const { params: P } = paramInputs(g, c);
  const { src, tgtIn } = batchInputs(g);
  g.output(forward(g, c, P, src, tgtIn), "logits");
  const s = await createSession(g.toModel(), { threads: 1 });
  const SRC = [[5, 6, 7, 2], [8, 2, 0, 0]];
  const TGT = [[1, 10, 20], [1, 30, 0]];
  const feeds: Record<string, ort.Tensor> = {
    src: i64(SRC.flat(), [2, 4]),
    tgt_in: i64(TGT.flat(), [2, 3]),
  };
  for (const sp of tensorSpecs(c)) feeds[sp.name] = f32(params.get(sp.name)!, sp.shape);
  const logits = (await s.run(feeds)).logits.data as Float32Array;
  await s.release();
  const V = c.tgtVocab.length;
  let maxErr = 0;
  SRC.forEach((row, r) => {
    const want = naiveForward(c, params, row, TGT[r]).logits;
    want.forEach((w, t) =>
      w.forEach((v, j) => maxErr = Math.max(maxErr, Math.abs(logits[(r * 3 + t) * V + j] - v)))
    );
  });
  assert.ok(maxErr < 1e-4, `largest logit difference ${maxErr}`);
});
