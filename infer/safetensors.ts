/**
 * The safetensors container: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian tensor bytes.
 * See https://github.com/huggingface/safetensors#format.
 *
 * @module
 */

/** The element types this package reads and writes. */
export type DType = "F32" | "F16" | "I8" | "I32" | "F64";

/** One tensor as stored: its dtype, shape and raw bytes. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

/** A parsed file: tensors by name (in file order) and the string metadata. */
export interface Safetensors {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
  /** Byte offset where the tensor payload starts (for checksums over the payload). */
  payloadStart: number;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<DType, number> = { F32: 4, F16: 2, I8: 1, I32: 4, F64: 8 };

// Tensors are aligned to 8 bytes in the payload, as the reference implementation does.
const ALIGN = 8;

/**
 * Serialises tensors (in the map's order) and string metadata to safetensors bytes.
 *
 * @param tensors Tensors by name.
 * @param metadata Strings stored under `__metadata__`.
 * @returns The file's bytes.
 */
export function encodeSafetensors(
  tensors: Map<string, RawTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count * DTYPE_BYTES[t.dtype] !== t.data.byteLength) {
      throw new RangeError(
        `Cannot encode tensor "${name}": shape [${t.shape}] as ${t.dtype} needs ${
          count * DTYPE_BYTES[t.dtype]
        } bytes, got ${t.data.byteLength}`,
      );
    }
    const start = Math.ceil(offset / ALIGN) * ALIGN;
    header[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [start, start + t.data.byteLength],
    };
    offset = start + t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((ALIGN - ((8 + new TextEncoder().encode(json).length) % ALIGN)) % ALIGN);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  for (const [name, t] of tensors) {
    const [start] = (header[name] as { data_offsets: number[] }).data_offsets;
    out.set(t.data, 8 + head.length + start);
  }
  return out;
}

/**
 * Parses safetensors bytes, checking every offset and shape against the file's size.
 *
 * @param bytes The whole file.
 * @returns The tensors (views into `bytes`) and metadata.
 * @throws {SyntaxError} When the header is not valid safetensors.
 * @throws {RangeError} When a tensor lies outside the file or disagrees with its shape.
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.byteLength < 8) {
    throw new SyntaxError(`Cannot read safetensors: file is ${bytes.byteLength} bytes, too short`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = Number(view.getBigUint64(0, true));
  if (headLen > bytes.byteLength - 8 || headLen > 100_000_000) {
    throw new SyntaxError(
      `Cannot read safetensors: header length ${headLen} exceeds the file (${bytes.byteLength} bytes); the file is truncated or not safetensors`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headLen)),
    );
  } catch (e) {
    throw new SyntaxError(
      `Cannot read safetensors: header is not valid JSON (${(e as Error).message})`,
    );
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new SyntaxError("Cannot read safetensors: header is not a JSON object");
  }
  const payloadStart = 8 + headLen;
  const payloadLen = bytes.byteLength - payloadStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, RawTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets } = entry as {
      dtype: DType;
      shape: number[];
      data_offsets: [number, number];
    };
    if (!(dtype in DTYPE_BYTES)) {
      throw new SyntaxError(`Cannot read tensor "${name}": unsupported dtype "${dtype}"`);
    }
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new SyntaxError(`Cannot read tensor "${name}": invalid shape ${JSON.stringify(shape)}`);
    }
    const [start, end] = data_offsets ?? [];
    const want = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > payloadLen) {
      throw new RangeError(
        `Cannot read tensor "${name}": bytes ${start}..${end} lie outside the payload (${payloadLen} bytes); the file is truncated`,
      );
    }
    if (end - start !== want) {
      throw new RangeError(
        `Cannot read tensor "${name}": shape [${shape}] as ${dtype} needs ${want} bytes, the header gives ${
          end - start
        }`,
      );
    }
    tensors.set(name, {
      dtype,
      shape,
      data: bytes.subarray(payloadStart + start, payloadStart + end),
    });
  }
  return { tensors, metadata, payloadStart };
}
