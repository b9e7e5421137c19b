/**
 * Whether this machine can run the WebGPU tests, decided once per test process. Tests pass
 * `ignore: !webgpu.available`, and this module prints why they are ignored (deno test only
 * says "ignored"). With `E2K_REQUIRE_WEBGPU=1` (CI, where the software adapter's packages are
 * installed), a missing adapter fails the run instead of skipping it.
 *
 * @module
 */

import { defaultGpu, describeAdapter } from "../infer/webgpu/device.ts";

/** What the probe found. */
export interface GpuProbe {
  /** True when an adapter was found. */
  available: boolean;
  /** The adapter's label ("… (software)" for CPU fallbacks), or why there is none. */
  adapter: string;
  /** True for software adapters (llvmpipe, lavapipe, SwiftShader): slow, so tests go small. */
  software: boolean;
}

async function probe(): Promise<GpuProbe> {
  const gpu = defaultGpu();
  if (!gpu) {
    return {
      available: false,
      adapter: "navigator.gpu is missing (run deno test with --unstable-webgpu)",
      software: false,
    };
  }
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      return {
        available: false,
        adapter: "no WebGPU adapter (on Debian install mesa-vulkan-drivers and libvulkan1)",
        software: false,
      };
    }
    const label = describeAdapter(adapter.info);
    return { available: true, adapter: label, software: label.endsWith("(software)") };
  } catch (e) {
    return { available: false, adapter: `requestAdapter() failed: ${e}`, software: false };
  }
}

/** The probe's result for this process. */
export const webgpu: GpuProbe = await probe();

if (!webgpu.available) {
  if (Deno.env.get("E2K_REQUIRE_WEBGPU") === "1") {
    throw new Error(`E2K_REQUIRE_WEBGPU=1 but WebGPU is unusable: ${webgpu.adapter}`);
  }
  console.error(`WebGPU tests ignored: ${webgpu.adapter}`);
}

/**
 * Waits for `work` at most `ms` milliseconds, so that a hang fails the test instead of
 * stalling the suite.
 *
 * @param work The promise.
 * @param ms The limit.
 * @param what What is awaited, for the message.
 * @returns What `work` resolves to.
 * @throws {Error} When the limit passes first.
 */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
