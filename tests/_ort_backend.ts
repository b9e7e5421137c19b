/**
 * A {@link Backend} that runs the exported ONNX inference graphs (`train/inference_graphs.ts`:
 * the encoder and one cached decoder step) in onnxruntime-node or onnxruntime-web (its wasm
 * backend), so that the parity suite and `deno task bench` can drive them through the same
 * decoding loops (`infer/greedy.ts`) as our own decoder: answers and timings are like for like.
 *
 * onnxruntime-web in Deno: Deno resolves npm packages with the "node" export condition, so
 * `import "onnxruntime-web"` loads `dist/ort.node.min.mjs`, the Node build, which finds its
 * `ort-wasm-simd-threaded.{mjs,wasm}` next to itself in `node_modules/` (we also point
 * `env.wasm.wasmPaths` there explicitly). With `env.wasm.numThreads = 1` it needs no workers.
 *
 * @module
 */

import type * as OrtTypes from "onnxruntime-node";
import { type Backend, checkStep, type DecoderState } from "../infer/backend.ts";
import type { ModelConfig } from "../infer/model_spec.ts";

/** The onnxruntime API shared by both packages (onnxruntime-common). */
type Ort = typeof OrtTypes;
type Tensor = OrtTypes.Tensor;

/** Which onnxruntime package runs the graphs. */
export type OrtRuntime = "node" | "web";

/** The ONNX inference graphs of one model, as exported (`OUT.encoder.onnx`, `OUT.decoder.onnx`). */
export interface OrtGraphs {
  /** Encoder: `src` int64 (B, S) → `cross_k.{i}`, `cross_v.{i}` (B, S, d). */
  encoder: Uint8Array;
  /** One decoder step with a key/value cache (see `buildDecoderStepGraph`). */
  decoder: Uint8Array;
}

/** Options of {@link createOrtBackend}. */
export interface OrtBackendOptions {
  /** "node" (default): onnxruntime-node on its CPU provider; "web": onnxruntime-web on wasm. */
  runtime?: OrtRuntime;
  /**
   * Intra-op threads (default 1). onnxruntime-web takes its thread count once per process,
   * from the first backend created.
   */
  threads?: number;
}

/** A loaded pair of onnxruntime sessions behaving as a {@link Backend}. */
export interface OrtBackend extends Backend {
  /** Which package runs it. */
  readonly runtime: OrtRuntime;
  /** The package's version, e.g. "1.30.0". */
  readonly version: string;
  /** Frees both sessions; the backend must not be used afterwards. */
  release(): Promise<void>;
}

const loaded = new Map<OrtRuntime, Promise<Ort>>();

async function importWeb(threads: number): Promise<Ort> {
  const ort = await import("onnxruntime-web") as unknown as Ort;
  const env = ort.env as Ort["env"] & { wasm: { numThreads?: number; wasmPaths?: string } };
  env.wasm.numThreads = threads;
  // The directory of the resolved entry (…/onnxruntime-web/dist/), where the wasm files lie.
  env.wasm.wasmPaths = new URL("./", import.meta.resolve("onnxruntime-web")).href;
  return ort;
}

/**
 * Imports one onnxruntime package (once per process).
 *
 * @param runtime Which package.
 * @param threads For "web": the wasm thread count, fixed at the first import.
 * @returns Its module.
 */
export function loadOrt(runtime: OrtRuntime, threads = 1): Promise<Ort> {
  let m = loaded.get(runtime);
  if (!m) {
    m = runtime === "web" ? importWeb(threads) : import("onnxruntime-node");
    loaded.set(runtime, m);
  }
  return m;
}

/**
 * The version of an onnxruntime package, as the package reports it.
 *
 * @param runtime Which package.
 * @returns e.g. "1.30.0".
 */
export async function ortVersion(runtime: OrtRuntime): Promise<string> {
  const ort = await loadOrt(runtime);
  const v = ort.env.versions as Record<string, string | undefined>;
  return v[runtime] ?? v.common ?? "unknown";
}

