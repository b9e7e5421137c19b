/**
 * The model's parameters in GPU buffers, laid out for the kernels: the query, key and value
 * matrices of each self-attention side by side (one matmul instead of three), and the key and
 * value matrices of each cross-attention side by side.
 *
 * @module
 */

import { type ModelConfig, tensorSpecs } from "../model_spec.ts";

/** A linear layer: w (in, out), b (out). */
export interface GpuLinear {
  w: GPUBuffer;
  b: GPUBuffer;
  /** Output columns. */
  out: number;
}

/** A LayerNorm: gain and bias, (d) each. */
export interface GpuNorm {
  g: GPUBuffer;
  b: GPUBuffer;
}

/** One encoder layer. */
export interface GpuEncoderLayer {
  ln1: GpuNorm;
  /** Query, key, value projections side by side: (d, 3d). */
  qkv: GpuLinear;
  o: GpuLinear;
  ln2: GpuNorm;
  ff1: GpuLinear;
  ff2: GpuLinear;
}

/** One decoder layer. */
export interface GpuDecoderLayer {
  ln1: GpuNorm;
  /** Self-attention query, key, value side by side: (d, 3d). */
  qkv: GpuLinear;
  o: GpuLinear;
  ln2: GpuNorm;
  /** Cross-attention query: (d, d). */
  crossQ: GpuLinear;
  /** Cross-attention key and value side by side: (d, 2d), applied to the encoder output. */
  crossKv: GpuLinear;
  crossO: GpuLinear;
  ln3: GpuNorm;
  ff1: GpuLinear;
  ff2: GpuLinear;
}

/** Every parameter of a model on the GPU. */
export interface GpuWeights {
  srcEmbed: GPUBuffer; // (Vs, d)
  srcPos: GPUBuffer; // (Ls, d)
  tgtEmbed: GPUBuffer; // (Vt, d)
  tgtPos: GPUBuffer; // (Lt, d)
  enc: GpuEncoderLayer[];
  encLn: GpuNorm;
  dec: GpuDecoderLayer[];
  decLn: GpuNorm;
  out: GpuLinear; // (d, Vt)
  /** Every buffer, for destroy(). */
  all: GPUBuffer[];
}

/**
 * Checks that every tensor of the model is present with its size.
 *
 * @param config The model.
 * @param tensors Parameters by name, as `infer/model_spec.ts` names them.
 * @throws {RangeError} Naming the first missing or mis-sized tensor.
 */
export function checkTensors(config: ModelConfig, tensors: Map<string, Float32Array>): void {
  for (const spec of tensorSpecs(config)) {
    const t = tensors.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!t) throw new RangeError(`Cannot load the model: tensor "${spec.name}" is missing`);
    if (t.length !== size) {
      throw new RangeError(
        `Cannot load the model: tensor "${spec.name}" has ${t.length} values, ` +
          `expected ${size} for shape [${spec.shape}]`,
      );
    }
  }
}

/**
 * Concatenates matrices of `rows` rows along their columns.
 *
 * @param rows Rows of every matrix.
 * @param mats Matrices (rows, cols_i), row-major.
 * @returns (rows, sum cols_i).
 */
export function concatColumns(rows: number, mats: Float32Array[]): Float32Array {
  const cols = mats.map((m) => m.length / rows);
  const width = cols.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let at = r * width;
    mats.forEach((m, i) => {
      out.set(m.subarray(r * cols[i], (r + 1) * cols[i]), at);
      at += cols[i];
    });
  }
  return out;
}

/**
 * Uploads a model's parameters (checked first with {@link checkTensors}).
 *
 * @param device The device.
 * @param config The model.
 * @param tensors Parameters by name.
 * @returns The GPU buffers.
 */
export function uploadWeights(
  device: GPUDevice,
  config: ModelConfig,
  tensors: Map<string, Float32Array>,
): GpuWeights {
  checkTensors(config, tensors);
  const d = config.dModel;
  const all: GPUBuffer[] = [];
  const upload = (label: string, data: Float32Array): GPUBuffer => {
    const buffer = device.createBuffer({
      label,
      size: Math.max(4, data.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    new Float32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    all.push(buffer);
    return buffer;
  };
  const get = (name: string) => tensors.get(name)!;
  const norm = (p: string): GpuNorm => ({
    g: upload(`${p}.g`, get(`${p}.g`)),
    b: upload(`${p}.b`, get(`${p}.b`)),
  });
  const linear = (p: string): GpuLinear => ({
    w: upload(`${p}.w`, get(`${p}.w`)),
    b: upload(`${p}.b`, get(`${p}.b`)),
    out: get(`${p}.b`).length,
  });
  const joined = (label: string, ps: string[]): GpuLinear => ({
    w: upload(`${label}.w`, concatColumns(d, ps.map((p) => get(`${p}.w`)))),
    b: upload(`${label}.b`, concatColumns(1, ps.map((p) => get(`${p}.b`)))),
    out: ps.length * d,
  });
  const enc = Array.from({ length: config.encLayers }, (_, i): GpuEncoderLayer => {
    const p = `enc.${i}`;
    return {
      ln1: norm(`${p}.ln1`),
      qkv: joined(`${p}.attn.qkv`, ["q", "k", "v"].map((x) => `${p}.attn.${x}`)),
      o: linear(`${p}.attn.o`),
      ln2: norm(`${p}.ln2`),
      ff1: linear(`${p}.ff1`),
      ff2: linear(`${p}.ff2`),
    };
  });
  const dec = Array.from({ length: config.decLayers }, (_, i): GpuDecoderLayer => {
    const p = `dec.${i}`;
    return {
      ln1: norm(`${p}.ln1`),
      qkv: joined(`${p}.self.qkv`, ["q", "k", "v"].map((x) => `${p}.self.${x}`)),
      o: linear(`${p}.self.o`),
      ln2: norm(`${p}.ln2`),
      crossQ: linear(`${p}.cross.q`),
      crossKv: joined(`${p}.cross.kv`, [`${p}.cross.k`, `${p}.cross.v`]),
      crossO: linear(`${p}.cross.o`),
      ln3: norm(`${p}.ln3`),
      ff1: linear(`${p}.ff1`),
      ff2: linear(`${p}.ff2`),
    };
  });
  return {
    srcEmbed: upload("src_embed", get("src_embed")),
    srcPos: upload("src_pos", get("src_pos")),
    tgtEmbed: upload("tgt_embed", get("tgt_embed")),
    tgtPos: upload("tgt_pos", get("tgt_pos")),
    enc,
    encLn: norm("enc.ln"),
    dec,
    decLn: norm("dec.ln"),
    out: linear("out"),
    all,
  };
}
