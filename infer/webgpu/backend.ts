/**
 * The decoder on WebGPU: the forward pass of `infer/model_spec.ts` as WGSL compute shaders,
 * with the key/value caches on the GPU, a whole batch stepped at once, beam re-arrangement
 * (`select`) done on the GPU, and per step only the logits read back, or with
 * {@link WebGpuDecoderState.stepTopK} / {@link WebGpuDecoderState.stepArgmax} only the chosen
 * tokens. Standard WebGPU only, so it runs in browsers as in Deno.
 *
 * @module
 */

import type { Backend, DecoderState } from "../backend.ts";
import { type ModelConfig, validateConfig } from "../model_spec.ts";
import { EOS } from "../vocab.ts";
import { ACT, checkShapes, WG } from "./kernels.ts";
import {
  compileKernels,
  type Dispatch,
  HARDWARE_TILES,
  type Kernels,
  makePlan,
  pickMatmul,
  type Plan,
  SOFTWARE_TILES,
  threads,
  type TileTable,
} from "./_plan.ts";
import {
  checkTensors,
  type GpuLinear,
  type GpuNorm,
  type GpuWeights,
  uploadWeights,
} from "./_weights.ts";
import {
  describeAdapter,
  type DeviceWatch,
  requestWebGpuDevice,
  watchDevice,
  WebGpuError,
} from "./device.ts";

/** Per-row top-k of the next-token log-probabilities. */
export interface TopK {
  /** Token ids, (rows, k), best first (lowest id first among equal logits). */
  ids: Int32Array;
  /** Their log-probabilities, (rows, k), under the softmax over the allowed ids. */
  logProbs: Float32Array;
  /** The log-probability of EOS, (rows), under the same softmax; -Infinity when banned. */
  eos: Float32Array;
}

/** Which tokens {@link WebGpuDecoderState.stepTopK} considers. */
export interface TopKOptions {
  /**
   * Ids below it are banned: left out of the softmax and never chosen (default 0). Decoding
   * strategies pass EOS + 1 at the first step (no empty output) and EOS after it.
   */
  allowFrom?: number;
  /** Candidates are taken from ids at or above it (default `allowFrom`); EOS + 1 for beams. */
  topFrom?: number;
}

/** A {@link DecoderState} that can also choose tokens on the GPU and read back only those. */
export interface WebGpuDecoderState extends DecoderState {
  /**
   * Feeds one token per row and returns each row's most likely allowed next token (greedy),
   * reading back `rows` ids instead of the logits.
   */
  stepArgmax(tokens: Int32Array, options?: { allowFrom?: number }): Promise<Int32Array>;
  /**
   * Feeds one token per row and returns each row's `k` most likely next tokens with their
   * log-probabilities, and the log-probability of EOS (enough for an exact beam search of
   * width k, reading back 2k + 1 numbers a row instead of the vocabulary's logits).
   */
  stepTopK(tokens: Int32Array, k: number, options?: TopKOptions): Promise<TopK>;
}

/** A model loaded on a WebGPU device. */
export interface WebGpuBackend extends Backend {
  readonly name: "webgpu";
  /** The adapter, labelled "(software)" when it is a CPU fallback such as llvmpipe. */
  readonly adapter: string;
  /** The device the model lives on. */
  readonly device: GPUDevice;
  /**
   * The most rows one decoder state can hold on this device (sources at start, hypotheses
   * after select): its largest per-row buffer must fit the device's storage binding limit.
   * Larger batches throw a RangeError; split them.
   */
  readonly maxRows: number;
  start(src: Int32Array, rows: number, srcLen: number): Promise<WebGpuDecoderState>;
  /** Frees the weights (and the device, if this backend requested it). */
  dispose(): void;
}

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** A device to use; by default one is requested from `gpu`. */
  device?: GPUDevice;
  /** The WebGPU entry point when no device is given; defaults to `navigator.gpu`. */
  gpu?: GPU | null;
  /** Adapter preference when no device is given. */
  powerPreference?: GPUPowerPreference;
  /**
   * Matmul tiles: by default "software" on software adapters (llvmpipe), else "hardware".
   * Tests force each to check both on any adapter.
   */
  tiles?: "hardware" | "software";
  /**
   * Sources the encoder runs at once (default: as many as fit in 32 MiB of activations);
   * tests set it low to check that chunks join up.
   */
  encoderChunk?: number;
}

