import { assert } from "../deps/assert.ts";
import { encodeSafetensors } from "../infer/safetensors.ts";
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  initialLoopState,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
import { DEFAULTS } from "./config.ts";

function sample(): Checkpoint {
  return {
    config: { ...DEFAULTS, dModel: 8 },
    loop: { ...initialLoopState(), epoch: 2, batch: 7, step: 99, seconds: 12.5 },
    tensors: new Map([
      ["w", { data: Float32Array.of(1, -2.5, 3e-8, Math.PI), dims: [2, 2] }],
      ["m.w", { data: new Float32Array(4), dims: [2, 2] }],
      ["task_s", { data: Float32Array.of(0.25), dims: [1] }],
    ]),
  };
}

Deno.test("encodeCheckpoint() round-trips tensors, config and loop state exactly", () => {
  const a = sample();
  const b = decodeCheckpoint(encodeCheckpoint(a));
  assert.deepEqual(b.config, a.config);
  assert.deepEqual(b.loop, a.loop); // bestLoss Infinity survives JSON as null
  assert.deepEqual([...b.tensors.keys()], ["w", "m.w", "task_s"]);
  for (const [name, t] of a.tensors) {
    assert.deepEqual(b.tensors.get(name)!.data, t.data);
    assert.deepEqual([...b.tensors.get(name)!.dims], [...t.dims]);
  }
});

Deno.test("decodeCheckpoint() rejects a model file and a foreign version", () => {
  const plain = encodeSafetensors(new Map(), { e2k: "{}" });
  assert.throws(() => decodeCheckpoint(plain, "m.safetensors"), /no "e2k-train" metadata/);
  const other = encodeSafetensors(new Map(), {
    "e2k-train": JSON.stringify({ format: "e2k-checkpoint", version: 99 }),
  });
  assert.throws(
    () => decodeCheckpoint(other, "x"),
    /version 99, expected e2k-checkpoint version 1/,
  );
});

Deno.test("saveCheckpoint() replaces the file atomically and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/checkpoint.safetensors`;
    await saveCheckpoint(path, sample());
    const next = sample();
    next.loop.step = 100;
    await saveCheckpoint(path, next);
    assert.equal((await loadCheckpoint(path)).loop.step, 100);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["checkpoint.safetensors"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
