/**
 * The compact model file: safetensors whose `__metadata__` holds a {@link ModelMeta} as JSON
 * under {@link META_KEY}, with a CRC-32 of the tensor payload. Tensors are stored as F32, F16
 * (the default for shipping) or I8 with one F32 scale per row in a tensor named `NAME.scale`
 * (rows = the first dimension; 1-D tensors stay F32 in an I8 file, they are tiny).
 *
 * @module
 */

import { crc32Hex } from "./crc32.ts";
import { halvesToFloats, toHalf } from "./float16.ts";
import { quantizeRows } from "./quantize.ts";
import {
  FORMAT_VERSION,
  META_KEY,
  type ModelConfig,
  type ModelMeta,
  type TensorSpec,
  tensorSpecs,
  validateConfig,
} from "./model_spec.ts";
import { decodeSafetensors, encodeSafetensors, type RawTensor } from "./safetensors.ts";

/** How weights are stored in a model file. */
export type WeightDType = "F32" | "F16" | "I8";

/** A model read from a file: its metadata, config, and tensors dequantised to f32. */
export interface LoadedModel {
  /** The metadata as stored. */
  meta: ModelMeta;
  /** The network's shape and vocabularies (`meta.config`). */
  config: ModelConfig;
  /** Every tensor of `tensorSpecs(config)`, by name. */
  tensors: Map<string, Float32Array>;
  /** How the weight matrices were stored. */
  dtype: WeightDType;
}

/** Options of {@link writeModel}. */
export interface WriteModelOptions {
  /** Storage type of the weights; default "F16". */
  dtype?: WeightDType;
  /** Free-form facts stored in the metadata (data hash, training run, test metrics). */
  info?: Record<string, unknown>;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function checkTensors(specs: TensorSpec[], tensors: Map<string, Float32Array>): void {
  const known = new Set(specs.map((s) => s.name));
  for (const name of tensors.keys()) {
    if (!known.has(name)) {
      throw new RangeError(`Cannot write model: tensor "${name}" is not part of this config`);
    }
  }
  for (const s of specs) {
    const t = tensors.get(s.name);
    if (!t) throw new RangeError(`Cannot write model: tensor "${s.name}" is missing`);
    if (t.length !== count(s.shape)) {
      throw new RangeError(
        `Cannot write model: tensor "${s.name}" has ${t.length} values, shape [${s.shape}] needs ${
          count(s.shape)
        }`,
      );
    }
  }
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// Safetensors is little-endian; typed arrays use the platform's order, little-endian everywhere
// this package runs (x86, ARM, WASM).
function encodeTensor(name: string, shape: number[], x: Float32Array, dtype: WeightDType) {
  const out: [string, RawTensor][] = [];
  if (dtype === "F16") {
    const h = new Uint16Array(x.length);
    for (let i = 0; i < x.length; i++) h[i] = toHalf(x[i]);
    out.push([name, { dtype: "F16", shape, data: bytesOf(h) }]);
  } else if (dtype === "I8" && shape.length > 1) {
    const rows = shape[0], cols = x.length / rows;
    const q = new Int8Array(x.length);
    const scale = new Float32Array(rows);
    quantizeRows(x, rows, cols, q, scale);
    out.push([name, { dtype: "I8", shape, data: bytesOf(q) }]);
    out.push([`${name}.scale`, { dtype: "F32", shape: [rows], data: bytesOf(scale) }]);
  } else {
    out.push([name, { dtype: "F32", shape, data: bytesOf(Float32Array.from(x)) }]);
  }
  return out;
}

/**
 * Serialises a model to the compact file format.
 *
 * @param config The network's shape and vocabularies.
 * @param tensors Every tensor of `tensorSpecs(config)`, by name, as f32.
 * @param options Storage type (default "F16") and free-form info for the metadata.
 * @returns The file's bytes.
 * @throws {RangeError} When the config is invalid, or a tensor is missing, extra or mis-sized.
 * @example Writing a model as int8
 * ```ts ignore
 * const bytes = writeModel(config, tensors, { dtype: "I8", info: { run: "2024-06-01" } });
 * ```
 */
export function writeModel(
  config: ModelConfig,
  tensors: Map<string, Float32Array>,
  options: WriteModelOptions = {},
): Uint8Array {
  const { dtype = "F16", info } = options;
  if (dtype !== "F32" && dtype !== "F16" && dtype !== "I8") {
    throw new RangeError(`Cannot write model: unknown dtype "${dtype}"; use F32, F16 or I8`);
  }
  validateConfig(config);
  const specs = tensorSpecs(config);
  checkTensors(specs, tensors);
  const raw = new Map<string, RawTensor>(
    specs.flatMap((s) => encodeTensor(s.name, s.shape, tensors.get(s.name)!, dtype)),
  );
  const meta = (crc32: string): ModelMeta => ({
    format: "e2k-model",
    version: FORMAT_VERSION,
    config,
    crc32,
    ...(info ? { info } : {}),
  });
  // The payload does not depend on the header, so encode once to checksum it, then for real.
  const draft = encodeSafetensors(raw, { [META_KEY]: JSON.stringify(meta("00000000")) });
  const headLen = Number(new DataView(draft.buffer).getBigUint64(0, true));
  const crc = crc32Hex(draft.subarray(8 + headLen));
  return encodeSafetensors(raw, { [META_KEY]: JSON.stringify(meta(crc)) });
}

function readMeta(metadata: Record<string, string>): ModelMeta {
  const text = metadata[META_KEY];
  if (typeof text !== "string") {
    throw new SyntaxError(
      `Cannot read model: no "${META_KEY}" entry in the metadata; this is not an e2k model file`,
    );
  }
  let meta: ModelMeta;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `Cannot read model: metadata is not valid JSON (${(e as Error).message})`,
    );
  }
  if (meta === null || typeof meta !== "object" || meta.format !== "e2k-model") {
    throw new SyntaxError(
      `Cannot read model: format is "${meta?.format}", expected "e2k-model"`,
    );
  }
  if (meta.version !== FORMAT_VERSION) {
    throw new RangeError(
      `Cannot read model: format version ${meta.version} is not supported; this reader reads version ${FORMAT_VERSION}, update the package or re-export the model`,
    );
  }
  if (meta.config === null || typeof meta.config !== "object") {
    throw new SyntaxError("Cannot read model: metadata has no config");
  }
  return meta;
}