function sessionOptions(
  runtime: OrtRuntime,
  threads: number,
): OrtTypes.InferenceSession.SessionOptions {
  return {
    executionProviders: [runtime === "web" ? "wasm" : "cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    // "Removing initializer" warnings are noise; errors still throw.
    logSeverityLevel: 3,
  };
}

/** Rows `from` of a row-major (rows, ...) array; `width` values per row. */
function gather<T extends Float32Array | BigInt64Array>(
  data: T,
  width: number,
  from: Int32Array,
  make: (n: number) => T,
): T {
  const out = make(from.length * width);
  for (let i = 0; i < from.length; i++) {
    // Both array types share set/subarray; TypeScript cannot see that through the union.
    (out as Float32Array).set(
      data.subarray(from[i] * width, (from[i] + 1) * width) as Float32Array,
      i * width,
    );
  }
  return out;
}

/**
 * Loads the inference graphs into onnxruntime and wraps them as a {@link Backend}.
 *
 * @param config The model's config (for its sizes).
 * @param graphs The encoder and decoder-step ONNX bytes.
 * @param options Which package and how many threads.
 * @returns The backend; its name is "onnxruntime-node" or "onnxruntime-web".
 * @throws {RangeError} When `threads` is not a positive integer.
 * @throws {Error} onnxruntime's own error when a graph does not load.
 * @example Greedy decoding with onnxruntime-web
 * ```ts ignore
 * const backend = await createOrtBackend(config, {
 *   encoder: buildEncoderGraph(config, tensors),
 *   decoder: buildDecoderStepGraph(config, tensors),
 * }, { runtime: "web" });
 * const [out] = await greedy(backend, [Int32Array.of(5, 6, EOS)], { maxLength: 8 });
 * await backend.release();
 * ```
 */
export async function createOrtBackend(
  config: ModelConfig,
  graphs: OrtGraphs,
  options: OrtBackendOptions = {},
): Promise<OrtBackend> {
  const { runtime = "node", threads = 1 } = options;
  if (runtime !== "node" && runtime !== "web") {
    throw new RangeError(`Cannot create backend: unknown runtime "${runtime}"; use node or web`);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(
      `Cannot create backend: threads must be a positive integer, got ${threads}`,
    );
  }
  const ort = await loadOrt(runtime, threads);
  const opts = sessionOptions(runtime, threads);
  const encoder = await ort.InferenceSession.create(graphs.encoder, opts);
  const decoder = await ort.InferenceSession.create(graphs.decoder, opts);
  const version = await ortVersion(runtime);
  return {
    name: `onnxruntime-${runtime}`,
    runtime,
    version,
    async start(src, rows, srcLen) {
      if (src.length !== rows * srcLen || rows < 1 || srcLen < 1) {
        throw new RangeError(
          `Cannot start decoding: ${src.length} source ids given for ${rows} rows of ${srcLen}`,
        );
      }
      const ids = new ort.Tensor("int64", BigInt64Array.from(src, BigInt), [rows, srcLen]);
      const cross = await encoder.run({ src: ids });
      return startState(ort, config, decoder, ids, cross, rows);
    },
    async release() {
      await encoder.release();
      await decoder.release();
    },
  };
}

function startState(
  ort: Ort,
  config: ModelConfig,
  decoder: OrtTypes.InferenceSession,
  src0: Tensor,
  cross0: Record<string, Tensor>,
  rows0: number,
): DecoderState {
  const d = config.dModel;
  const L = config.decLayers;
  const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor("float32", data, dims);
  let rows = rows0;
  let pos = 0;
  let disposed = false;
  // Everything the step graph reads besides the token and position, batch-major.
  let feeds: Record<string, Tensor> = { src: src0 };
  for (let i = 0; i < L; i++) {
    for (const kv of ["k", "v"]) {
      feeds[`cross_${kv}.${i}`] = cross0[`cross_${kv}.${i}`];
      feeds[`self_${kv}.${i}`] = f32(new Float32Array(0), [rows, 0, d]); // (B, 0, d)
    }
  }
  const alive = () => {
    if (disposed) throw new TypeError("Cannot use a decoder state after dispose()");
  };
  return {
    get rows() {
      return rows;
    },
    async step(tokens) {
      alive();
      checkStep(tokens, rows, pos, config.maxTgtLen);
      const out = await decoder.run({
        ...feeds,
        token: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [rows]),
        pos: new ort.Tensor("int64", BigInt64Array.of(BigInt(pos)), []),
      });
      for (let i = 0; i < L; i++) {
        feeds[`self_k.${i}`] = out[`new_self_k.${i}`]; // (B, P+1, d)
        feeds[`self_v.${i}`] = out[`new_self_v.${i}`];
      }
      pos++;
      return out.logits.data as Float32Array; // (B, Vt)
    },
    select(from) {
      try {
        alive();
        if (from.length < 1) throw new RangeError("Cannot select rows: none given");
        for (const r of from) {
          if (!(r >= 0 && r < rows)) {
            throw new RangeError(`Cannot select rows: row ${r} is outside 0..${rows - 1}`);
          }
        }
        const next: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(feeds)) {
          const [, ...rest] = t.dims;
          const width = rest.reduce((a, b) => a * b, 1);
          next[name] = t.type === "int64"
            ? new ort.Tensor(
              "int64",
              gather(t.data as BigInt64Array, width, from, (n) => new BigInt64Array(n)),
              [from.length, ...rest],
            )
            : f32(
              gather(t.data as Float32Array, width, from, (n) => new Float32Array(n)),
              [from.length, ...rest],
            );
        }
        feeds = next;
        rows = from.length;
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    },
    crossAttention() {
      return Promise.reject(
        new TypeError(
          "Cannot read cross-attention from the ONNX graphs: they do not output it; " +
            "use the CPU or WebGPU backend",
        ),
      );
    },
    dispose() {
      disposed = true;
      feeds = {};
    },
  };
}
