import { assert } from "../deps/assert.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { averageCheckpoints } from "./average.ts";
import { type Checkpoint, initialLoopState } from "./checkpoint.ts";
import { DEFAULTS, modelConfigOf } from "./config.ts";

const config = { ...DEFAULTS, dModel: 8, heads: 2, encLayers: 1, decLayers: 1, dFF: 16 };

function filled(value: number): Checkpoint {
  const tensors = new Map();
  for (const { name, shape } of tensorSpecs(modelConfigOf(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { data: new Float32Array(n).fill(value), dims: shape });
  }
  return { config, loop: { ...initialLoopState(), epoch: value }, tensors };
}

Deno.test("averageCheckpoints() takes the element-wise mean and the last loop state", () => {
  const avg = averageCheckpoints([filled(1), filled(2), filled(6)]);
  for (const t of avg.tensors.values()) assert.ok(t.data.every((x) => x === 3));
  assert.equal(avg.loop.epoch, 6);
});

Deno.test("averageCheckpoints() rejects a checkpoint that lacks a parameter", () => {
  const broken = filled(1);
  broken.tensors.delete("out.w");
  assert.throws(() => averageCheckpoints([filled(1), broken]), /has no tensor "out.w"/);
});
