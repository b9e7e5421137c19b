/**
 * The one place training code touches onnxruntime-node: create a session on CPU or CUDA
 * (falling back to CPU with a stated reason when CUDA is not there), run it, and make
 * tensors. The npm package bundles only the CPU provider (and WebGPU); its CUDA provider
 * needs the separate GPU binaries (`npm_config_onnxruntime_node_install=cuda12` at install).
 *
 * @module
 */

import * as ort from "onnxruntime-node";

/** Where a session runs. */
export type Device = "cpu" | "cuda";

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** "cpu" (default) or "cuda" (falls back to CPU with a warning when unavailable). */
  device?: Device;
  /** Intra-op threads; 0 lets onnxruntime choose (one per core). */
  threads?: number;
  /** Called with a human-readable message, e.g. when CUDA falls back to CPU. */
  onWarning?: (message: string) => void;
}

/** A ready session. */
export interface Session {
  /** The device it actually runs on. */
  readonly device: Device;
  /** Why the requested device was not used, when it was not. */
  readonly fallbackReason?: string;
  /** Graph input names in declaration order. */
  readonly inputNames: readonly string[];
  /** Graph output names in declaration order. */
  readonly outputNames: readonly string[];
  /** Runs the graph; fetches `outputs` (all by default). */
  run(feeds: Record<string, ort.Tensor>, outputs?: string[]): Promise<Record<string, ort.Tensor>>;
  /** Frees native memory. */
  release(): Promise<void>;
}

/**
 * Whether onnxruntime-node's CUDA provider library sits next to its binding: false when the
 * package was installed without the GPU binaries; undefined when the location is unknown.
 */
function cudaLibraryPresent(): boolean | undefined {
  const exists = (url: URL) => {
    try {
      Deno.statSync(url);
      return true;
    } catch {
      return false;
    }
  };
  try {
    const dist = new URL(".", import.meta.resolve("onnxruntime-node"));
    const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
    const dir = new URL(`../bin/napi-v6/${Deno.build.os}/${arch}/`, dist);
    if (!exists(dir)) return undefined;
    const lib = Deno.build.os === "windows"
      ? "onnxruntime_providers_cuda.dll"
      : "libonnxruntime_providers_cuda.so";
    return exists(new URL(lib, dir));
  } catch {
    return undefined;
  }
}

function baseOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    enableCpuMemArena: true,
    enableMemPattern: true,
    // Warnings such as "Removing initializer" are noise here; errors still surface as throws.
    logSeverityLevel: 3,
  };
}

function wrap(s: ort.InferenceSession, device: Device, fallbackReason?: string): Session {
  return {
    device,
    fallbackReason,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    run: (feeds, outputs) => outputs ? s.run(feeds, outputs) : s.run(feeds),
    release: () => s.release(),
  };
}

/**
 * Creates an onnxruntime session for ONNX model bytes.
 *
 * @param model ModelProto bytes (from a graph builder)
 * @param opts device, threads, warning sink
 * @returns the session
 * @throws {Error} onnxruntime's own error when the model is invalid
 * @example CPU session
 * ```ts ignore
 * const s = await createSession(bytes);
 * const out = await s.run({ x: f32([1, 2], [2]) });
 * ```
 */
export async function createSession(
  model: Uint8Array,
  opts: SessionOptions = {},
): Promise<Session> {
  const options = baseOptions(opts.threads ?? 0);
  if (opts.device === "cuda") {
    const cuda = ort.listSupportedBackends().find((b) => b.name === "cuda");
    let reason: string;
    if (!cuda) {
      reason = "this onnxruntime-node build has no CUDA execution provider";
    } else if (cudaLibraryPresent() === false) {
      reason = "onnxruntime-node was installed without its CUDA provider library";
    } else {
      try {
        const s = await ort.InferenceSession.create(model, {
          ...options,
          executionProviders: ["cuda", "cpu"],
        });
        return wrap(s, "cuda");
      } catch (e) {
        reason = `the CUDA execution provider failed to start: ${(e as Error).message}`;
      }
    }
    const message = `CUDA requested but unavailable (${reason}); running on CPU instead. ` +
      "Install the GPU build with npm_config_onnxruntime_node_install=cuda12 to use CUDA";
    opts.onWarning?.(message);
    const s = await ort.InferenceSession.create(model, { ...options, executionProviders: ["cpu"] });
    return wrap(s, "cpu", reason);
  }
  const s = await ort.InferenceSession.create(model, { ...options, executionProviders: ["cpu"] });
  return wrap(s, "cpu");
}

/** A float32 tensor. @returns an onnxruntime tensor viewing `data` */
export function f32(data: Float32Array | number[], dims: number[]): ort.Tensor {
  return new ort.Tensor(
    "float32",
    data instanceof Float32Array ? data : Float32Array.from(data),
    dims,
  );
}

/** A float64 tensor. @returns an onnxruntime tensor viewing `data` */
export function f64(data: Float64Array | number[], dims: number[]): ort.Tensor {
  return new ort.Tensor(
    "float64",
    data instanceof Float64Array ? data : Float64Array.from(data),
    dims,
  );
}

/** An int64 tensor from numbers or ids. @returns an onnxruntime tensor */
export function i64(data: ArrayLike<number> | BigInt64Array, dims: number[]): ort.Tensor {
  const arr = data instanceof BigInt64Array
    ? data
    : BigInt64Array.from(Array.from(data as ArrayLike<number>, (v) => BigInt(v)));
  return new ort.Tensor("int64", arr, dims);
}

export { ort };
