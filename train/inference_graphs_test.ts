import { assert } from "../deps/assert.ts";
import { naiveForward } from "../infer/_naive_forward.ts";
import { randomModel, tinyConfig } from "../infer/_test_model.ts";
import { buildDecoderStepGraph, buildEncoderGraph } from "./inference_graphs.ts";
import { createSession, f32, i64, type ort } from "./session.ts";

// Two sources of different lengths (row 1 padded), decoded with fixed teacher tokens.
const SRC = [[5, 6, 7, 8, 2], [9, 10, 2, 0, 0]];
const TGT = [[1, 10, 20, 30], [1, 40, 50, 60]];

Deno.test("the encoder and cached decoder-step graphs reproduce the reference network's logits", async () => {
  for (const activation of ["gelu", "relu"] as const) {
    const c = tinyConfig({ activation });
    const params = randomModel(c, 4);
    const enc = await createSession(buildEncoderGraph(c, params), { threads: 1 });
    const dec = await createSession(buildDecoderStepGraph(c, params), { threads: 1 });
    const B = SRC.length, S = SRC[0].length, d = c.dModel;
    const src = i64(SRC.flat(), [B, S]);
    const cross = await enc.run({ src });
    const feeds: Record<string, ort.Tensor> = { src, ...cross };
    for (let i = 0; i < c.decLayers; i++) {
      feeds[`self_k.${i}`] = f32(new Float32Array(0), [B, 0, d]);
      feeds[`self_v.${i}`] = f32(new Float32Array(0), [B, 0, d]);
    }
    const want = SRC.map((s, r) => naiveForward(c, params, s, TGT[r]).logits);
    let maxErr = 0;
    for (let t = 0; t < TGT[0].length; t++) {
      feeds.token = i64(TGT.map((row) => row[t]), [B]);
      feeds.pos = i64([t], []);
      const out = await dec.run(feeds);
      const logits = out.logits.data as Float32Array;
      const V = c.tgtVocab.length;
      for (let r = 0; r < B; r++) {
        for (let v = 0; v < V; v++) {
          maxErr = Math.max(maxErr, Math.abs(logits[r * V + v] - want[r][t][v]));
        }
      }
      assert.deepEqual(out[`new_self_k.0`].dims, [B, t + 1, d]);
      for (let i = 0; i < c.decLayers; i++) {
        feeds[`self_k.${i}`] = out[`new_self_k.${i}`];
        feeds[`self_v.${i}`] = out[`new_self_v.${i}`];
      }
    }
    await enc.release();
    await dec.release();
    assert.ok(maxErr < 1e-4, `${activation}: largest logit difference ${maxErr}`);
  }
});

Deno.test("buildEncoderGraph() names a missing tensor", () => {
  const c = tinyConfig();
  const params = randomModel(c);
  params.delete("enc.0.ff1.w");
  assert.throws(() => buildEncoderGraph(c, params), /"enc\.0\.ff1\.w" is missing/);
});
