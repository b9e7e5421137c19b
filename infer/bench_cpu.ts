/**
 * Measures the CPU backend: words per second at a batch size (a greedy loop of a fixed number of
 * steps on a random model of the default size), and the cost of loading a model. Portable: the
 * caller passes a memory probe where the runtime has one (`Deno.memoryUsage`), and
 * `deno task bench` prints the numbers.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { createCpuBackend } from "./cpu_backend.ts";
import { readModel } from "./model_file.ts";
import type { ModelConfig } from "./model_spec.ts";
import { defaultConfig, randomModel } from "./_test_model.ts";
import { EOS, SOS } from "./vocab.ts";

/** One measurement of {@link benchDecode}. */
export interface DecodeBenchResult {
  /** The backend's name ("wasm", "cpu"). */
  backend: string;
  /** Words decoded together. */
  batch: number;
  /** Words per second over the timed runs. */
  wordsPerSecond: number;
  /** Milliseconds per batch (encoder plus all steps), the median run. */
  msPerBatch: number;
  /** Timed runs. */
  runs: number;
  /** How the backend held its matrices, where {@link benchCpu} set it ("f32", "i8"). */
  weights?: string;
}

/** Options of {@link benchDecode}. */
export interface DecodeBenchOptions {
  /** Source positions per word, EOS included (default 12). */
  srcLen?: number;
  /** Decoder steps per word, SOS first (default 12). */
  steps?: number;
  /** Keep timing until this many milliseconds have passed (default 1000). */
  minMs?: number;
  /** Untimed runs first, to warm the JIT (default 2). */
  warmup?: number;
  /**
   * Milliseconds now (default `performance.now`). Pass the process's CPU time (e.g. from
   * `process.cpuUsage()`) to measure on a machine that other work shares.
   */
  clock?: () => number;
}

/** Picks the most likely token of each row. */
function argmax(logits: Float32Array, rows: number, vt: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < vt; j++) if (logits[r * vt + j] > logits[r * vt + best]) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Runs one batch greedily for a fixed number of steps (no early stop, so every run does the
 * same work).
 *
 * @param backend The backend.
 * @param config The model's config (for the vocabulary size).
 * @param src (batch, srcLen) source ids.
 * @param batch Words.
 * @param srcLen Positions per word.
 * @param steps Decoder steps.
 */
export async function decodeFixed(
  backend: Backend,
  config: ModelConfig,
  src: Int32Array,
  batch: number,
  srcLen: number,
  steps: number,
): Promise<void> {
  const state = await backend.start(src, batch, srcLen);
  try {
    let tokens: Int32Array = new Int32Array(batch).fill(SOS);
    for (let s = 0; s < steps; s++) {
      tokens = argmax(await state.step(tokens), batch, config.tgtVocab.length);
    }
  } finally {
    state.dispose();
  }
}

/** Random sources of symbols (ids 3 … Vs-1) with EOS last. */
function sources(config: ModelConfig, batch: number, srcLen: number): Int32Array {
  const src = new Int32Array(batch * srcLen);
  const symbols = config.srcVocab.length - 3;
  for (let i = 0; i < src.length; i++) {
    src[i] = i % srcLen === srcLen - 1 ? EOS : 3 + ((i * 7919) % symbols);
  }
  return src;
}

/**
 * Measures words per second of a backend at one batch size.
 *
 * @param backend The backend to time.
 * @param config Its model's config.
 * @param batch Words per batch.
 * @param options Source length, steps, timing budget.
 * @returns The measurement.
 * @example Timing the WASM kernels at batch 64
 * ```ts ignore
 * const config = defaultConfig();
 * const backend = createCpuBackend(config, randomModel(config, 1));
 * const r = await benchDecode(backend, config, 64);
 * console.log(`${r.wordsPerSecond.toFixed(0)} words/s`);
 * ```
 */
