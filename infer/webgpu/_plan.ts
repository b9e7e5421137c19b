/**
 * Compiled kernels and recorded dispatch sequences ("plans") for the WebGPU backend.
 *
 * A plan binds its buffers once (bind groups are built when the plan is made) and keeps every
 * dispatch's parameters in one uniform buffer, 256 bytes a dispatch; running it evaluates the
 * parameter functions, writes that buffer, and records one compute pass. So a decoder step
 * costs one `writeBuffer` and one pass, with nothing created per token.
 *
 * @module
 */

import type { ModelConfig } from "../model_spec.ts";
import {
  attentionKernel,
  EMBED,
  GATHER_ROWS,
  KV_APPEND,
  LAYER_NORM,
  matmulKernel,
  type MatmulTile,
  TOP_K,
  WG,
} from "./kernels.ts";
import { WebGpuError } from "./device.ts";

/** The matmul variants, from the fewest rows a thread to the most. */
export type MatmulName = "matmul0" | "matmul1" | "matmul2" | "matmul3";

/** A matmul tile with the most rows (of the product) it is chosen for. */
export type SizedTile = MatmulTile & { maxRows: number };

/** Four matmul tiles, by rising `maxRows`; the last one takes any number of rows. */
export type TileTable = [SizedTile, SizedTile, SizedTile, SizedTile];

/**
 * Matmul tiles for hardware GPUs: few rows a thread for one decoder step of a small batch
 * (a tile taller than the product wastes work and threads), more as rows grow, so that each
 * loaded weight serves more rows without using so many registers that they spill.
 */
export const HARDWARE_TILES: TileTable = [
  { rows: 1, cols: 2, maxRows: 2 },
  { rows: 4, cols: 2, maxRows: 16 },
  { rows: 8, cols: 2, maxRows: 256 },
  { rows: 8, cols: 2, maxRows: Infinity },
];

/**
 * Matmul tiles for software adapters (llvmpipe, lavapipe), measured there: every buffer load
 * is a bounds-checked gather, so the fastest tile is the tallest that still compiles quickly,
 * and a tile as tall as the product is nearly free for few rows.
 */
export const SOFTWARE_TILES: TileTable = [
  { rows: 2, cols: 4, maxRows: 2 },
  { rows: 8, cols: 4, maxRows: 8 },
  { rows: 16, cols: 4, maxRows: 16 },
  { rows: 32, cols: 4, maxRows: Infinity },
];

const MATMULS: MatmulName[] = ["matmul0", "matmul1", "matmul2", "matmul3"];

/**
 * The matmul variant for `m` rows.
 *
 * @param tiles The table the kernels were compiled with.
 * @param m Rows of the product.
 * @returns The kernel's name and its tile.
 */
export function pickMatmul(tiles: TileTable, m: number): { name: MatmulName; tile: MatmulTile } {
  const i = tiles.findIndex((t) => m <= t.maxRows);
  return { name: MATMULS[i < 0 ? 3 : i], tile: tiles[i < 0 ? 3 : i] };
}

/** The kernels a plan can dispatch. */
export type KernelName =
  | "embed"
  | "layerNorm"
  | MatmulName
  | "attention"
  | "kvAppend"
  | "gather"
  | "topK";

/** Compute pipelines of every kernel, compiled for one model's sizes. */
export interface Kernels {
  device: GPUDevice;
  pipelines: Record<KernelName, GPUComputePipeline>;
  /** Each kernel's bind group layout; kernels with the same bindings share one. */
  layouts: Record<KernelName, GPUBindGroupLayout>;
  /** The matmul tiles compiled (see {@link pickMatmul}). */
  tiles: TileTable;
}

// What each kernel binds after its uniform parameters: r = read-only storage, w = read-write.
const BINDINGS: Record<KernelName, string> = {
  embed: "rrrw",
  layerNorm: "rrrw",
  matmul0: "rrrw",
  matmul1: "rrrw",
  matmul2: "rrrw",
  matmul3: "rrrw",
  attention: "rrrrrww",
  kvAppend: "rww",
  gather: "rrw",
  topK: "rw",
};

/** One dispatch: its kernel, its buffers (bindings 1, 2, …), its parameters and launch size. */
export interface Dispatch {
  /** The kernel, or a choice made each run among kernels with the same bindings. */
  kernel: KernelName | (() => KernelName);
  buffers: GPUBuffer[];
  /** The `P` struct's fields in order (u32), evaluated each run. */
  params: () => number[];
  /** Workgroups in x and y, evaluated each run; a zero skips the dispatch. */
  groups: () => readonly [number, number];
}

/** A recorded sequence of dispatches (see the module doc). */
export interface Plan {
  /** Writes the parameters and records the pass; submit `encoder` before the next run. */
  encode(encoder: GPUCommandEncoder): void;
  /** Frees the parameter buffer. */
  destroy(): void;
}

