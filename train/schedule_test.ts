import { assert } from "../deps/assert.ts";
import { learningRate } from "./schedule.ts";

const s = { peak: 1e-3, warmupEpochs: 1, gamma: 0.5, minLr: 1e-5, stepsPerEpoch: 100 };
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15, `${a} != ${b}`);

Deno.test("learningRate() warms up linearly to the peak", () => {
  close(learningRate(1, s), 1e-5);
  close(learningRate(50, s), 5e-4);
  close(learningRate(100, s), 1e-3);
});

Deno.test("learningRate() decays by gamma per epoch after warm-up, down to the floor", () => {
  close(learningRate(150, s), 1e-3 * Math.SQRT1_2);
  close(learningRate(200, s), 5e-4);
  close(learningRate(300, s), 2.5e-4);
  close(learningRate(100_000, s), 1e-5);
});

Deno.test("learningRate() starts at the peak without warm-up", () => {
  close(learningRate(1, { ...s, warmupEpochs: 0 }), 1e-3 * 0.5 ** 0.01);
});

Deno.test("learningRate() rejects step 0 and an empty epoch", () => {
  assert.throws(() => learningRate(0, s), RangeError);
  assert.throws(() => learningRate(1, { ...s, stepsPerEpoch: 0 }), RangeError);
});
