import { assert } from "../deps/assert.ts";
import { createCpuBackend } from "./cpu_backend.ts";
import { crc32, crc32Hex } from "./crc32.ts";
import { fromHalf, halvesToFloats, toHalf } from "./float16.ts";
import { readModel, type WeightDType, writeModel } from "./model_file.ts";
import { META_KEY, type ModelConfig, tensorSpecs } from "./model_spec.ts";
import { randomModel, tinyConfig, tinyP2kConfig } from "./_test_model.ts";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
import { EOS, SOS } from "./vocab.ts";

const config = tinyConfig();
const tensors = randomModel(config, 11);

async function greedyLogits(c: ModelConfig, t: Map<string, Float32Array>): Promise<Float32Array> {
  const state = await createCpuBackend(c, t, { kernels: "ts" }).start(
    new Int32Array([5, 6, 7, 8, EOS, 0, 9, 10, EOS, 0, 0, 0]),
    2,
    6,
  );
  const all: number[] = [];
  let tokens = new Int32Array([SOS, SOS]);
  for (let p = 0; p < 5; p++) {
    const logits = await state.step(tokens);
    all.push(...logits);
    tokens = new Int32Array([10 + p, 20 + p]);
  }
  state.dispose();
  return new Float32Array(all);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("crc32() matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32Hex(new Uint8Array(0)), "00000000");
});

Deno.test("toHalf() and fromHalf() round to nearest even and keep specials", () => {
  for (const x of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -0.1]) {
    assert.ok(Math.abs(fromHalf(toHalf(x)) - x) <= Math.abs(x) * 2 ** -11, `${x}`);
  }
  assert.equal(toHalf(1 + 2 ** -11), toHalf(1)); // tie to even (down)
  assert.equal(toHalf(1 + 3 * 2 ** -11), toHalf(1 + 2 ** -9)); // tie to even (up)
  assert.equal(fromHalf(toHalf(1e6)), Infinity);
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  assert.equal(fromHalf(toHalf(2 ** -26)), 0);
  assert.equal(fromHalf(toHalf(2 ** -24)), 2 ** -24);
});

// Tolerances on the logits of the tiny random model (values about ±3): f16 keeps 11 bits per
// weight, int8 7 bits of each row's largest weight.
const TOLERANCE: Record<WeightDType, number> = { F32: 1e-5, F16: 5e-3, I8: 8e-2 };

for (const dtype of ["F32", "F16", "I8"] as const) {
  Deno.test(`writeModel(${dtype}) → readModel() keeps the logits within ${TOLERANCE[dtype]}`, async () => {
    const bytes = writeModel(config, tensors, { dtype, info: { run: "test" } });
    const model = readModel(bytes);
    assert.equal(model.dtype, dtype);
    assert.deepEqual(model.config, config);
    assert.deepEqual(model.meta.info, { run: "test" });
    assert.deepEqual([...model.tensors.keys()], tensorSpecs(config).map((s) => s.name));
    const want = await greedyLogits(config, tensors);
    const got = await greedyLogits(model.config, model.tensors);
    const diff = maxDiff(got, want);
    assert.ok(diff <= TOLERANCE[dtype], `max logit difference ${diff}`);
    if (dtype === "F32") assert.ok(diff === 0, "f32 files are exact");
  });
}

Deno.test("writeModel() makes F16 files about half and I8 files about a quarter of F32", () => {
  const c = tinyConfig({ dModel: 64, dFF: 256 });
  const t = randomModel(c, 1);
  const f32 = writeModel(c, t, { dtype: "F32" }).length;
  const f16 = writeModel(c, t).length;
  const i8 = writeModel(c, t, { dtype: "I8" }).length;
  assert.ok(f16 < f32 * 0.55 && i8 < f32 * 0.3, `${f32} ${f16} ${i8}`);
});

Deno.test("readModel() reads a P2K model with its own vocabulary", () => {
  const c = tinyP2kConfig();
  const model = readModel(writeModel(c, randomModel(c, 2), { dtype: "I8" }));
  assert.equal(model.config.task, "p2k");
  assert.deepEqual(model.config.srcVocab, c.srcVocab);
});

/** Re-encodes a valid file with its metadata or tensors changed. */
function tamper(
  edit: (meta: Record<string, unknown>, t: ReturnType<typeof decodeSafetensors>["tensors"]) => void,
): Uint8Array {
  return rewrite(writeModel(config, tensors, { dtype: "F32" }), edit);
}

