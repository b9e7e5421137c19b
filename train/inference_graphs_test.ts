import { assert } from "../deps/assert.ts";
import * as ortWeb from "onnxruntime-web";
import { naiveForward } from "../infer/_naive_forward.ts";
import { randomModel, tinyConfig } from "../infer/_test_model.ts";
import type { ModelConfig } from "../infer/model_spec.ts";
import { buildDecoderStepGraph, buildEncoderGraph } from "./inference_graphs.ts";
import { ort } from "./session.ts";

// Two sources of different lengths (row 1 padded), decoded with fixed teacher tokens.
const SRC = [[5, 6, 7, 8, 2], [9, 10, 2, 0, 0]];
const TGT = [[1, 10, 20, 30], [1, 40, 50, 60]];

/** The parts of onnxruntime's API both packages share. */
interface Runtime {
  Tensor: typeof ort.Tensor;
  create(bytes: Uint8Array): Promise<ort.InferenceSession>;
}

const node: Runtime = {
  Tensor: ort.Tensor,
  create: (bytes) => ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }),
};
ortWeb.env.wasm.numThreads = 1;
const web: Runtime = {
  Tensor: ortWeb.Tensor as unknown as typeof ort.Tensor,
  create: (bytes) =>
    ortWeb.InferenceSession.create(bytes, {
      executionProviders: ["wasm"],
    }) as unknown as Promise<ort.InferenceSession>,
};

/** Runs the encoder once and the decoder step per target position; the largest logit error. */
async function maxLogitError(rt: Runtime, c: ModelConfig, params: Map<string, Float32Array>) {
  const enc = await rt.create(buildEncoderGraph(c, params));
  const dec = await rt.create(buildDecoderStepGraph(c, params));
  const B = SRC.length, S = SRC[0].length, d = c.dModel, V = c.tgtVocab.length;
  const int64 = (v: number[], dims: number[]) =>
    new rt.Tensor("int64", BigInt64Array.from(v, BigInt), dims);
  const src = int64(SRC.flat(), [B, S]);
  const feeds: Record<string, ort.Tensor> = { src, ...(await enc.run({ src })) };
  for (let i = 0; i < c.decLayers; i++) {
    feeds[`self_k.${i}`] = new rt.Tensor("float32", new Float32Array(0), [B, 0, d]);
    feeds[`self_v.${i}`] = new rt.Tensor("float32", new Float32Array(0), [B, 0, d]);
  }
  const want = SRC.map((s, r) => naiveForward(c, params, s, TGT[r]).logits);
  let maxErr = 0;
  for (let t = 0; t < TGT[0].length; t++) {
    feeds.token = int64(TGT.map((row) => row[t]), [B]);
    feeds.pos = int64([t], []);
    const out = await dec.run(feeds);
    const logits = out.logits.data as Float32Array;
    for (let r = 0; r < B; r++) {
      for (let v = 0; v < V; v++) {
        maxErr = Math.max(maxErr, Math.abs(logits[r * V + v] - want[r][t][v]));
      }
    }
    assert.deepEqual(out["new_self_k.0"].dims, [B, t + 1, d]);
    for (let i = 0; i < c.decLayers; i++) {
      feeds[`self_k.${i}`] = out[`new_self_k.${i}`];
      feeds[`self_v.${i}`] = out[`new_self_v.${i}`];
    }
  }
  await enc.release();
  await dec.release();
  return maxErr;
}

Deno.test("the encoder and cached decoder-step graphs reproduce the reference network in onnxruntime-node", async () => {
  for (const activation of ["gelu", "relu"] as const) {
    const c = tinyConfig({ activation });
    const err = await maxLogitError(node, c, randomModel(c, 4));
    assert.ok(err < 1e-4, `${activation}: largest logit difference ${err}`);
  }
});

Deno.test("the inference graphs load and agree with the reference network in onnxruntime-web", async () => {
  const c = tinyConfig();
  const err = await maxLogitError(web, c, randomModel(c, 5));
  assert.ok(err < 1e-4, `largest logit difference ${err}`);
});

Deno.test("buildEncoderGraph() names a missing tensor", () => {
  const c = tinyConfig();
  const params = randomModel(c);
  params.delete("enc.0.ff1.w");
  assert.throws(() => buildEncoderGraph(c, params), /"enc\.0\.ff1\.w" is missing/);
});
