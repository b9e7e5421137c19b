/**
 * The WASM SIMD kernels: the module assembled from `kernels.wat` (embedded as base64, no file
 * access or assembler at run time), wrapped in the {@link Kernels} signatures of the plain
 * TypeScript kernels. Every array must be a view of the kernels' own heap; shapes the module
 * does not cover (a width not divisible by 4) run the TypeScript kernels instead. Weight
 * matrices are packed in panels of 16 columns ({@link Kernels.pack}).
 *
 * @module
 */

import { createHeap, type Heap, memoryStorage } from "../heap.ts";
import * as ts from "../kernels.ts";
import type { AttentionShape, Kernels } from "../kernels.ts";
import { quantizeRows } from "../quantize.ts";
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from "./_kernels_bytes.ts";

/** The exports of kernels.wat; pointers are byte offsets, counts are floats. */
interface Exports {
  linear(out: number, x: number, w: number, b: number, rows: number, n: number, d: number): void;
  linear_i8(
    out: number,
    x: number,
    q: number,
    s: number,
    b: number,
    rows: number,
    n: number,
    d: number,
    scratch: number,
  ): void;
  add(out: number, x: number, n4: number): void;
  relu(x: number, n4: number): void;
  gelu(x: number, n4: number): void;
  softmax(x: number, n: number): void;
  layer_norm(
    out: number,
    x: number,
    g: number,
    b: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  attention(
    out: number,
    probs: number,
    q: number,
    k: number,
    v: number,
    bias: number,
    batch: number,
    rows: number,
    keys: number,
    heads: number,
    dh: number,
    kBatch: number,
    kRow: number,
    biasBatch: number,
  ): void;
}

/** The two builds of kernels.wat: plain SIMD, and relaxed SIMD with fused multiply-adds. */
export type WasmVariant = "simd" | "relaxed";

const BASE64: Record<WasmVariant, string> = {
  simd: KERNELS_WASM_BASE64,
  relaxed: KERNELS_RELAXED_WASM_BASE64,
};
const bytes: Partial<Record<WasmVariant, Uint8Array>> = {};
const valid: Partial<Record<WasmVariant, boolean>> = {};
const compiled: Partial<Record<WasmVariant, Promise<WebAssembly.Module>>> = {};

/**
 * The assembled module's bytes.
 *
 * @param variant Which build (default "simd").
 * @returns The bytes (decoded once, then shared).
 */
export function wasmKernelBytes(variant: WasmVariant = "simd"): Uint8Array {
  let b = bytes[variant];
  if (!b) {
    const text = atob(BASE64[variant]);
    b = bytes[variant] = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
  }
  return b;
}

function validates(variant: WasmVariant): boolean {
  if (valid[variant] === undefined) {
    try {
      valid[variant] = typeof WebAssembly === "object" &&
        WebAssembly.validate(wasmKernelBytes(variant) as Uint8Array<ArrayBuffer>);
    } catch {
      valid[variant] = false;
    }
  }
  return valid[variant]!;
}

/**
 * Tells whether this runtime can run the kernels: WebAssembly with SIMD, and code generation
 * from bytes allowed (some edge runtimes forbid it).
 *
 * @returns True when {@link createWasmKernels} will succeed.
 */
export function wasmSimdSupported(): boolean {
  return validates("simd");
}

/** Options of {@link createWasmKernels}. */
export interface WasmKernelOptions {
  /** Use fused multiply-adds (relaxed SIMD) where the runtime has them (default true). */
  relaxed?: boolean;
}

/**
 * Instantiates the kernels over a fresh memory and heap of their own.
 *
 * @param options Whether relaxed SIMD may be used.
 * @returns Kernels named "wasm-relaxed" or "wasm", or null where WebAssembly SIMD is
 *   unavailable.
 * @example Running a kernel on arrays allocated from the kernels' heap
 * ```ts
 * import { createWasmKernels } from "./kernels.ts";
 * const k = await createWasmKernels();
 * if (k) {
 *   const at = k.heap.alloc(8);
 *   const x = k.heap.f32().subarray(at, at + 8);
 *   x.set([1, -2, 3, -4, 5, -6, 7, -8]);
 *   k.relu(x, 8); // x is [1, 0, 3, 0, 5, 0, 7, 0]
 * }
 * ```
 */
export async function createWasmKernels(options: WasmKernelOptions = {}): Promise<Kernels | null> {
  const variant: WasmVariant = (options.relaxed ?? true) && validates("relaxed")
    ? "relaxed"
    : "simd";
  if (!validates(variant)) return null;
  let module: WebAssembly.Module;
  try {
    module = await (compiled[variant] ??= WebAssembly.compile(
      wasmKernelBytes(variant) as Uint8Array<ArrayBuffer>,
    ));
  } catch {
    valid[variant] = false;
    return variant === "relaxed" ? createWasmKernels({ relaxed: false }) : null;
  }
  const memory = new WebAssembly.Memory({ initial: 16 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const heap = createHeap(memoryStorage(memory));
  return wrap(
    variant === "relaxed" ? "wasm-relaxed" : "wasm",
    instance.exports as unknown as Exports,
    memory,
    heap,
  );
}

/** Columns per packed weight panel, as $linear in kernels.wat reads them. */
const PANEL = 16;
const panels = (d: number) => Math.ceil(d / PANEL);

function wrap(name: string, e: Exports, memory: WebAssembly.Memory, heap: Heap): Kernels {
  const ptr = (a: Float32Array): number => {
    if (a.buffer !== memory.buffer) {
      throw new RangeError(
        "Cannot run a wasm kernel on an array outside its memory; allocate it with kernels.heap (and re-view it after the heap grows)",
      );
    }
    return a.byteOffset;
  };
  return {
    name,
    heap,
    packedSize: (n, d) => n * panels(d) * PANEL,
    pack(dst, w, n, d) {
      // Panel p holds columns 16p … 16p+15 of every row, contiguous, zero past column d.
      // Walking w in its own order (scattered writes) is the fastest way in plain JS.
      const last = (panels(d) - 1) * n * PANEL;
      if (d % PANEL) dst.fill(0, last, last + n * PANEL);
      for (let i = 0; i < n; i++) {
        const row = i * d, to = i * PANEL;
        for (let j = 0; j < d; j++) dst[(j >> 4) * n * PANEL + to + (j & 15)] = w[row + j];
      }
    },
    biasSize: (d) => panels(d) * PANEL,
    packedI8Size: (n, d) => (n * panels(d) * PANEL) / 4,
    packI8(dst, scales, w, n, d) {
      const q = ts.int8View(dst, n * panels(d) * PANEL);
      if (d % PANEL) q.fill(0, (panels(d) - 1) * n * PANEL);
      quantizeRows(w, n, d, q, scales, PANEL);
    },
    scratchI8Size: (n) => n * PANEL,
    linearI8(out, x, q, scales, b, rows, n, d, scratch) {
      if (rows > 0 && d > 0) {
        e.linear_i8(ptr(out), ptr(x), ptr(q), ptr(scales), ptr(b), rows, n, d, ptr(scratch));
      }
    },
    matmul(out, x, w, rows, n, d) {
      if (rows > 0 && d > 0) e.linear(ptr(out), ptr(x), ptr(w), 0, rows, n, d);
    },
    linear(out, x, w, b, rows, n, d) {
      if (rows > 0 && d > 0) e.linear(ptr(out), ptr(x), ptr(w), ptr(b), rows, n, d);
    },
    layerNorm(out, x, g, b, rows, d) {
      if (d % 4 !== 0) return ts.layerNorm(out, x, g, b, rows, d);
      if (rows > 0) e.layer_norm(ptr(out), ptr(x), ptr(g), ptr(b), rows, d, ts.LN_EPS);
    },
    add(out, x, n) {
      const n4 = n & ~3;
      if (n4 > 0) e.add(ptr(out), ptr(x), n4);
      for (let i = n4; i < n; i++) out[i] += x[i];
    },
    relu(x, n) {
      const n4 = n & ~3;
      if (n4 > 0) e.relu(ptr(x), n4);
      ts.relu(x.subarray(n4, n), n - n4);
    },
    gelu(x, n) {
      const n4 = n & ~3;
      if (n4 > 0) e.gelu(ptr(x), n4);
      ts.gelu(x.subarray(n4, n), n - n4);
    },
    softmax(x, n) {
      if (n > 0) e.softmax(ptr(x), n);
    },
    attention(out, probs, q, k, v, bias, s: AttentionShape) {
      if (s.dh % 4 !== 0) return ts.attention(out, probs, q, k, v, bias, s);
      if (s.batch < 1 || s.rows < 1 || s.keys < 1) return;
      e.attention(
        ptr(out),
        ptr(probs),
        ptr(q),
        ptr(k),
        ptr(v),
        bias ? ptr(bias) : 0,
        s.batch,
        s.rows,
        s.keys,
        s.heads,
        s.dh,
        s.kBatch,
        s.kRow,
        s.biasBatch,
      );
    },
  };
}