function decodeTensor(
  spec: TensorSpec,
  raw: Map<string, RawTensor>,
): { values: Float32Array; dtype: string } {
  const t = raw.get(spec.name);
  if (!t) throw new RangeError(`Cannot read model: tensor "${spec.name}" is missing`);
  if (t.shape.length !== spec.shape.length || t.shape.some((n, i) => n !== spec.shape[i])) {
    throw new RangeError(
      `Cannot read model: tensor "${spec.name}" has shape [${t.shape}], the config needs [${spec.shape}]`,
    );
  }
  const n = count(spec.shape);
  // Copy to an aligned buffer: tensor data in a file need not be aligned for a typed array.
  const copy = t.data.slice();
  const values = new Float32Array(n);
  if (t.dtype === "F32") {
    values.set(new Float32Array(copy.buffer, 0, n));
  } else if (t.dtype === "F16") {
    halvesToFloats(new Uint16Array(copy.buffer, 0, n), values);
  } else if (t.dtype === "I8") {
    const rows = spec.shape[0], cols = n / rows;
    const s = raw.get(`${spec.name}.scale`);
    if (!s || s.dtype !== "F32" || s.shape.length !== 1 || s.shape[0] !== rows) {
      throw new RangeError(
        `Cannot read model: int8 tensor "${spec.name}" needs an F32 tensor "${spec.name}.scale" of shape [${rows}]`,
      );
    }
    const scale = new Float32Array(s.data.slice().buffer, 0, rows);
    const q = new Int8Array(copy.buffer, 0, n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) values[r * cols + j] = q[r * cols + j] * scale[r];
    }
  } else {
    throw new RangeError(
      `Cannot read model: tensor "${spec.name}" is ${t.dtype}; model files hold F32, F16 or I8`,
    );
  }
  return { values, dtype: t.dtype };
}

/**
 * Reads and validates a model file, dequantising every tensor to f32.
 *
 * @param bytes The whole file.
 * @returns The metadata, config and tensors.
 * @throws {SyntaxError} When the file is not safetensors or not an e2k model.
 * @throws {RangeError} When the version is unsupported, the file is truncated or corrupted
 *   (checksum), a tensor is missing or extra, or a shape disagrees with the config.
 * @example Loading a model next to this module
 * ```ts ignore
 * const bytes = new Uint8Array(await (await fetch(new URL("../models/c2k.safetensors", import.meta.url))).arrayBuffer());
 * const { config, tensors } = readModel(bytes);
 * ```
 */
export function readModel(bytes: Uint8Array): LoadedModel {
  const file = decodeSafetensors(bytes);
  const meta = readMeta(file.metadata);
  validateConfig(meta.config);
  const crc = crc32Hex(bytes.subarray(file.payloadStart));
  if (crc !== meta.crc32) {
    throw new RangeError(
      `Cannot read model: checksum mismatch (payload ${crc}, metadata "${meta.crc32}"); the file is corrupted or truncated, download or export it again`,
    );
  }
  const specs = tensorSpecs(meta.config);
  const known = new Set(specs.flatMap((s) => [s.name, `${s.name}.scale`]));
  for (const name of file.tensors.keys()) {
    if (!known.has(name)) {
      throw new RangeError(`Cannot read model: tensor "${name}" is not part of this config`);
    }
  }
  const tensors = new Map<string, Float32Array>();
  let dtype: WeightDType = "F32";
  for (const spec of specs) {
    const t = decodeTensor(spec, file.tensors);
    tensors.set(spec.name, t.values);
    if (spec.shape.length > 1) dtype = t.dtype as WeightDType;
  }
  return { meta, config: meta.config, tensors, dtype };
}
