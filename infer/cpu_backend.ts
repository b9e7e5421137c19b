/**
 * The CPU backend: the forward pass of `forward.ts` on the WASM SIMD kernels, or on the plain
 * TypeScript kernels where WebAssembly SIMD is unavailable (or when asked for).
 *
 * @module
 */

import { type Backend, checkStep, type DecoderState } from "./backend.ts";
import {
  decodeStep,
  encode,
  gatherRows,
  layoutEncoderState,
  layoutRunState,
  layoutWeights,
  type RunState,
  type Weights,
} from "./forward.ts";
import { Carver, measure } from "./heap.ts";
import { createTsKernels, type Kernels } from "./kernels.ts";
import { type ModelConfig, tensorSpecs, validateConfig } from "./model_spec.ts";
import { createWasmKernels, wasmSimdSupported } from "./wasm/kernels.ts";

/** Options of {@link createCpuBackend}. */
export interface CpuBackendOptions {
  /**
   * "wasm" (default): WebAssembly SIMD kernels, falling back to "ts" where unsupported;
   * "ts": the plain TypeScript reference kernels.
   */
  kernels?: "wasm" | "ts";
  /**
   * How the matrices are held: "f32" (default) as given; "i8" quantised per input row as in I8
   * model files (exactly the file's values for an I8 model), a quarter of the memory and of
   * the memory traffic that bounds small batches, at the cost of int8 rounding for other files.
   */
  weights?: "f32" | "i8";
}

/** A {@link Backend} on the CPU, with a way to load ahead of use and to see its memory. */
export interface CpuBackend extends Backend {
  /** Copies the weights into the kernels' memory now; `start()` otherwise does it on first use. */
  ready(): Promise<void>;
  /**
   * Bytes in use in the backend's kernel memory (weights and live decoder states); 0 before
   * load. The memory itself is this plus up to 1/16 of slack.
   */
  memoryBytes(): number;
}

/** The weights in a kernel heap, re-viewed whenever the heap grows. */
interface Loaded {
  k: Kernels;
  weights(): Weights;
}

function checkTensors(config: ModelConfig, tensors: Map<string, Float32Array>): void {
  for (const s of tensorSpecs(config)) {
    const t = tensors.get(s.name);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (!t) throw new RangeError(`Cannot create backend: tensor "${s.name}" is missing`);
    if (t.length !== n) {
      throw new RangeError(
        `Cannot create backend: tensor "${s.name}" has ${t.length} values, shape [${s.shape}] needs ${n}`,
      );
    }
  }
}

async function load(
  config: ModelConfig,
  tensors: Map<string, Float32Array>,
  useWasm: boolean,
  int8: boolean,
): Promise<Loaded> {
  const k: Kernels = (useWasm ? await createWasmKernels() : null) ?? createTsKernels();
  const layout = (c: Carver) => layoutWeights(c, config, k, int8);
  const at = k.heap.alloc(measure(layout));
  let f32 = k.heap.f32();
  let bound = layout(new Carver(f32, at));
  const shapes = new Map(tensorSpecs(config).map((s) => [s.name, s.shape]));
  for (const [name, view] of bound.byName) {
    if (name.endsWith(".scale")) continue; // filled by packI8 with its matrix
    const [n, d] = shapes.get(name)!;
    const t = tensors.get(name)!;
    if (!bound.packed.has(name)) view.set(t);
    else if (int8) k.packI8(view, bound.byName.get(`${name}.scale`)!, t, n, d);
    else k.pack(view, t, n, d);
  }
  return {
    k,
    weights() {
      if (k.heap.f32() !== f32) {
        f32 = k.heap.f32();
        bound = layout(new Carver(f32, at));
      }
      return bound.weights;
    },
  };
}

function checkIds(what: string, ids: Int32Array, limit: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < limit)) {
      throw new RangeError(`Cannot run ${what}: id ${id} at index ${i} is outside 0..${limit - 1}`);
    }
  }
}

/**
 * Creates a CPU backend for a model. The weights are copied into the kernels' memory on the
 * first `start()` (or `ready()`); the backend drops its reference to `tensors` then.
 *
 * @param config The network's shape.
 * @param tensors Every tensor of `tensorSpecs(config)`, as f32.
 * @param options Which kernels to use.
 * @returns The backend; its name is "wasm" or "cpu" (plain TypeScript).
 * @throws {RangeError} When the config is invalid or a tensor is missing or mis-sized.
 * @example Greedy decoding of one source
 * ```ts ignore
 * const { config, tensors } = readModel(bytes);
 * const backend = createCpuBackend(config, tensors);
 * const state = await backend.start(new Int32Array([5, 6, EOS]), 1, 3);
 * const logits = await state.step(new Int32Array([SOS]));
 * state.dispose();
 * ```
 */
