import { assert } from "../../deps/assert.ts";
import { assemble, build, fuseMultiplyAdds, OUTPUT_URL, render, SOURCE_URL } from "./build.ts";
import { wasmKernelBytes } from "./kernels.ts";

Deno.test("_kernels_bytes.ts holds exactly what build.ts assembles from kernels.wat", async () => {
  const built = await build(await Deno.readTextFile(SOURCE_URL));
  const want = render(built);
  const got = await Deno.readTextFile(OUTPUT_URL);
  assert.ok(got === want, "the embedded kernels are stale: run `deno task build:wasm`");
  assert.deepEqual(wasmKernelBytes("simd"), built.simd);
  assert.deepEqual(wasmKernelBytes("relaxed"), built.relaxed);
});

Deno.test("assemble() reports a syntax error in the source", async () => {
  await assert.rejects(
    assemble("(module (func (f32x4.bogus)))", "bad.wat"),
    /Cannot assemble bad.wat/,
  );
});

Deno.test("fuseMultiplyAdds() rewrites multiply-accumulates of simple operands only", () => {
  const src =
    "(f32x4.add (local.get $a) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $w))))\n" +
    "(f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1))";
  const { text, count } = fuseMultiplyAdds(src);
  assert.equal(count, 1);
  assert.equal(
    text.split("\n")[0],
    "(f32x4.relaxed_madd (local.get $s) (v128.load offset=16 (local.get $w)) (local.get $a))",
  );
  assert.equal(text.split("\n")[1], src.split("\n")[1]);
});