// Bytes of parameters per dispatch: the largest uniform offset alignment WebGPU allows.
const SLOT = 256;

/**
 * Compiles every kernel for a model's sizes, naming the kernel that fails.
 *
 * @param device The device.
 * @param config The model (sizes the attention kernel).
 * @param tiles The matmul tiles ({@link HARDWARE_TILES} or {@link SOFTWARE_TILES}).
 * @returns The pipelines.
 * @throws {WebGpuError} When a kernel does not compile on this device.
 */
export async function compileKernels(
  device: GPUDevice,
  config: ModelConfig,
  tiles: TileTable,
): Promise<Kernels> {
  const sources: Record<KernelName, string> = {
    embed: EMBED,
    layerNorm: LAYER_NORM,
    matmul0: matmulKernel(tiles[0]),
    matmul1: matmulKernel(tiles[1]),
    matmul2: matmulKernel(tiles[2]),
    matmul3: matmulKernel(tiles[3]),
    attention: attentionKernel(
      Math.max(config.maxSrcLen, config.maxTgtLen),
      config.dModel / config.heads,
    ),
    kvAppend: KV_APPEND,
    gather: GATHER_ROWS,
    topK: TOP_K,
  };
  const pipelines = {} as Record<KernelName, GPUComputePipeline>;
  const layouts = {} as Record<KernelName, GPUBindGroupLayout>;
  const shared = new Map<string, GPUBindGroupLayout>();
  for (const [name, code] of Object.entries(sources) as [KernelName, string][]) {
    device.pushErrorScope("validation");
    const kinds = BINDINGS[name];
    let layout = shared.get(kinds);
    if (!layout) {
      layout = device.createBindGroupLayout({
        label: kinds,
        entries: [
          { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } },
          ...[...kinds].map((kind, i): GPUBindGroupLayoutEntry => ({
            binding: i + 1,
            visibility: GPUShaderStage.COMPUTE,
            buffer: { type: kind === "r" ? "read-only-storage" : "storage" },
          })),
        ],
      });
      shared.set(kinds, layout);
    }
    layouts[name] = layout;
    const module = device.createShaderModule({ label: name, code });
    const pipeline = device.createComputePipeline({
      label: name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
    });
    const error = await device.popErrorScope();
    if (error) {
      throw new WebGpuError(
        "error",
        `Cannot compile the WebGPU kernel "${name}": ${error.message.trim()}`,
      );
    }
    pipelines[name] = pipeline;
  }
  return { device, pipelines, layouts, tiles: [...tiles] as TileTable };
}

/**
 * Binds a sequence of dispatches into a plan.
 *
 * @param kernels The compiled kernels.
 * @param dispatches The dispatches, in order.
 * @returns The plan.
 */
export function makePlan(kernels: Kernels, dispatches: Dispatch[]): Plan {
  const { device, pipelines, layouts } = kernels;
  const arena = device.createBuffer({
    label: "plan params",
    size: Math.max(1, dispatches.length) * SLOT,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const words = new Uint32Array(dispatches.length * (SLOT / 4));
  const bound = dispatches.map((d, i) => ({
    kernel: d.kernel,
    groups: d.groups,
    params: d.params,
    bindGroup: device.createBindGroup({
      layout: layouts[typeof d.kernel === "string" ? d.kernel : d.kernel()],
      entries: [
        { binding: 0, resource: { buffer: arena, offset: i * SLOT, size: SLOT } },
        ...d.buffers.map((buffer, j) => ({ binding: j + 1, resource: { buffer } })),
      ],
    }),
  }));
  return {
    encode(encoder) {
      bound.forEach((d, i) => words.set(d.params(), i * (SLOT / 4)));
      device.queue.writeBuffer(arena, 0, words);
      const pass = encoder.beginComputePass();
      for (const d of bound) {
        const [x, y] = d.groups();
        if (x === 0 || y === 0) continue;
        pass.setPipeline(pipelines[typeof d.kernel === "string" ? d.kernel : d.kernel()]);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(x, y);
      }
      pass.end();
    },
    destroy() {
      arena.destroy();
    },
  };
}

// WebGPU guarantees 65,535 workgroups per dimension.
const MAX_GROUPS = 65535;

/**
 * Spreads `count` workgroups over x and y (the kernels rebuild the flat index).
 *
 * @param count Workgroups needed.
 * @returns Workgroups in x and y.
 */
export function spread(count: number): [number, number] {
  if (count <= 0) return [0, 0];
  const x = Math.min(count, MAX_GROUPS);
  return [x, Math.ceil(count / x)];
}

/**
 * Workgroups for `n` threads of an element-wise kernel.
 *
 * @param n Threads needed.
 * @returns Workgroups in x and y.
 */
export function threads(n: number): [number, number] {
  return spread(Math.ceil(n / WG));
}
