/**
 * Measures words per second on WebGPU against the CPU backend at several batch sizes: a greedy
 * loop of a fixed number of steps (every run does the same work), on a model the caller
 * passes or a random model of the default size (d 256, 4 heads, 3+3 layers, dFF 1024).
 * The WebGPU backend is timed twice: reading back the logits each step (what the generic
 * strategies do) and choosing the tokens on the GPU (`stepArgmax`, reading back one id a
 * row). Results name the adapter, marking software adapters such as llvmpipe. Portable: the
 * caller prints the numbers (`deno task bench`).
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import { decodeFixed } from "../bench_cpu.ts";
import { createCpuBackend } from "../cpu_backend.ts";
import type { ModelConfig } from "../model_spec.ts";
import { defaultConfig, randomModel } from "../_test_model.ts";
import { EOS, SOS } from "../vocab.ts";
import { createWebGpuBackend, type WebGpuBackend } from "./backend.ts";

/** One measurement of {@link benchWebGpu}. */
export interface WebGpuBenchResult {
  /** "wasm" or "cpu" for the CPU backend; "webgpu" (logits read back) or "webgpu-argmax". */
  backend: string;
  /** The adapter for WebGPU rows ("… (software)" for CPU fallbacks), else "cpu". */
  device: string;
  /** Words decoded together. */
  batch: number;
  /** Words per second over the timed runs; NaN when skipped. */
  wordsPerSecond: number;
  /** Milliseconds per batch (encoder plus all steps), the median run; NaN when skipped. */
  msPerBatch: number;
  /** Timed runs. */
  runs: number;
  /** Why the measurement was skipped (a run would take too long), if it was. */
  skipped?: string;
}

/** Options of {@link benchWebGpu}. */
export interface WebGpuBenchOptions {
  /** The model (default: a random model of {@link defaultConfig}). */
  model?: { config: ModelConfig; tensors: Map<string, Float32Array> };
  /** Batch sizes (default 1, 64 and 1,024). */
  batches?: number[];
  /** Source positions per word, EOS included (default 12). */
  srcLen?: number;
  /** Decoder steps per word, SOS first (default 12). */
  steps?: number;
  /** Keep timing until this many milliseconds have passed (default 1000; at least one run). */
  minMs?: number;
  /**
   * Skip a measurement whose single run is predicted (from the previous batch size's time
   * per word) to take longer than this (default 120,000 ms): software adapters are slow.
   */
  maxRunMs?: number;
  /** Backends to time (default all three). */
  backends?: ("cpu" | "webgpu" | "webgpu-argmax")[];
  /** A WebGPU device to use (default: one requested from `navigator.gpu`). */
  device?: GPUDevice;
  /** Called after each measurement (to print progress). */
  onResult?: (result: WebGpuBenchResult) => void;
}

/** Random sources of symbols (ids 3 … Vs-1) with EOS last, (batch, srcLen). */
function sources(config: ModelConfig, batch: number, srcLen: number): Int32Array {
  const src = new Int32Array(batch * srcLen);
  const symbols = config.srcVocab.length - 3;
  for (let i = 0; i < src.length; i++) {
    src[i] = i % srcLen === srcLen - 1 ? EOS : 3 + ((i * 7919) % symbols);
  }
  return src;
}

/** The fixed-step greedy loop with tokens chosen on the GPU. */
async function decodeArgmax(
  backend: WebGpuBackend,
  src: Int32Array,
  batch: number,
  srcLen: number,
  steps: number,
): Promise<void> {
  const state = await backend.start(src, batch, srcLen);
  try {
    let tokens: Int32Array = new Int32Array(batch).fill(SOS);
    for (let s = 0; s < steps; s++) tokens = await state.stepArgmax(tokens);
  } finally {
    state.dispose();
  }
}

/**
 * Words per second of the CPU and WebGPU backends at each batch size.
 *
 * @param options The model, batch sizes, timing budget.
 * @returns One result per backend and batch size.
 * @throws {WebGpuError} When WebGPU is unavailable (see `device.ts`).
 * @example Print a table
 * ```ts ignore
 * for (const r of await benchWebGpu()) {
 *   console.log(r.backend, r.device, r.batch, r.wordsPerSecond.toFixed(0));
 * }
 * ```
 */
export async function benchWebGpu(options: WebGpuBenchOptions = {}): Promise<WebGpuBenchResult[]> {
  const {
    batches = [1, 64, 1024],
    srcLen = 12,
    steps = 12,
    minMs = 1000,
    maxRunMs = 120_000,
    backends = ["cpu", "webgpu", "webgpu-argmax"],
  } = options;
  const model = options.model ?? (() => {
    const config = defaultConfig();
    return { config, tensors: randomModel(config, 1) };
  })();
  const { config, tensors } = model;
  const cpu = createCpuBackend(config, tensors);
  const gpu = await createWebGpuBackend(config, tensors, { device: options.device });
  const results: WebGpuBenchResult[] = [];
  try {
    for (const kind of backends) {
      const backend: Backend = kind === "cpu" ? cpu : gpu;
      const device = kind === "cpu" ? "cpu" : gpu.adapter;
      const run = (src: Int32Array, batch: number) =>
        kind === "webgpu-argmax"
          ? decodeArgmax(gpu, src, batch, srcLen, steps)
          : decodeFixed(backend, config, src, batch, srcLen, steps);
      await run(sources(config, 1, srcLen), 1); // warm up: first dispatches, JIT
      let msPerWord = 0;
      for (const batch of batches) {
        const name = kind === "cpu" ? backend.name : kind;
        const predicted = msPerWord * batch;
        if (predicted > maxRunMs) {
          const result: WebGpuBenchResult = {
            backend: name,
            device,
            batch,
            wordsPerSecond: NaN,
            msPerBatch: NaN,
            runs: 0,
            skipped: `a run would take about ${Math.round(predicted / 1000)} s`,
          };
          results.push(result);
          options.onResult?.(result);
          continue;
        }
        const src = sources(config, batch, srcLen);
        const times: number[] = [];
        const start = performance.now();
        do {
          const t = performance.now();
          await run(src, batch);
          times.push(performance.now() - t);
        } while (performance.now() - start < minMs);
        const total = times.reduce((a, b) => a + b, 0);
        times.sort((a, b) => a - b);
        msPerWord = total / times.length / batch;
        const result: WebGpuBenchResult = {
          backend: name,
          device,
          batch,
          wordsPerSecond: (batch * times.length) / (total / 1000),
          msPerBatch: times[times.length >> 1],
          runs: times.length,
        };
        results.push(result);
        options.onResult?.(result);
      }
    }
  } finally {
    gpu.dispose();
  }
  return results;
}
