/**
 * The graph builder: typed tensors, nodes, constants, symbolic dimensions, and the tape that
 * reverse-mode differentiation walks. Operators live in `ops/`, each with its forward nodes
 * and its gradient rule side by side; `autodiff.ts` walks the tape.
 *
 * A graph has one float type (`float32` for training and inference, `float64` for gradient
 * checks); operators emit that type and pick kernels that onnxruntime's CPU provider has for
 * it (e.g. com.microsoft FusedMatMul only exists for float32).
 *
 * @module
 */

import { type AttrValue, type Dim, type DType, encodeModel, type NodeData } from "./proto.ts";
import type { TensorData, ValueInfo } from "./proto.ts";

export type { Dim, DType };

/** The float type a graph computes in. */
export type FloatType = "float32" | "float64";

/** A value in a graph: its name, element type and (possibly symbolic) shape. */
export interface Tensor {
  /** The value's name in the graph. */
  readonly name: string;
  /** Element type. */
  readonly dtype: DType;
  /** Static shape; strings are symbolic sizes ("B", "T", "B*T"). */
  readonly shape: readonly Dim[];
}

/**
 * A gradient rule: given the gradients of an operation's outputs (null where an output got
 * none) and which inputs need one, returns the inputs' gradients (null where not needed).
 */
export type Backward = (gOut: (Tensor | null)[], needs: boolean[]) => (Tensor | null)[];

/** One differentiable operation as recorded on the tape. */
export interface TapeEntry {
  /** The operation's inputs. */
  inputs: Tensor[];
  /** The operation's outputs. */
  outputs: Tensor[];
  /** Its gradient rule. */
  backward: Backward;
}

/** Attribute constructors, so that node calls read `{ axis: int(1) }`. */
export const int = (value: number): AttrValue => ({ kind: "int", value });
/** A float attribute. */
export const float = (value: number): AttrValue => ({ kind: "float", value });
/** An ints attribute. */
export const ints = (value: number[]): AttrValue => ({ kind: "ints", value });
/** A string attribute. */
export const str = (value: string): AttrValue => ({ kind: "string", value });

type Typed = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

function toBytes(data: Typed): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** The typed-array constructor for a dtype (for constants). */
function typedArray(dtype: DType, values: number[]): Typed {
  switch (dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return Float64Array.from(values);
    case "int64":
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case "int32":
      return Int32Array.from(values);
    case "bool":
    case "uint8":
      return Uint8Array.from(values);
    default:
      throw new TypeError(`Cannot make a constant of type "${dtype}"`);
  }
}

/**
 * Collects nodes, inputs, outputs and initializers, and records differentiable operations.
 *
 * @example Build y = x + x and encode it
 * ```ts
 * const g = new Graph("float32");
 * const x = g.input("x", "float32", ["N"]);
 * const [y] = g.node("Add", [x, x], [{ dtype: "float32", shape: ["N"] }]);
 * g.output(y, "y");
 * const bytes = g.toModel();
 * ```
 */
export class Graph {
  /** The float type of every differentiable tensor. */
  readonly float: FloatType;
  /** Nodes in topological order (each appended after its inputs exist). */
  readonly nodes: NodeData[] = [];
  /** Graph inputs, in the order they were declared. */
  readonly inputs: ValueInfo[] = [];
  /** Graph outputs, in the order they were declared. */
  readonly outputs: ValueInfo[] = [];
  /** Constant tensors stored in the model. */
  readonly initializers: TensorData[] = [];
  /** Differentiable operations in forward order. */
  readonly tape: TapeEntry[] = [];
  /** While false (during the backward pass), operations are not recorded. */
  recording = true;
  /**
   * Whether operators may use onnxruntime's com.microsoft contrib kernels (FusedMatMul).
   * Inference graphs turn this off so that every runtime (onnxruntime-web too) can load them.
   */
  contribOps = true;
  private counter = 0;
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Tensor>();
  private readonly dimTensors = new Map<string, Tensor>();
  private readonly shapeCache = new Map<string, Tensor>();
  private readonly domains: Record<string, number> = {};

  /** @param float the float type of the graph's differentiable tensors */
  constructor(float: FloatType) {
    this.float = float;
  }

