import { assert } from "../deps/assert.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { initParams } from "./init.ts";
import { createSession, f32, i64, type ort } from "./session.ts";
import { buildEvalStep, buildTrainStep, type StepOptions } from "./step.ts";
import { plainOptions, TINY_BATCH, tinyConfig } from "./_tiny.ts";

const b = TINY_BATCH;
const c = tinyConfig();
const specs = tensorSpecs(c);

/** Feeds for one step: initial params (seed 1), zero moments, the tiny batch. */
function feeds(over: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  const init = initParams(c, 1);
  const f: Record<string, ort.Tensor> = {};
  for (const s of specs) {
    f[s.name] = f32(init.get(s.name)!, s.shape);
    f[`m.${s.name}`] = f32(new Float32Array(init.get(s.name)!.length), s.shape);
    f[`v.${s.name}`] = f32(new Float32Array(init.get(s.name)!.length), s.shape);
  }
  Object.assign(f, {
    task_s: f32([0, 0], [2]),
    "m.task_s": f32([0, 0], [2]),
    "v.task_s": f32([0, 0], [2]),
    task_w: f32([1, 1], [2]),
    src: i64(b.src, [b.B, b.S]),
    tgt_in: i64(b.tgtIn, [b.B, b.T]),
    tgt_out: i64(b.tgtOut, [b.B, b.T]),
    task: i64(b.task, [b.B]),
    lr: f32([1e-2], []),
    step: f32([1], []),
    seed: f32([7], []),
  });
  return Object.assign(f, over);
}

async function runStep(o: StepOptions, over: Record<string, ort.Tensor> = {}) {
  const s = await createSession(buildTrainStep(c, o), { threads: 1 });
  const out = await s.run(feeds(over));
  await s.release();
  return out;
}

const data = (t: ort.Tensor) => t.data as Float32Array;

Deno.test("buildTrainStep() applies AdamW's first step with decoupled weight decay on matrices only", async () => {
  const o = plainOptions({ weightDecay: 0.1 });
  const out = await runStep(o);
  const init = initParams(c, 1);
  const lr = 1e-2;
  let sq = 0;
  for (const s of specs) {
    const m = data(out[`new.m.${s.name}`]);
    const v = data(out[`new.v.${s.name}`]);
    const p = data(out[`new.${s.name}`]);
    const p0 = init.get(s.name)!;
    const decay = s.name.endsWith(".w") ? 1 - lr * 0.1 : 1;
    for (let i = 0; i < p.length; i++) {
      const g = m[i] / (1 - o.beta1);
      sq += g * g;
      assert.ok(Math.abs(v[i] - (1 - o.beta2) * g * g) <= 1e-6 * Math.max(1e-6, v[i]) + 1e-12);
      // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps).
      const want = p0[i] * decay - lr * g / (Math.abs(g) + o.eps);
      assert.ok(Math.abs(p[i] - want) < 1e-6, `${s.name}[${i}]: ${p[i]} vs ${want}`);
    }
  }
  const norm = data(out.grad_norm)[0];
  assert.ok(Math.abs(norm - Math.sqrt(sq)) < 1e-4 * norm, `grad_norm ${norm} vs ${Math.sqrt(sq)}`);
});

Deno.test("buildTrainStep() clips the global gradient norm to clipNorm", async () => {
  const o = plainOptions({ clipNorm: 0.05 });
  const out = await runStep(o);
  let sq = 0;
  for (const s of specs) {
    for (const m of data(out[`new.m.${s.name}`])) sq += (m / (1 - o.beta1)) ** 2;
  }
  assert.ok(data(out.grad_norm)[0] > 0.05, "the test needs a gradient larger than the clip");
  assert.ok(Math.abs(Math.sqrt(sq) - 0.05) < 1e-4, `clipped norm ${Math.sqrt(sq)}`);
});

Deno.test("buildEvalStep() sums per-row cross-entropy that matches the train step's loss", async () => {
  const s = await createSession(buildEvalStep(c, plainOptions()), { threads: 1 });
  const f = feeds();
  const ev = await s.run(
    Object.fromEntries(
      [...specs.map((x) => x.name), "src", "tgt_in", "tgt_out", "task"].map((n) => [n, f[n]]),
    ),
  );
  await s.release();
  assert.deepEqual(Array.from(data(ev.tokens)), [4, 2, 4]);
  const sums = data(ev.loss_sum);
  const correct = data(ev.correct);
  assert.ok(correct.every((x, i) => x >= 0 && x <= data(ev.tokens)[i] && Number.isInteger(x)));
  const tr = await runStep(plainOptions());
  // Task 0 = rows 0 and 2 (8 tokens), task 1 = row 1 (2 tokens); weights 1 and 1.
  const want = (sums[0] + sums[2]) / 8 + sums[1] / 2;
  assert.ok(Math.abs(data(tr.loss)[0] - want) < 1e-5, `${data(tr.loss)[0]} vs ${want}`);
  assert.deepEqual(Array.from(data(tr.task_loss)).map((x) => x.toFixed(5)), [
    ((sums[0] + sums[2]) / 8).toFixed(5),
    (sums[1] / 2).toFixed(5),
  ]);
  assert.equal(data(tr.tokens)[0], 10);
});

Deno.test("buildTrainStep() with learned task weights updates and clamps the log-variances", async () => {
  const o = plainOptions({ taskWeighting: "learned", taskLrScale: 1 });
  const out = await runStep(o, { task_s: f32([-10, 1], [2]), lr: f32([0.5], []) });
  const s = Array.from(data(out["new.task_s"]));
  // Adam's first step moves each s by lr against the sign of dL/ds = 1 − e^{−s}·L_i:
  // s0 = −10 rises to −9.5 and is clamped to −4; s1 = 1 moves by 0.5 against its gradient.
  assert.equal(s[0], -4);
  const grad1 = 1 - Math.exp(-1) * data(out.task_loss)[1];
  assert.ok(Math.abs(s[1] - (1 - 0.5 * Math.sign(grad1))) < 1e-5, `s1 = ${s[1]}`);
  const fixed = await runStep(plainOptions(), { task_s: f32([0.25, 0.5], [2]) });
  assert.deepEqual(Array.from(data(fixed["new.task_s"])), [0.25, 0.5]);
});

Deno.test("buildTrainStep() with dropout is a pure function of its inputs, seed included", async () => {
  const o = plainOptions({ dropout: 0.3 });
  const s = await createSession(buildTrainStep(c, o), { threads: 1 });
  const a = data((await s.run(feeds())).loss)[0];
  const a2 = data((await s.run(feeds())).loss)[0];
  const other = data((await s.run(feeds({ seed: f32([8], []) }))).loss)[0];
  await s.release();
  const none = data((await runStep(plainOptions())).loss)[0];
  assert.equal(a, a2);
  assert.notEqual(a, other);
  assert.notEqual(a, none);
});

Deno.test("buildTrainStep() rejects bad options with a RangeError naming the field", () => {
  assert.throws(() => buildTrainStep(c, plainOptions({ dropout: 1 })), /"dropout"/);
  assert.throws(() => buildTrainStep(c, plainOptions({ tasks: 0 })), /"tasks"/);
});