// Bytes of encoder activations per chunk of sources (bounds memory for large batches).
const ENCODER_CHUNK_BYTES = 32 << 20;
const STORAGE = 0x80 | 0x08 | 0x04; // STORAGE | COPY_DST | COPY_SRC
const STAGING = 0x01 | 0x08; // MAP_READ | COPY_DST

/**
 * Loads a model onto a WebGPU device.
 *
 * @param config The model's config (from its file's metadata).
 * @param tensors Its parameters by name, as float32 (see `infer/model_spec.ts`).
 * @param options A device to use, or where to request one.
 * @returns The backend.
 * @throws {RangeError} When the config or a tensor is invalid.
 * @throws {WebGpuError} When WebGPU is missing, has no adapter or device, or a kernel fails
 *   to compile (reason tells which; callers may fall back to the CPU).
 * @example Decode greedily on the GPU
 * ```ts ignore
 * const backend = await createWebGpuBackend(config, tensors);
 * const state = await backend.start(src, rows, srcLen);
 * const next = await state.stepArgmax(new Int32Array(rows).fill(SOS));
 * state.dispose();
 * ```
 */
export async function createWebGpuBackend(
  config: ModelConfig,
  tensors: Map<string, Float32Array>,
  options: WebGpuBackendOptions = {},
): Promise<WebGpuBackend> {
  validateConfig(config);
  checkTensors(config, tensors);
  checkShapes(config);
  const owned = !options.device;
  const { device, adapter } = options.device
    ? { device: options.device, adapter: deviceLabel(options.device) }
    : await requestWebGpuDevice(options);
  const watch = watchDevice(device);
  try {
    const tiles = options.tiles ?? (adapter.endsWith("(software)") ? "software" : "hardware");
    const kernels = await compileKernels(
      device,
      config,
      tiles === "software" ? SOFTWARE_TILES : HARDWARE_TILES,
    );
    device.pushErrorScope("out-of-memory");
    const weights = uploadWeights(device, config, tensors);
    const oom = await watch.guard(device.popErrorScope());
    if (oom) throw new WebGpuError("error", `Cannot load the model on WebGPU: ${oom.message}`);
    watch.check();
    return {
      name: "webgpu",
      adapter,
      device,
      maxRows: Math.floor(device.limits.maxStorageBufferBindingSize / widestRow(config)),
      start: (src, rows, srcLen) =>
        startDecoder(
          { config, device, kernels, weights, watch, chunk: options.encoderChunk },
          src,
          rows,
          srcLen,
        ),
      dispose() {
        for (const b of weights.all) b.destroy();
        if (owned) device.destroy();
      },
    };
  } catch (e) {
    if (owned) device.destroy();
    throw e;
  }
}

/** Bytes of the largest per-row buffer: a key cache, the hidden layer, or cross keys/values. */
function widestRow(c: ModelConfig): number {
  const d = c.dModel;
  return 4 * Math.max(c.maxTgtLen * d, c.dFF, c.maxSrcLen * 2 * d, c.tgtVocab.length);
}

// Typed arrays over a SharedArrayBuffer are fine at run time; the DOM types want ArrayBuffer.
function writeInts(device: GPUDevice, buffer: GPUBuffer, data: Int32Array): void {
  device.queue.writeBuffer(buffer, 0, data as Int32Array<ArrayBuffer>);
}

function deviceLabel(device: GPUDevice): string {
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info ? describeAdapter(info) : "WebGPU device";
}

/** What a decoder state shares with its backend. */
interface Model {
  config: ModelConfig;
  device: GPUDevice;
  kernels: Kernels;
  weights: GpuWeights;
  watch: DeviceWatch;
  /** Sources per encoder chunk, if fixed. */
  chunk?: number;
}