  /** A fresh unique value name from a prefix. */
  fresh(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.names.has(name)) name = `${prefix}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new RangeError(`Duplicate tensor name "${name}"`);
    this.names.add(name);
  }

  /**
   * Declares a graph input.
   *
   * @throws {RangeError} if the name is taken
   */
  input(name: string, dtype: DType, shape: Dim[]): Tensor {
    this.claim(name);
    this.inputs.push({ name, dtype, shape });
    return { name, dtype, shape };
  }

  /**
   * Stores a constant tensor in the model.
   *
   * @throws {RangeError} if the name is taken or the data length does not match the shape
   */
  initializer(name: string, dtype: DType, shape: number[], data: Typed): Tensor {
    this.claim(name);
    return this.store(name, dtype, shape, data);
  }

  private store(name: string, dtype: DType, shape: number[], data: Typed): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new RangeError(`Initializer "${name}" has ${data.length} values for shape [${shape}]`);
    }
    this.initializers.push({ name, dtype, dims: shape, raw: toBytes(data) });
    return { name, dtype, shape };
  }

  /**
   * A constant, cached by value: `constant([1e-5])` twice gives one initializer.
   *
   * @param values the elements, row-major
   * @param dtype element type; the graph's float type by default
   * @param shape dims; a scalar by default when there is one value, else 1-D
   */
  constant(values: number | number[], dtype: DType = this.float, shape?: number[]): Tensor {
    const list = typeof values === "number" ? [values] : values;
    const dims = shape ?? (typeof values === "number" ? [] : [list.length]);
    const key = `${dtype}|${dims}|${list.join(",")}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const t = this.store(this.fresh("const"), dtype, dims, typedArray(dtype, list));
    this.constCache.set(key, t);
    return t;
  }

  /** Registers `t` (int64, shape [1]) as the runtime value of symbolic size `sym`. */
  defineDim(sym: string, t: Tensor): void {
    this.dimTensors.set(sym, t);
  }

  /**
   * A 1-D int64 tensor holding `dims` at run time: numbers become constants, symbols are looked
   * up (see {@link defineDim}), products like "B*T" are multiplied, and -1 passes through.
   *
   * @throws {RangeError} for a symbol that was never defined
   */
  shapeTensor(dims: readonly Dim[]): Tensor {
    const key = dims.join(",");
    const hit = this.shapeCache.get(key);
    if (hit) return hit;
    if (dims.every((d) => typeof d === "number")) {
      const t = this.constant(dims as number[], "int64", [dims.length]);
      this.shapeCache.set(key, t);
      return t;
    }
    const parts = dims.map((d) => this.dimTensor(d));
    const [t] = this.node("Concat", parts, [{ dtype: "int64", shape: [dims.length] }], {
      axis: int(0),
    });
    this.shapeCache.set(key, t);
    return t;
  }

  private dimTensor(d: Dim): Tensor {
    if (typeof d === "number" || /^\d+$/.test(d)) return this.constant([Number(d)], "int64", [1]);
    const hit = this.dimTensors.get(d);
    if (hit) return hit;
    const factors = d.split("*");
    if (factors.length < 2) throw new RangeError(`Symbolic size "${d}" is not defined`);
    let t = this.dimTensor(factors[0]);
    for (const f of factors.slice(1)) {
      [t] = this.node("Mul", [t, this.dimTensor(f)], [{ dtype: "int64", shape: [1] }]);
    }
    this.dimTensors.set(d, t);
    return t;
  }

  /**
   * Appends a node and returns its outputs.
   *
   * @param op operator type, e.g. "MatMul"
   * @param inputs input tensors; null for an omitted optional input
   * @param outs each output's dtype and shape (and optionally its name)
   * @param attrs attributes
   * @param domain operator domain ("" = ai.onnx)
   * @param nodeName node name; onnxruntime quotes it in run-time errors
   */
  node(
    op: string,
    inputs: (Tensor | null)[],
    outs: { dtype: DType; shape: readonly Dim[]; name?: string }[],
    attrs: Record<string, AttrValue> = {},
    domain = "",
    nodeName?: string,
  ): Tensor[] {
    const outputs = outs.map((o) => {
      if (o.name) this.claim(o.name);
      return { name: o.name ?? this.fresh(op), dtype: o.dtype, shape: o.shape };
    });
    if (domain) this.domains[domain] = 1;
    this.nodes.push({
      op,
      domain: domain || undefined,
      name: nodeName,
      inputs: inputs.map((t) => t?.name ?? ""),
      outputs: outputs.map((t) => t.name),
      attrs,
    });
    return outputs;
  }

  /** Records a differentiable operation (ignored during the backward pass). */
  record(inputs: Tensor[], outputs: Tensor[], backward: Backward): void {
    if (this.recording) this.tape.push({ inputs, outputs, backward });
  }

  /**
   * Declares `t` as a graph output named `name` (an Identity node renames it if needed).
   *
   * @throws {RangeError} if the name is taken by another value
   */
  output(t: Tensor, name: string = t.name, shape: readonly Dim[] = t.shape): Tensor {
    let out = t;
    if (name !== t.name || this.outputs.some((o) => o.name === t.name) || this.isInput(t.name)) {
      [out] = this.node("Identity", [t], [{ dtype: t.dtype, shape: t.shape, name }]);
    }
    this.outputs.push({ name, dtype: out.dtype, shape: [...shape] });
    return out;
  }

  private isInput(name: string): boolean {
    return this.inputs.some((i) => i.name === name) ||
      this.initializers.some((i) => i.name === name);
  }

  /**
   * Serialises the graph as an ONNX model.
   *
   * @param opset default-domain opset (18: Reduce* take axes as an input, BitwiseXor exists)
   * @returns ModelProto bytes
   */
  toModel(opset = 18): Uint8Array {
    return encodeModel({
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
      opset,
      domains: this.domains,
    });
  }
}
