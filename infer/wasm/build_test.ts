import { assert } from "../../deps/assert.ts";
import { assemble, OUTPUT_URL, render, SOURCE_URL } from "./build.ts";
import { wasmKernelBytes } from "./kernels.ts";

Deno.test("_kernels_bytes.ts holds exactly what build.ts assembles from kernels.wat", async () => {
  const bytes = await assemble(await Deno.readTextFile(SOURCE_URL));
  const want = render(bytes);
  const got = await Deno.readTextFile(OUTPUT_URL);
  assert.ok(got === want, "the embedded kernels are stale: run `deno task build:wasm`");
  assert.deepEqual(wasmKernelBytes(), bytes);
});

Deno.test("assemble() reports a syntax error in the source", async () => {
  await assert.rejects(
    assemble("(module (func (f32x4.bogus)))", "bad.wat"),
    /Cannot assemble bad.wat/,
  );
});