export function createCpuBackend(
  config: ModelConfig,
  tensors: Map<string, Float32Array>,
  options: CpuBackendOptions = {},
): CpuBackend {
  const { kernels = "wasm", weights = "f32" } = options;
  if (kernels !== "wasm" && kernels !== "ts") {
    throw new RangeError(`Cannot create backend: unknown kernels "${kernels}"; use "wasm" or "ts"`);
  }
  if (weights !== "f32" && weights !== "i8") {
    throw new RangeError(`Cannot create backend: unknown weights "${weights}"; use "f32" or "i8"`);
  }
  validateConfig(config);
  checkTensors(config, tensors);
  const useWasm = kernels === "wasm" && wasmSimdSupported();
  let loaded: Promise<Loaded> | undefined;
  let done: Loaded | undefined;
  // Held only until the weights are in the kernels' memory, so the caller's copy can be freed.
  let source: Map<string, Float32Array> | undefined = tensors;
  const ready = () =>
    loaded ??= load(config, source!, useWasm, weights === "i8").then((l) => {
      source = undefined;
      return done = l;
    });
  return {
    name: useWasm ? "wasm" : "cpu",
    async ready() {
      await ready();
    },
    memoryBytes: () => (done?.k.heap.used() ?? 0) * 4,
    async start(src, rows, srcLen) {
      if (!Number.isInteger(rows) || rows < 1) {
        throw new RangeError(`Cannot start decoding: rows must be a positive integer, got ${rows}`);
      }
      if (!Number.isInteger(srcLen) || srcLen < 1 || srcLen > config.maxSrcLen) {
        throw new RangeError(
          `Cannot start decoding: source length ${srcLen} is outside 1..${config.maxSrcLen}`,
        );
      }
      if (src.length !== rows * srcLen) {
        throw new RangeError(
          `Cannot start decoding: ${src.length} source ids given, ${rows} rows of ${srcLen} need ${
            rows * srcLen
          }`,
        );
      }
      checkIds("the encoder", src, config.srcVocab.length);
      return startState(config, await ready(), src, rows, srcLen);
    },
  };
}

/** One heap block holding a run state for `cap` rows. */
interface Block {
  at: number;
  cap: number;
  f32: Float32Array;
  run: RunState;
}

// Frees the heap blocks of states that were dropped without dispose().
const registry = typeof FinalizationRegistry === "undefined"
  ? undefined
  : new FinalizationRegistry<() => void>((release) => release());

function startState(
  config: ModelConfig,
  ctx: Loaded,
  src: Int32Array,
  rows: number,
  srcLen: number,
): DecoderState {
  const { k } = ctx;
  const heap = k.heap;
  const layout = (cap: number) => (c: Carver) => layoutRunState(c, config, cap, srcLen);
  const newBlock = (cap: number): Block => {
    const at = heap.alloc(measure(layout(cap)));
    const f32 = heap.f32();
    return { at, cap, f32, run: layout(cap)(new Carver(f32, at)) };
  };
  // Views go stale when the heap grows (WASM memory detaches its old buffer): rebuild them.
  const fresh = (b: Block): RunState => {
    if (b.f32 !== heap.f32()) {
      b.f32 = heap.f32();
      b.run = layout(b.cap)(new Carver(b.f32, b.at));
    }
    return b.run;
  };
  const live: { cur: Block; spare?: Block } = { cur: newBlock(rows) };
  const release = () => {
    for (const b of [live.cur, live.spare]) if (b && b.at) heap.free(b.at);
    live.cur.at = 0;
    if (live.spare) live.spare.at = 0;
  };

  {
    const encLayout = (c: Carver) => layoutEncoderState(c, config, rows, srcLen);
    const at = heap.alloc(measure(encLayout));
    try {
      const e = encLayout(new Carver(heap.f32(), at));
      encode(k, config, ctx.weights(), e, fresh(live.cur), src, rows);
    } finally {
      heap.free(at);
    }
  }

  const vt = config.tgtVocab.length;
  let count = rows;
  let pos = 0;
  let disposed = false;
  const token = {};
  const alive = () => {
    if (disposed) throw new TypeError("Cannot use a decoder state after dispose()");
  };
  const state: DecoderState = {
    get rows() {
      return count;
    },
    step(tokens) {
      try {
        alive();
        checkStep(tokens, count, pos, config.maxTgtLen);
        checkIds("the decoder", tokens, vt);
        const w = ctx.weights();
        const run = fresh(live.cur);
        decodeStep(k, config, w, run, tokens, count, pos);
        pos++;
        return Promise.resolve(run.logits.subarray(0, count * vt));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    select(from) {
      try {
        alive();
        if (from.length < 1) throw new RangeError("Cannot select rows: none given");
        checkIds("select", from, count);
        if (!live.spare || live.spare.cap < from.length) {
          if (live.spare) heap.free(live.spare.at);
          live.spare = undefined;
          live.spare = newBlock(from.length);
        }
        const src = fresh(live.cur);
        const dst = fresh(live.spare);
        gatherRows(config, dst, src, from, pos);
        [live.cur, live.spare] = [live.spare, live.cur];
        count = from.length;
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    },
    crossAttention() {
      try {
        alive();
        const run = fresh(live.cur);
        const heads = config.heads;
        const out = new Float32Array(count * srcLen);
        for (let r = 0; r < count; r++) {
          for (let h = 0; h < heads; h++) {
            const p = (r * heads + h) * srcLen;
            for (let j = 0; j < srcLen; j++) out[r * srcLen + j] += run.crossProbs[p + j] / heads;
          }
        }
        return Promise.resolve(out);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      registry?.unregister(token);
      release();
    },
  };
  registry?.register(state, release, token);
  return state;
}