/** The key/value caches of the decoder's self-attention and the last cross-attention weights. */
interface CacheSet {
  k: GPUBuffer[]; // per layer (cap, Lt, d)
  v: GPUBuffer[]; // per layer (cap, Lt, d)
  probs: GPUBuffer; // (cap, heads, srcLen)
}

/** Per-step buffers, sized for `cap` rows. */
interface StepBuffers {
  cap: number;
  tokens: GPUBuffer; // (cap) i32
  rowSrc: GPUBuffer; // (cap) i32: the source each row decodes
  from: GPUBuffer; // (cap) i32: select()'s argument
  y: GPUBuffer; // (cap, d) residual stream
  a: GPUBuffer; // (cap, d) normalised
  o: GPUBuffer; // (cap, d) attention output
  q: GPUBuffer; // (cap, d) cross-attention queries
  qkv: GPUBuffer; // (cap, 3d)
  hidden: GPUBuffer; // (cap, dFF)
  logits: GPUBuffer; // (cap, Vt)
  readLogits: GPUBuffer; // staging (cap, Vt)
  readProbs: GPUBuffer; // staging (cap, heads, srcLen)
  top: { k: number; out: GPUBuffer; read: GPUBuffer } | null; // (cap, 2k + 1) each
}

function makeAllocator(device: GPUDevice, rows: number) {
  const limit = device.limits.maxStorageBufferBindingSize;
  return (label: string, count: number, usage = STORAGE): GPUBuffer => {
    const size = Math.max(16, Math.ceil(count * 4 / 16) * 16);
    if (size > limit) {
      throw new RangeError(
        `Cannot decode ${rows} rows at once on this WebGPU device: buffer "${label}" needs ` +
          `${size} bytes, more than its limit of ${limit}; split the batch`,
      );
    }
    return device.createBuffer({ label, size, usage });
  };
}

function matmul(
  tiles: TileTable,
  a: GPUBuffer,
  lin: GpuLinear,
  c: GPUBuffer,
  k: number,
  m: () => number,
  opts: { act?: number; accumulate?: boolean; cOffset?: () => number } = {},
): Dispatch {
  return {
    kernel: () => pickMatmul(tiles, m()).name,
    buffers: [a, lin.w, lin.b, c],
    params: () => [
      m(),
      lin.out,
      k,
      opts.act ?? ACT.none,
      opts.accumulate ? 1 : 0,
      opts.cOffset?.() ?? 0,
    ],
    groups: () => {
      const { tile } = pickMatmul(tiles, m());
      return [Math.ceil(lin.out / 4 / tile.cols / WG), Math.ceil(m() / tile.rows)];
    },
  };
}

function layerNorm(x: GPUBuffer, n: GpuNorm, out: GPUBuffer, d: number, m: () => number) {
  return {
    kernel: "layerNorm",
    buffers: [x, n.g, n.b, out],
    params: () => [m(), d / 4],
    groups: () => threads(m()),
  } satisfies Dispatch;
}

async function startDecoder(
  model: Model,
  src: Int32Array,
  rows: number,
  srcLen: number,
): Promise<WebGpuDecoderState> {
  const { config, device } = model;
  checkSource(config, src, rows, srcLen);
  model.watch.check();
  return await guardMemory(model, `Cannot decode ${rows} rows at once`, () => {
    const alloc = makeAllocator(device, rows);
    const srcIds = alloc("source ids", rows * srcLen);
    writeInts(device, srcIds, src);
    const crossKv = model.weights.dec.map((_, l) =>
      alloc(`cross kv ${l}`, rows * srcLen * 2 * config.dModel)
    );
    encode(model, src, rows, srcLen, crossKv);
    return makeState(model, rows, srcLen, srcIds, crossKv);
  });
}

/**
 * Runs `work` (which allocates) and turns a GPU out-of-memory error into a rejection.
 * Buffers are created synchronously but their allocation is only checked by the error scope.
 */
