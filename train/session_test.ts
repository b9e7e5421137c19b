import { assert } from "../deps/assert.ts";
import { Graph } from "./onnx/graph.ts";
import { createSession, f32, ort } from "./session.ts";

function identity(): Uint8Array {
  const g = new Graph("float32");
  const x = g.input("x", "float32", [2]);
  const [y] = g.node("Neg", [x], [{ dtype: "float32", shape: [2] }]);
  g.output(y, "y");
  return g.toModel();
}

Deno.test("createSession() runs on the CPU by default", async () => {
  const s = await createSession(identity());
  assert.equal(s.device, "cpu");
  const out = await s.run({ x: f32([1, -2], [2]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [-1, 2]);
  await s.release();
});

Deno.test("createSession() with device cuda uses CUDA or falls back to the CPU and says why", async () => {
  const warnings: string[] = [];
  const s = await createSession(identity(), { device: "cuda", onWarning: (m) => warnings.push(m) });
  const hasCuda = ort.listSupportedBackends().some((b) => b.name === "cuda" && b.bundled);
  if (s.device === "cpu") {
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /CUDA requested but unavailable .*running on CPU instead/);
    assert.ok(s.fallbackReason);
  } else {
    assert.ok(hasCuda);
    assert.equal(warnings.length, 0);
  }
  const out = await s.run({ x: f32([3, 4], [2]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [-3, -4]);
  await s.release();
});