/** Re-encodes a file with an edit, with the checksum of its new payload. */
function rewrite(
  bytes: Uint8Array,
  edit: (meta: Record<string, unknown>, t: ReturnType<typeof decodeSafetensors>["tensors"]) => void,
): Uint8Array {
  const file = decodeSafetensors(bytes);
  const meta = JSON.parse(file.metadata[META_KEY]);
  edit(meta, file.tensors);
  const draft = encodeSafetensors(file.tensors, {});
  const head = Number(new DataView(draft.buffer).getBigUint64(0, true));
  meta.crc32 = crc32Hex(draft.subarray(8 + head));
  return encodeSafetensors(file.tensors, { [META_KEY]: JSON.stringify(meta) });
}

Deno.test("readModel() rejects files that are not e2k models", () => {
  assert.throws(() => readModel(new Uint8Array(3)), SyntaxError);
  assert.throws(() => readModel(new TextEncoder().encode("PK\x03\x04 a zip file")), SyntaxError);
  const plain = encodeSafetensors(new Map(), { other: "x" });
  assert.throws(() => readModel(plain), /no "e2k" entry in the metadata/);
  const notJson = encodeSafetensors(new Map(), { [META_KEY]: "{oops" });
  assert.throws(() => readModel(notJson), /metadata is not valid JSON/);
  assert.throws(
    () => readModel(tamper((m) => (m.format = "gguf"))),
    /format is "gguf", expected "e2k-model"/,
  );
});

Deno.test("readModel() rejects another format version", () => {
  assert.throws(
    () => readModel(tamper((m) => (m.version = 2))),
    /format version 2 is not supported/,
  );
});

Deno.test("readModel() rejects a truncated file", () => {
  const bytes = writeModel(config, tensors);
  assert.throws(() => readModel(bytes.subarray(0, bytes.length - 100)), /truncated/);
  assert.throws(() => readModel(bytes.subarray(0, 40)), /truncated/);
});

Deno.test("readModel() rejects a corrupted payload by its checksum", () => {
  const bytes = writeModel(config, tensors).slice();
  bytes[bytes.length - 10] ^= 0x40;
  assert.throws(() => readModel(bytes), /checksum mismatch/);
});

Deno.test("readModel() rejects a missing or extra tensor", () => {
  assert.throws(
    () => readModel(tamper((_, t) => t.delete("dec.1.ln3.g"))),
    /tensor "dec.1.ln3.g" is missing/,
  );
  assert.throws(
    () =>
      readModel(
        tamper((_, t) => t.set("extra", { dtype: "F32", shape: [1], data: new Uint8Array(4) })),
      ),
    /tensor "extra" is not part of this config/,
  );
});

Deno.test("readModel() rejects a shape that disagrees with the config", () => {
  // A config claiming one more source position than src_pos holds.
  assert.throws(
    () => readModel(tamper((m) => ((m.config as ModelConfig).maxSrcLen = 13))),
    /tensor "src_pos" has shape \[12,16\], the config needs \[13,16\]/,
  );
});

Deno.test("readModel() rejects an invalid config and an int8 tensor without scales", () => {
  assert.throws(() => readModel(tamper((m) => ((m.config as ModelConfig).heads = 3))), RangeError);
  const bytes = rewrite(
    writeModel(config, tensors, { dtype: "I8" }),
    (_, t) => t.delete("out.w.scale"),
  );
  assert.throws(() => readModel(bytes), /needs an F32 tensor "out.w.scale"/);
});

Deno.test("writeModel() rejects missing, extra and mis-sized tensors", () => {
  const missing = new Map(tensors);
  missing.delete("out.w");
  assert.throws(() => writeModel(config, missing), /tensor "out.w" is missing/);
  const extra = new Map(tensors).set("adam.m", new Float32Array(1));
  assert.throws(() => writeModel(config, extra), /"adam.m" is not part of this config/);
  const short = new Map(tensors).set("out.b", new Float32Array(3));
  assert.throws(() => writeModel(config, short), /"out.b" has 3 values/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => writeModel(config, tensors, { dtype: "BF16" as any }), /unknown dtype/);
});

Deno.test("halvesToFloats() agrees with fromHalf() on every 16-bit pattern", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const out = halvesToFloats(all, new Float32Array(65536));
  for (let h = 0; h < 65536; h++) {
    const want = fromHalf(h);
    assert.ok(
      Object.is(out[h], Math.fround(want)) || (Number.isNaN(want) && Number.isNaN(out[h])),
      `${h}`,
    );
  }
});

Deno.test("crc32() agrees with a bytewise reference at every length and alignment", () => {
  const bytewise = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const data = new Uint8Array(41).map((_, i) => (i * 37 + 11) & 0xff);
  for (let start = 0; start < 4; start++) {
    for (let end = start; end <= data.length; end++) {
      assert.equal(crc32(data.subarray(start, end)), bytewise(data.subarray(start, end)));
    }
  }
});