async function guardMemory<T>(
  model: { device: GPUDevice; watch: DeviceWatch },
  what: string,
  work: () => T,
): Promise<T> {
  model.device.pushErrorScope("out-of-memory");
  let result: T;
  try {
    result = work();
  } catch (e) {
    await model.device.popErrorScope().catch(() => null);
    throw e;
  }
  const oom = await model.watch.guard(model.device.popErrorScope());
  if (oom) {
    throw new WebGpuError(
      "error",
      `${what}: WebGPU is out of memory (${oom.message}); split the batch`,
    );
  }
  return result;
}

function checkSource(config: ModelConfig, src: Int32Array, rows: number, srcLen: number) {
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`Cannot start decoding: rows must be a positive integer, got ${rows}`);
  }
  if (!Number.isInteger(srcLen) || srcLen < 1 || srcLen > config.maxSrcLen) {
    throw new RangeError(
      `Cannot start decoding: srcLen must be 1 to ${config.maxSrcLen}, got ${srcLen}`,
    );
  }
  if (src.length !== rows * srcLen) {
    throw new RangeError(
      `Cannot start decoding: expected ${rows} × ${srcLen} source ids, got ${src.length}`,
    );
  }
  const vocab = config.srcVocab.length;
  for (const id of src) {
    if (!(id >= 0 && id < vocab)) {
      throw new RangeError(`Cannot start decoding: source id ${id} is outside 0..${vocab - 1}`);
    }
  }
}

/** Runs the encoder in chunks of sources and writes each decoder layer's cross keys/values. */
function encode(
  model: Model,
  src: Int32Array,
  rows: number,
  srcLen: number,
  crossKv: GPUBuffer[],
): void {
  const { config, device, kernels, weights } = model;
  const tiles = kernels.tiles;
  const d = config.dModel;
  const widest = Math.max(3 * d, config.dFF);
  const chunk = Math.max(
    1,
    Math.min(rows, model.chunk ?? Math.floor(ENCODER_CHUNK_BYTES / (srcLen * widest * 4))),
  );
  const alloc = makeAllocator(device, chunk);
  const n = chunk * srcLen;
  const ids = alloc("encoder ids", n);
  const x = alloc("encoder x", n * d); // (chunk, srcLen, d)
  const a = alloc("encoder a", n * d);
  const o = alloc("encoder o", n * d);
  const qkv = alloc("encoder qkv", n * 3 * d);
  const hidden = alloc("encoder hidden", n * config.dFF);
  const dummyIn = alloc("unused input", 4);
  const dummyOut = alloc("unused output", 4); // a separate buffer: writes are exclusive
  const at = { offset: 0, rows: chunk };
  const m = () => at.rows * srcLen;
  const heads = config.heads;
  const dh = d / heads;
  const act = ACT[config.activation];
  const steps: Dispatch[] = [{
    kernel: "embed",
    buffers: [ids, weights.srcEmbed, weights.srcPos, x],
    params: () => [m(), d / 4, srcLen, 0],
    groups: () => threads(m() * d / 4),
  }];
  for (const layer of weights.enc) {
    steps.push(
      layerNorm(x, layer.ln1, a, d, m),
      matmul(tiles, a, layer.qkv, qkv, d, m),
      {
        kernel: "attention",
        buffers: [qkv, qkv, qkv, ids, dummyIn, o, dummyOut],
        // deno-fmt-ignore
        params: () => [at.rows, srcLen, srcLen, srcLen, heads, dh,
          3 * d, 0, 3 * d, d, 3 * d, 2 * d, 1, 0, 0, 0],
        groups: () => threads(m() * heads),
      },
      matmul(tiles, o, layer.o, x, d, m, { accumulate: true }),
      layerNorm(x, layer.ln2, a, d, m),
      matmul(tiles, a, layer.ff1, hidden, d, m, { act }),
      matmul(tiles, hidden, layer.ff2, x, config.dFF, m, { accumulate: true }),
    );
  }
  steps.push(layerNorm(x, weights.encLn, a, d, m));
  weights.dec.forEach((layer, l) => {
    steps.push(matmul(tiles, a, layer.crossKv, crossKv[l], d, m, {
      cOffset: () => at.offset * srcLen * 2 * d,
    }));
  });
  const plan = makePlan(kernels, steps);
  for (at.offset = 0; at.offset < rows; at.offset += chunk) {
    at.rows = Math.min(chunk, rows - at.offset);
    writeInts(device, ids, src.subarray(at.offset * srcLen, (at.offset + at.rows) * srcLen));
    const encoder = device.createCommandEncoder();
    plan.encode(encoder);
    device.queue.submit([encoder.finish()]);
  }
  // Buffers in submitted work stay alive until that work is done.
  plan.destroy();
  for (const b of [ids, x, a, o, qkv, hidden, dummyIn, dummyOut]) b.destroy();
}

