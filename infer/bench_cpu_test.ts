import { assert } from "../deps/assert.ts";
import { benchCpu, measureLoad } from "./bench_cpu.ts";
import { writeModel } from "./model_file.ts";
import { randomModel, tinyConfig } from "./_test_model.ts";

Deno.test("benchCpu() measures words per second for each kernel set and batch size", async () => {
  const results = await benchCpu({
    config: tinyConfig(),
    batches: [1, 3],
    srcLen: 5,
    steps: 4,
    minMs: 5,
    warmup: 1,
  });
  assert.deepEqual(results.map((r) => [r.backend, r.batch]), [
    ["wasm", 1],
    ["wasm", 3],
    ["cpu", 1],
    [
      "cpu",
      3,
    ],
  ]);
  for (const r of results) {
    assert.ok(r.runs >= 3 && r.wordsPerSecond > 0 && r.msPerBatch > 0, JSON.stringify(r));
  }
});

Deno.test("measureLoad() reports read and first-word times and the memory held", async () => {
  const config = tinyConfig();
  const bytes = writeModel(config, randomModel(config, 1));
  let probe = 1000;
  const report = await measureLoad(bytes, { memory: () => (probe += 500) });
  assert.equal(report.backend, "wasm");
  assert.equal(report.fileBytes, bytes.length);
  const params = [...randomModel(config, 1).values()].reduce((a, t) => a + t.length, 0);
  assert.equal(report.weightBytes, params * 4);
  assert.ok(report.backendBytes >= report.weightBytes, JSON.stringify(report));
  assert.equal(report.memoryBytes, 500);
  assert.ok(report.readMs >= 0 && report.firstWordMs > 0);
});
