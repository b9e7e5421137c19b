/**
 * Training checkpoints: one safetensors file with every parameter, the optimizer state
 * (`m.NAME`, `v.NAME`, task weights) as F32 tensors, and the run's config and loop state as
 * JSON in the metadata, so that resuming needs nothing else (as nanoGPT's checkpoints carry
 * `model_args`). Written atomically: a temporary file in the same folder, then a rename, so a
 * crash or Ctrl-C mid-write never leaves a torn checkpoint.
 *
 * @module
 */

import { decodeSafetensors, encodeSafetensors, type RawTensor } from "../infer/safetensors.ts";
import type { TrainConfig } from "./config.ts";

/** The metadata key of the checkpoint's JSON. */
export const CHECKPOINT_KEY = "e2k-train";
/** Version of the checkpoint layout; readers reject others. */
export const CHECKPOINT_VERSION = 1;

/** A float tensor: its data and shape (an onnxruntime Tensor of type float32 fits). */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** Where the loop stands. */
export interface LoopState {
  /** Epoch in progress, from 0. */
  epoch: number;
  /** Batches of that epoch already trained. */
  batch: number;
  /** Optimizer steps done in all (the next step is `step + 1`). */
  step: number;
  /** Best validation loss so far (Infinity before the first validation). */
  bestLoss: number;
  /** Epoch (from 0) of the best validation loss, or -1. */
  bestEpoch: number;
  /** Epochs in a row without a better validation loss. */
  badEpochs: number;
  /** Training seconds so far (validation included), over every session of the run. */
  seconds: number;
  /** Running sums of the epoch in progress, so a resumed epoch reports the same figures. */
  epochLoss: number;
  epochTokens: number;
  /** True once early stopping or the epoch limit ended the run. */
  finished: boolean;
}

/** A whole checkpoint. */
export interface Checkpoint {
  config: TrainConfig;
  loop: LoopState;
  /** Parameters and optimizer state by name, in the order written. */
  tensors: Map<string, FloatTensor>;
}

/** A fresh loop state. */
export function initialLoopState(): LoopState {
  return {
    epoch: 0,
    batch: 0,
    step: 0,
    bestLoss: Infinity,
    bestEpoch: -1,
    badEpochs: 0,
    seconds: 0,
    epochLoss: 0,
    epochTokens: 0,
    finished: false,
  };
}

/**
 * Serialises a checkpoint to safetensors bytes (tensor bytes are viewed, not copied, until the
 * final file buffer is assembled).
 *
 * @param ckpt The checkpoint.
 * @returns The file's bytes.
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const raw = new Map<string, RawTensor>();
  for (const [name, t] of ckpt.tensors) {
    const d = t.data;
    raw.set(name, {
      dtype: "F32",
      shape: [...t.dims],
      data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
    });
  }
  // JSON has no Infinity: bestLoss is stored as null until the first validation.
  const json = JSON.stringify({
    format: "e2k-checkpoint",
    version: CHECKPOINT_VERSION,
    config: ckpt.config,
    loop: {
      ...ckpt.loop,
      bestLoss: Number.isFinite(ckpt.loop.bestLoss) ? ckpt.loop.bestLoss : null,
    },
  });
  return encodeSafetensors(raw, { [CHECKPOINT_KEY]: json });
}

/**
 * Parses checkpoint bytes.
 *
 * @param bytes The file.
 * @param name The file's name for messages.
 * @returns The checkpoint; tensor data is copied out of `bytes`.
 * @throws {SyntaxError} When the file is not an e2k checkpoint of this version.
 */
export function decodeCheckpoint(bytes: Uint8Array, name = "checkpoint"): Checkpoint {
  const file = decodeSafetensors(bytes);
  const text = file.metadata[CHECKPOINT_KEY];
  if (text === undefined) {
    throw new SyntaxError(`Cannot read checkpoint "${name}": no "${CHECKPOINT_KEY}" metadata`);
  }
  const meta = JSON.parse(text);
  if (meta.format !== "e2k-checkpoint" || meta.version !== CHECKPOINT_VERSION) {
    throw new SyntaxError(
      `Cannot read checkpoint "${name}": format ${meta.format} version ${meta.version}, ` +
        `expected e2k-checkpoint version ${CHECKPOINT_VERSION}`,
    );
  }
  const tensors = new Map<string, FloatTensor>();
  for (const [key, t] of file.tensors) {
    if (t.dtype !== "F32") {
      throw new SyntaxError(`Cannot read checkpoint "${name}": tensor "${key}" is ${t.dtype}`);
    }
    // slice() copies into a fresh, aligned buffer that does not pin the whole file.
    tensors.set(key, { data: new Float32Array(t.data.slice().buffer), dims: t.shape });
  }
  const loop = { ...meta.loop, bestLoss: meta.loop.bestLoss ?? Infinity } as LoopState;
  return { config: meta.config as TrainConfig, loop, tensors };
}

/**
 * Writes bytes atomically: to a temporary file beside `path`, then renamed over it.
 *
 * @param path Destination.
 * @param bytes Content.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  if (typeof bytes === "string") await Deno.writeTextFile(tmp, bytes);
  else await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

/**
 * Saves a checkpoint atomically.
 *
 * @param path Destination, e.g. `runs/c2k/checkpoint.safetensors`.
 * @param ckpt The checkpoint.
 */
export async function saveCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt));
}

/**
 * Loads a checkpoint.
 *
 * @param path The file.
 * @returns The checkpoint.
 * @throws {Deno.errors.NotFound} When the file is missing.
 * @throws {SyntaxError} When the file is not an e2k checkpoint.
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await Deno.readFile(path), path);
}