function makeState(
  model: Model,
  rows0: number,
  srcLen: number,
  srcIds: GPUBuffer,
  crossKv: GPUBuffer[],
): WebGpuDecoderState {
  const { config, device, kernels, weights, watch } = model;
  const tiles = kernels.tiles;
  const d = config.dModel;
  const heads = config.heads;
  const dh = d / heads;
  const vocab = config.tgtVocab.length;
  const maxT = config.maxTgtLen;
  const layers = config.decLayers;
  const act = ACT[config.activation];
  const dummyIn = makeAllocator(device, 1)("unused input", 4);
  const dummyOut = makeAllocator(device, 1)("unused output", 4); // writes are exclusive

  let rows = rows0;
  let t = 0; // tokens fed so far = the position of the next one
  let disposed = false;
  let rowSrc = Int32Array.from({ length: rows0 }, (_, i) => i); // the source each row decodes
  let buffers = allocStep(rows0);
  // Two cache sets once select() has run: it gathers from the current set into the other.
  let sets: [CacheSet, CacheSet | null] = [allocCaches(rows0), null];
  let current = 0;
  // Plans by cache set: the step reading set i, the gather from set i; then top-k.
  let stepPlans: (Plan | undefined)[] = [];
  let gatherPlans: (Plan | undefined)[] = [];
  let topPlan: Plan | undefined;
  const topK = { k: 1, allowFrom: 0, topFrom: 0 }; // the current stepTopK's arguments
  let gatherRows = 0; // the rows select() is gathering
  let logitsOut = new Float32Array(rows0 * vocab);
  writeInts(device, buffers.rowSrc, rowSrc);

  function allocStep(cap: number): StepBuffers {
    const alloc = makeAllocator(device, cap);
    return {
      cap,
      tokens: alloc("tokens", cap),
      rowSrc: alloc("row sources", cap),
      from: alloc("select from", cap),
      y: alloc("y", cap * d),
      a: alloc("a", cap * d),
      o: alloc("o", cap * d),
      q: alloc("q", cap * d),
      qkv: alloc("qkv", cap * 3 * d),
      hidden: alloc("hidden", cap * config.dFF),
      logits: alloc("logits", cap * vocab),
      readLogits: alloc("read logits", cap * vocab, STAGING),
      readProbs: alloc("read probs", cap * heads * srcLen, STAGING),
      top: null,
    };
  }

  function allocCaches(cap: number): CacheSet {
    const alloc = makeAllocator(device, cap);
    return {
      k: Array.from({ length: layers }, (_, l) => alloc(`k cache ${l}`, cap * maxT * d)),
      v: Array.from({ length: layers }, (_, l) => alloc(`v cache ${l}`, cap * maxT * d)),
      probs: alloc("cross probs", cap * heads * srcLen),
    };
  }

  function destroyCaches(set: CacheSet | null) {
    if (!set) return;
    for (const b of [...set.k, ...set.v, set.probs]) b.destroy();
  }

  function destroyStep(b: StepBuffers) {
    const top = b.top ? [b.top.out, b.top.read] : [];
    const all = [b.tokens, b.rowSrc, b.from, b.y, b.a, b.o, b.q, b.qkv, b.hidden, b.logits];
    for (const x of [...all, b.readLogits, b.readProbs, ...top]) x.destroy();
  }

  function dropPlans() {
    for (const p of [...stepPlans, ...gatherPlans, topPlan]) p?.destroy();
    stepPlans = [];
    gatherPlans = [];
    topPlan = undefined;
  }

  /** The decoder step over cache set `i`: tokens → logits. */
  function makeStepPlan(i: number): Plan {
    const b = buffers;
    const set = sets[i]!;
    const m = () => rows;
    const steps: Dispatch[] = [{
      kernel: "embed",
      buffers: [b.tokens, weights.tgtEmbed, weights.tgtPos, b.y],
      params: () => [rows, d / 4, 1, t],
      groups: () => threads(rows * d / 4),
    }];
    weights.dec.forEach((layer, l) => {
      steps.push(
        layerNorm(b.y, layer.ln1, b.a, d, m),
        matmul(tiles, b.a, layer.qkv, b.qkv, d, m),
        {
          kernel: "kvAppend",
          buffers: [b.qkv, set.k[l], set.v[l]],
          params: () => [rows, d / 4, 3 * d / 4, d / 4, 2 * d / 4, t, maxT],
          groups: () => threads(rows * d / 4),
        },
        {
          // Keys 0..t only: the cache holds no later position, so no causal mask is needed.
          kernel: "attention",
          buffers: [b.qkv, set.k[l], set.v[l], dummyIn, dummyIn, b.o, dummyOut],
          // deno-fmt-ignore
          params: () => [rows, 1, t + 1, maxT, heads, dh, 3 * d, 0, d, 0, d, 0, 0, 0, 0, 0],
          groups: () => threads(rows * heads),
        },
        matmul(tiles, b.o, layer.o, b.y, d, m, { accumulate: true }),
        layerNorm(b.y, layer.ln2, b.a, d, m),
        matmul(tiles, b.a, layer.crossQ, b.q, d, m),
        {
          kernel: "attention",
          buffers: [b.q, crossKv[l], crossKv[l], srcIds, b.rowSrc, b.o, set.probs],
          // deno-fmt-ignore
          params: () => [rows, 1, srcLen, srcLen, heads, dh, d, 0, 2 * d, 0, 2 * d, d,
            1, 0, 1, l === layers - 1 ? 1 : 0],
          groups: () => threads(rows * heads),
        },
        matmul(tiles, b.o, layer.crossO, b.y, d, m, { accumulate: true }),
        layerNorm(b.y, layer.ln3, b.a, d, m),
        matmul(tiles, b.a, layer.ff1, b.hidden, d, m, { act }),
        matmul(tiles, b.hidden, layer.ff2, b.y, config.dFF, m, { accumulate: true }),
      );
    });
    steps.push(
      layerNorm(b.y, weights.decLn, b.a, d, m),
      matmul(tiles, b.a, weights.out, b.logits, d, m),
    );
    return makePlan(kernels, steps);
  }

  /** Copies the caches of rows `from` (in `buffers.from`) from set `src` into set `dst`. */
  function makeGatherPlan(src: CacheSet, dst: CacheSet): Plan {
    const copy = (x: GPUBuffer, y: GPUBuffer, len: () => number, rowSize: number): Dispatch => ({
      kernel: "gather",
      buffers: [buffers.from, x, y],
      params: () => [gatherRows, len(), rowSize],
      groups: () => threads(gatherRows * len()),
    });
    const steps: Dispatch[] = [];
    for (let l = 0; l < layers; l++) {
      steps.push(copy(src.k[l], dst.k[l], () => t * d, maxT * d));
      steps.push(copy(src.v[l], dst.v[l], () => t * d, maxT * d));
    }
    steps.push(copy(src.probs, dst.probs, () => heads * srcLen, heads * srcLen));
    return makePlan(kernels, steps);
  }

  /** The top-k plan, with its buffers sized for at least `k`. */
  function topPlanFor(k: number): Plan {
    const b = buffers;
    if (!b.top || b.top.k < k) {
      if (b.top) { for (const x of [b.top.out, b.top.read]) x.destroy(); }
      topPlan?.destroy();
      topPlan = undefined;
      const alloc = makeAllocator(device, b.cap);
      b.top = {
        k,
        out: alloc("top k", b.cap * (2 * k + 1)), // ids (cap, k), log-probs (cap, k), EOS (cap)
        read: alloc("read top k", b.cap * (2 * k + 1), STAGING),
      };
    }
    const top = b.top;
    return topPlan ??= makePlan(kernels, [{
      kernel: "topK",
      buffers: [b.logits, top.out],
      params: () => [rows, vocab, topK.k, topK.allowFrom, topK.topFrom, EOS],
      groups: () => threads(rows),
    }]);
  }

  function checkUsable() {
    if (disposed) throw new TypeError("Cannot use a disposed decoder state");
    watch.check();
  }

  function checkTokens(tokens: Int32Array) {
    checkUsable();
    if (tokens.length !== rows) {
      throw new RangeError(
        `Cannot step: expected ${rows} tokens (one a row), got ${tokens.length}`,
      );
    }
    if (t >= maxT) {
      throw new RangeError(`Cannot step: the decoder is already at its maximum length ${maxT}`);
    }
    for (const id of tokens) {
      if (!(id >= 0 && id < vocab)) {
        throw new RangeError(`Cannot step: token id ${id} is outside 0..${vocab - 1}`);
      }
    }
  }

  /** Records the step (and any extra commands), submits it, and advances the position. */
  function submitStep(tokens: Int32Array, extra: (encoder: GPUCommandEncoder) => void) {
    writeInts(device, buffers.tokens, tokens);
    const encoder = device.createCommandEncoder();
    (stepPlans[current] ??= makeStepPlan(current)).encode(encoder);
    extra(encoder);
    device.queue.submit([encoder.finish()]);
    t++;
  }

  /** Maps `staging` and hands its first `bytes` to `read` (which copies out). */
  async function readBack<T>(staging: GPUBuffer, bytes: number, read: (b: ArrayBuffer) => T) {
    await watch.guard(staging.mapAsync(GPUMapMode.READ, 0, bytes));
    try {
      watch.check();
      return read(staging.getMappedRange(0, bytes));
    } finally {
      staging.unmap();
    }
  }

  // One operation at a time: they share staging buffers, and their order matters.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  }

  async function step(tokens: Int32Array): Promise<Float32Array> {
    checkTokens(tokens);
    const n = rows * vocab;
    submitStep(tokens, (encoder) => {
      encoder.copyBufferToBuffer(buffers.logits, 0, buffers.readLogits, 0, n * 4);
    });
    if (logitsOut.length < n) logitsOut = new Float32Array(buffers.cap * vocab);
    return await readBack(buffers.readLogits, n * 4, (data) => {
      const out = logitsOut.subarray(0, n);
      out.set(new Float32Array(data, 0, n));
      return out;
    });
  }

  async function stepTopK(tokens: Int32Array, k: number, options: TopKOptions): Promise<TopK> {
    checkTokens(tokens);
    const { allowFrom = 0, topFrom = allowFrom } = options;
    if (!Number.isInteger(allowFrom) || allowFrom < 0 || allowFrom >= vocab) {
      throw new RangeError(
        `Cannot take the top k: allowFrom must be 0 to ${vocab - 1}, got ${allowFrom}`,
      );
    }
    if (!Number.isInteger(topFrom) || topFrom < allowFrom || topFrom >= vocab) {
      throw new RangeError(
        `Cannot take the top k: topFrom must be ${allowFrom} to ${vocab - 1}, got ${topFrom}`,
      );
    }
    if (!Number.isInteger(k) || k < 1 || k > vocab - topFrom) {
      throw new RangeError(`Cannot take the top k: k must be 1 to ${vocab - topFrom}, got ${k}`);
    }
    const plan = topPlanFor(k);
    const top = buffers.top!;
    const n = rows * k;
    Object.assign(topK, { k, allowFrom, topFrom });
    submitStep(tokens, (encoder) => {
      plan.encode(encoder);
      encoder.copyBufferToBuffer(top.out, 0, top.read, 0, (2 * n + rows) * 4);
    });
    return await readBack(top.read, (2 * n + rows) * 4, (data) => ({
      ids: new Int32Array(data, 0, n).slice(),
      logProbs: new Float32Array(data, n * 4, n).slice(),
      eos: EOS < allowFrom
        ? new Float32Array(rows).fill(-Infinity)
        : new Float32Array(data, 2 * n * 4, rows).slice(),
    }));
  }

  async function select(from: Int32Array): Promise<void> {
    checkUsable();
    for (const i of from) {
      if (!(Number.isInteger(i) && i >= 0 && i < rows)) {
        throw new RangeError(`Cannot select row ${i}: there are ${rows} rows`);
      }
    }
    const n = from.length;
    if (n === 0) throw new RangeError("Cannot select rows: none given");
    rowSrc = Int32Array.from(from, (i) => rowSrc[i]);
    gatherRows = n;
    await guardMemory(model, `Cannot select ${n} rows`, () => {
      const encoder = device.createCommandEncoder();
      if (n > buffers.cap) {
        // Grow: gather into caches of the new size, then replace every per-step buffer.
        const next = allocCaches(n);
        const old = buffers;
        buffers = allocStep(n);
        writeInts(device, buffers.from, from);
        const plan = makeGatherPlan(sets[current]!, next);
        plan.encode(encoder);
        device.queue.submit([encoder.finish()]);
        plan.destroy();
        dropPlans();
        destroyStep(old);
        destroyCaches(sets[0]);
        destroyCaches(sets[1]);
        sets = [next, null];
        current = 0;
      } else {
        const other = 1 - current;
        sets[other] ??= allocCaches(buffers.cap);
        writeInts(device, buffers.from, from);
        (gatherPlans[current] ??= makeGatherPlan(sets[current]!, sets[other]!)).encode(encoder);
        device.queue.submit([encoder.finish()]);
        current = other;
      }
      rows = n;
      writeInts(device, buffers.rowSrc, rowSrc);
    });
  }

  async function crossAttention(): Promise<Float32Array> {
    checkUsable();
    const out = new Float32Array(rows * srcLen); // (rows, srcLen)
    if (t === 0) return out;
    const bytes = rows * heads * srcLen * 4;
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(sets[current]!.probs, 0, buffers.readProbs, 0, bytes);
    device.queue.submit([encoder.finish()]);
    return await readBack(buffers.readProbs, bytes, (data) => {
      const probs = new Float32Array(data, 0, bytes / 4); // (rows, heads, srcLen)
      for (let r = 0; r < rows; r++) {
        for (let h = 0; h < heads; h++) {
          const base = (r * heads + h) * srcLen;
          for (let j = 0; j < srcLen; j++) out[r * srcLen + j] += probs[base + j] / heads;
        }
      }
      return out;
    });
  }

  const release = () => {
    if (disposed) return;
    disposed = true;
    dropPlans();
    destroyStep(buffers);
    destroyCaches(sets[0]);
    destroyCaches(sets[1]);
    for (const b of [srcIds, ...crossKv, dummyIn, dummyOut]) b.destroy();
  };
  const token = {};
  const state: WebGpuDecoderState = {
    get rows() {
      return rows;
    },
    step: (tokens) => serial(() => step(tokens)),
    stepTopK: (tokens, k, options = {}) => serial(() => stepTopK(tokens, k, options)),
    stepArgmax: (tokens, options = {}) =>
      serial(async () => (await stepTopK(tokens, 1, options)).ids),
    select: (from) => serial(() => select(from)),
    crossAttention: () => serial(crossAttention),
    dispose() {
      registry?.unregister(token);
      release();
    },
  };
  registry?.register(state, release, token);
  return state;
}

// Frees the GPU buffers of states dropped without dispose() (the strategies always dispose).
const registry = typeof FinalizationRegistry === "undefined"
  ? undefined
  : new FinalizationRegistry<() => void>((release) => release());