export async function benchDecode(
  backend: Backend,
  config: ModelConfig,
  batch: number,
  options: DecodeBenchOptions = {},
): Promise<DecodeBenchResult> {
  const { srcLen = 12, steps = 12, minMs = 1000, warmup = 2, clock = () => performance.now() } =
    options;
  const src = sources(config, batch, srcLen);
  for (let i = 0; i < warmup; i++) await decodeFixed(backend, config, src, batch, srcLen, steps);
  const times: number[] = [];
  const start = clock();
  while (clock() - start < minMs || times.length < 3) {
    const t = clock();
    await decodeFixed(backend, config, src, batch, srcLen, steps);
    times.push(clock() - t);
  }
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  return {
    backend: backend.name,
    batch,
    wordsPerSecond: (batch * times.length) / (total / 1000),
    msPerBatch: times[times.length >> 1],
    runs: times.length,
  };
}

/** Options of {@link benchCpu}. */
export interface CpuBenchOptions extends DecodeBenchOptions {
  /** Kernel sets to compare (default both). */
  kernels?: ("wasm" | "ts")[];
  /** Weight storage to compare (default f32 only). */
  weights?: ("f32" | "i8")[];
  /** Batch sizes (default 1 and 64). */
  batches?: number[];
  /** The model (default: {@link defaultConfig}, d 256, 4 heads, 3+3 layers, dFF 1024). */
  config?: ModelConfig;
}

/**
 * Words per second of the CPU backend with each kernel set at each batch size, on a random
 * model of the default size.
 *
 * @param options What to compare.
 * @returns One result per kernel set and batch size.
 */
export async function benchCpu(options: CpuBenchOptions = {}): Promise<DecodeBenchResult[]> {
  const {
    kernels = ["wasm", "ts"],
    weights = ["f32"],
    batches = [1, 64],
    config = defaultConfig(),
  } = options;
  const tensors = randomModel(config, 1);
  const results: DecodeBenchResult[] = [];
  for (const k of kernels) {
    for (const w of weights) {
      const backend = createCpuBackend(config, tensors, { kernels: k, weights: w });
      for (const batch of batches) {
        results.push({ ...(await benchDecode(backend, config, batch, options)), weights: w });
      }
    }
  }
  return results;
}

/** What {@link measureLoad} reports. */
export interface LoadReport {
  /** The backend's name. */
  backend: string;
  /** Milliseconds to read and validate the file (checksum, dequantisation). */
  readMs: number;
  /** Milliseconds from the file read to the first word decoded (backend, weights, one word). */
  firstWordMs: number;
  /** Bytes of the file. */
  fileBytes: number;
  /** Bytes of the weights as f32. */
  weightBytes: number;
  /** Bytes in use in the backend's kernel memory after the first word (weights, scratch). */
  backendBytes: number;
  /** Growth of the process's memory while loading, where a probe was given. */
  memoryBytes?: number;
}

/**
 * Measures loading a model file and decoding its first word: the in-process part of a cold
 * start (add the module import time, measured from a fresh process, for the whole).
 *
 * @param bytes The model file.
 * @param options Kernels, weight storage, the steps of the first word, and a memory probe
 *   (bytes in use by the process, e.g. `() => Deno.memoryUsage().rss`).
 * @returns Times and sizes.
 */
export async function measureLoad(
  bytes: Uint8Array,
  options: {
    kernels?: "wasm" | "ts";
    weights?: "f32" | "i8";
    steps?: number;
    memory?: () => number;
  } = {},
): Promise<LoadReport> {
  const { kernels = "wasm", weights = "f32", steps = 12, memory } = options;
  const before = memory?.();
  const t0 = performance.now();
  const model = readModel(bytes);
  const t1 = performance.now();
  const backend = createCpuBackend(model.config, model.tensors, { kernels, weights });
  const srcLen = Math.min(8, model.config.maxSrcLen);
  const src = sources(model.config, 1, srcLen);
  await decodeFixed(backend, model.config, src, 1, srcLen, Math.min(steps, model.config.maxTgtLen));
  const t2 = performance.now();
  let weightBytes = 0;
  for (const t of model.tensors.values()) weightBytes += t.length * 4;
  const backendBytes = backend.memoryBytes();
  return {
    backend: backend.name,
    readMs: t1 - t0,
    firstWordMs: t2 - t1,
    fileBytes: bytes.length,
    weightBytes,
    backendBytes,
    ...(memory && before !== undefined ? { memoryBytes: memory() - before } : {}),
  };
}
