import { assert } from "../../deps/assert.ts";
import { createSession, f32, i64 } from "../session.ts";
import { encodeModel } from "./proto.ts";

Deno.test("encodeModel() writes a model that onnxruntime loads, with every attribute kind", async () => {
  // y = Transpose(LeakyRelu(x, alpha) + c)[perm 1,0]; z = Cast(argmax over axis -1) ; w = Gather.
  const c = new Float32Array([10, 20, 30]);
  const bytes = encodeModel({
    opset: 18,
    nodes: [
      {
        op: "LeakyRelu",
        inputs: ["x"],
        outputs: ["a"],
        attrs: { alpha: { kind: "float", value: 0.5 } },
      },
      {
        op: "Constant",
        inputs: [],
        outputs: ["c"],
        attrs: {
          value: {
            kind: "tensor",
            value: { name: "c", dtype: "float32", dims: [3], raw: new Uint8Array(c.buffer) },
          },
        },
      },
      { op: "Add", inputs: ["a", "c"], outputs: ["b"], attrs: {} },
      {
        op: "Transpose",
        inputs: ["b"],
        outputs: ["y"],
        attrs: { perm: { kind: "ints", value: [1, 0] } },
      },
      {
        op: "ArgMax",
        inputs: ["x"],
        outputs: ["z"],
        attrs: { axis: { kind: "int", value: -1 }, keepdims: { kind: "int", value: 0 } },
      },
      { op: "Gather", inputs: ["table", "ids"], outputs: ["w"], attrs: {} },
    ],
    inputs: [
      { name: "x", dtype: "float32", shape: ["N", 3] },
      { name: "ids", dtype: "int64", shape: [2] },
    ],
    outputs: [
      { name: "y", dtype: "float32", shape: [3, "N"] },
      { name: "z", dtype: "int64", shape: ["N"] },
      { name: "w", dtype: "float32", shape: [2] },
    ],
    initializers: [{
      name: "table",
      dtype: "float32",
      dims: [4],
      raw: new Uint8Array(new Float32Array([0.5, 1.5, 2.5, 3.5]).buffer),
    }],
  });
  const s = await createSession(bytes, { threads: 1 });
  const out = await s.run({ x: f32([-2, 1, 4, 3, -6, 0], [2, 3]), ids: i64([3, 0], [2]) });
  await s.release();
  assert.deepEqual(out.y.dims, [3, 2]);
  assert.deepEqual(Array.from(out.y.data as Float32Array), [9, 13, 21, 17, 34, 30]);
  assert.deepEqual(Array.from(out.z.data as BigInt64Array), [2n, 0n]);
  assert.deepEqual(Array.from(out.w.data as Float32Array), [3.5, 0.5]);
});
