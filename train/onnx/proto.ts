/**
 * A minimal protobuf writer for ONNX `ModelProto`: just the messages and fields a graph
 * builder needs (onnx/onnx.proto, IR version 8). Hand-written rather than a dependency:
 * ONNX models are a handful of nested messages, so about 200 lines replace protobufjs plus
 * a generated schema.
 *
 * Repeated numbers are written unpacked (proto2's default for onnx.proto); every protobuf
 * parser must accept that form.
 *
 * @module
 */

/** ONNX element types (TensorProto.DataType) that the builder uses. */
export const DataType = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
} as const;

/** An element type name the builder knows. */
export type DType = keyof typeof DataType;

/** A dimension: a fixed size or a symbolic name ("B", "T"). */
export type Dim = number | string;

/** A constant tensor: raw little-endian bytes with dims and element type. */
export interface TensorData {
  /** Tensor name. */
  name: string;
  /** Element type. */
  dtype: DType;
  /** Fixed dims. */
  dims: number[];
  /** Little-endian element bytes, dims.reduce(*) elements. */
  raw: Uint8Array;
}

/** An attribute value: number (int unless `float` set), numbers, string, tensor. */
export type AttrValue =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: TensorData };

/** One graph node. */
export interface NodeData {
  /** Operator type, e.g. "MatMul". */
  op: string;
  /** Operator domain; "" or absent = ai.onnx. */
  domain?: string;
  /** Optional node name. */
  name?: string;
  /** Input value names ("" for an omitted optional input). */
  inputs: string[];
  /** Output value names. */
  outputs: string[];
  /** Attributes by name. */
  attrs: Record<string, AttrValue>;
}

/** A graph input or output's name, element type and shape. */
export interface ValueInfo {
  /** Value name. */
  name: string;
  /** Element type. */
  dtype: DType;
  /** Shape; strings are symbolic sizes. */
  shape: Dim[];
}

/** Everything `encodeModel` writes. */
export interface ModelData {
  /** Nodes in topological order. */
  nodes: NodeData[];
  /** Graph inputs. */
  inputs: ValueInfo[];
  /** Graph outputs. */
  outputs: ValueInfo[];
  /** Constant tensors. */
  initializers: TensorData[];
  /** Opset of the default domain, e.g. 18. */
  opset: number;
  /** Extra domains, e.g. { "com.microsoft": 1 }. */
  domains?: Record<string, number>;
  /** GraphProto name ("main" by default). */
  graphName?: string;
  /** producer_name ("e2k" by default). */
  producer?: string;
}

const textEncoder = new TextEncoder();

/** Growable byte sink with protobuf primitives. */
class Writer {
  private buf = new Uint8Array(1024);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned varint; negative int64 values are written as 10-byte two's complement. */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, textEncoder.encode(s));
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function writeTensor(w: Writer, t: TensorData): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, DataType[t.dtype]);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function writeAttr(w: Writer, name: string, a: AttrValue): void {
  w.string(1, name);
  switch (a.kind) {
    case "float":
      w.float(2, a.value);
      break;
    case "int":
      w.int(3, a.value);
      break;
    case "string":
      w.string(4, a.value);
      break;
    case "tensor":
      w.message(5, (m) => writeTensor(m, a.value));
      break;
    case "floats":
      for (const v of a.value) w.float(7, v);
      break;
    case "ints":
      for (const v of a.value) w.int(8, v);
      break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
}

function writeNode(w: Writer, n: NodeData): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, (m) => writeAttr(m, k, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DataType[v.dtype]);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => typeof d === "number" ? dim.int(1, d) : dim.string(2, d));
        }
      });
    }));
}

/**
 * Serialises a graph as ONNX ModelProto bytes (IR version 8).
 *
 * @param model nodes, graph inputs/outputs, initializers and opsets
 * @returns the bytes of a `.onnx` file
 * @example Encode an identity model
 * ```ts
 * const bytes = encodeModel({
 *   opset: 18,
 *   nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"], attrs: {} }],
 *   inputs: [{ name: "x", dtype: "float32", shape: [2] }],
 *   outputs: [{ name: "y", dtype: "float32", shape: [2] }],
 *   initializers: [],
 * });
 * ```
 */
export function encodeModel(model: ModelData): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version 8 (opset 17/18 era)
  w.string(2, model.producer ?? "e2k");
  w.message(7, (g) => {
    for (const n of model.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, model.graphName ?? "main");
    for (const t of model.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const v of model.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of model.outputs) g.message(12, (m) => writeValueInfo(m, v));
  });
  w.message(8, (o) => o.int(2, model.opset));
  for (const [domain, version] of Object.entries(model.domains ?? {})) {
    w.message(8, (o) => {
      o.string(1, domain);
      o.int(2, version);
    });
  }
  return w.finish().slice();
}
