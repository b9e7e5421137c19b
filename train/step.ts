/**
 * The training-step and eval graphs: one ONNX model each, run once per batch.
 *
 * Train step: forward → masked, label-smoothed cross-entropy per task → task weighting
 * (fixed weights, or learned uncertainty weights, Kendall & Gal 2018) → reverse-mode
 * gradients → global-norm clip → AdamW → new parameters and moments out.
 *
 * Choices (documented here because the loop relies on them):
 * - Weight decay applies to the matrices `*.w` only; embeddings, positions, LayerNorm gains
 *   and biases, and the task log-variances are not decayed.
 * - Per-task loss is the mean token loss over that task's non-PAD targets in the batch;
 *   `task_loss` reports it (label smoothing included, i.e. exactly what is optimised).
 *   Fixed weighting: L = Σ_i w_i·L_i. Learned: L = Σ_i [task i present]·(e^{−s_i} L_i + s_i).
 * - The log-variances s_i use their own Adam moments, lr·taskLrScale, no weight decay and no
 *   clipping, and are clamped to [−4, 4] after each update. With fixed weighting they pass
 *   through unchanged.
 * - `grad_norm` is the global L2 norm of the parameter gradients before clipping (s excluded).
 * - Dropout (when > 0) is applied after the embeddings, to the attention probabilities, to the
 *   feed-forward hidden activations and to every residual branch; it is inverted (scaled by
 *   1/(1−p)) and derived from a hash of (seed, site, element index), so a step is a pure
 *   function of its inputs and resuming reproduces an uninterrupted run.
 *
 * @module
 */

import { type ModelConfig, tensorSpecs, validateConfig } from "../infer/model_spec.ts";
import { adamwScalars, adamwUpdate } from "./adamw.ts";
import { rowCorrect, rowLosses } from "./loss.ts";
import { batchInputs, type Dropout, forward, paramInputs } from "./model.ts";
import { gradients } from "./onnx/autodiff.ts";
import { type FloatType, Graph, int, type Tensor } from "./onnx/graph.ts";
import { add, clip, div, exp, mul, neg } from "./onnx/ops/elementwise.ts";
import { reduceSum } from "./onnx/ops/reduce.ts";
import { reshape } from "./onnx/ops/shape.ts";
import { makeDropout } from "./dropout.ts";

/** Hyper-parameters baked into the train-step graph. */
export interface StepOptions {
  /** Label smoothing ε in [0, 1). */
  labelSmoothing: number;
  /** Dropout probability in [0, 1) (sites: see the module doc). */
  dropout: number;
  /** Decoupled weight decay (AdamW) on the `*.w` matrices. */
  weightDecay: number;
  /** Adam's first-moment decay. */
  beta1: number;
  /** Adam's second-moment decay. */
  beta2: number;
  /** Adam's denominator epsilon. */
  eps: number;
  /** Global gradient-norm clip; 0 turns it off. */
  clipNorm: number;
  /** Number of task ids (e.g. 2: English, romaji); the `task` input holds 0..tasks-1. */
  tasks: number;
  /** "fixed": L = Σ w_i L_i with `task_w` fed; "learned": uncertainty weighting. */
  taskWeighting: "fixed" | "learned";
  /** Learning-rate multiplier of the learned log-variances (default 0.1). */
  taskLrScale?: number;
  /**
   * With dropout: the most tokens (B·S or B·T) a batch may hold; sizes the dropout mask
   * table (see dropout.ts). Default 64 × max(maxSrcLen, maxTgtLen). A larger batch fails
   * in Slice/Reshape at run time.
   */
  maxTokens?: number;
}

/**
 * The largest activation dropout touches, in elements, for batches of `maxTokens` tokens:
 * the feed-forward hidden (tokens, dFF), the residual stream (tokens, d), or the attention
 * probabilities (tokens·heads·longest).
 *
 * @returns the element count
 */
export function largestDropoutSite(c: ModelConfig, o: StepOptions): number {
  const longest = Math.max(c.maxSrcLen, c.maxTgtLen);
  const tokens = o.maxTokens ?? 64 * longest;
  return tokens * Math.max(c.dFF, c.dModel, c.heads * longest);
}

/** Bound of the learned log-variances: s is clamped to [−TASK_S_LIMIT, TASK_S_LIMIT]. */
export const TASK_S_LIMIT = 4;

/**
 * Checks step options.
 *
 * @throws {RangeError} naming the first bad field
 */
export function validateStepOptions(o: StepOptions): void {
  const unit = (key: keyof StepOptions, v: number, max = 1) => {
    if (!(v >= 0 && v < max)) {
      throw new RangeError(`Invalid step options: "${key}" must be in [0, ${max}), got ${v}`);
    }
  };
  unit("labelSmoothing", o.labelSmoothing);
  unit("dropout", o.dropout);
  unit("beta1", o.beta1);
  unit("beta2", o.beta2);
  unit("weightDecay", o.weightDecay, Infinity);
  unit("clipNorm", o.clipNorm, Infinity);
  if (!(o.eps > 0)) throw new RangeError(`Invalid step options: "eps" must be > 0, got ${o.eps}`);
  if (!Number.isInteger(o.tasks) || o.tasks < 1) {
    throw new RangeError(
      `Invalid step options: "tasks" must be a positive integer, got ${o.tasks}`,
    );
  }
  if (o.taskWeighting !== "fixed" && o.taskWeighting !== "learned") {
    throw new RangeError(`Invalid step options: unknown taskWeighting "${o.taskWeighting}"`);
  }
}

/** The batch inputs of both graphs. */
export interface BatchInputs {
  /** Source ids, int64 (B, S). */
  src: Tensor;
  /** Decoder inputs, int64 (B, T), SOS first. */
  tgtIn: Tensor;
  /** Decoder targets, int64 (B, T), PAD where nothing is scored. */
  tgtOut: Tensor;
  /** Task id per row, int64 (B). */
  task: Tensor;
}

function declareBatch(g: Graph): BatchInputs {
  const { src, tgtIn } = batchInputs(g);
  const tgtOut = g.input("tgt_out", "int64", ["B", "T"]);
  const task = g.input("task", "int64", ["B"]);
  return { src, tgtIn, tgtOut, task };
}

/** The objective's parts. */
export interface Objective {
  /** The weighted objective, scalar. */
  loss: Tensor;
  /** Mean token loss per task (0 where absent), (tasks). */
  taskLoss: Tensor;
  /** Non-PAD target tokens in the batch, scalar. */
  tokens: Tensor;
}

/**
 * Forward pass, per-task mean token losses, and the task-weighted objective.
 *
 * @param taskS learned log-variances (tasks)
 * @param taskW fixed weights (tasks)
 * @returns the objective and what the step reports
 */
export function objective(
  g: Graph,
  c: ModelConfig,
  P: (name: string) => Tensor,
  b: BatchInputs,
  taskS: Tensor,
  taskW: Tensor,
  o: StepOptions,
  drop?: Dropout,
): Objective {
  const f = g.float;
  const to = int(f === "float64" ? 11 : 1);
  const K = o.tasks;
  const logits = forward(g, c, P, b.src, b.tgtIn, drop);
  const r = rowLosses(g, logits, b.tgtOut, o.labelSmoothing);
  const [col] = g.node("Unsqueeze", [b.task, g.constant([1], "int64", [1])], [{
    dtype: "int64",
    shape: ["B", 1],
  }]);
  const [hit] = g.node("Equal", [col, g.constant([...Array(K).keys()], "int64", [1, K])], [{
    dtype: "bool",
    shape: ["B", K],
  }]);
  const [oneHot] = g.node("Cast", [hit], [{ dtype: f, shape: ["B", K] }], { to }); // (B, K)
  const sums = reduceSum(g, mul(g, reshape(g, r.rowLoss, ["B", 1]), oneHot), [0]); // (K)
  const [tokRows] = g.node("Unsqueeze", [r.rowTokens, g.constant([1], "int64", [1])], [{
    dtype: f,
    shape: ["B", 1],
  }]);
  const [tokByTask] = g.node(
    "ReduceSum",
    [
      g.node("Mul", [tokRows, oneHot], [{ dtype: f, shape: ["B", K] }])[0],
      g.constant([0], "int64", [1]),
    ],
    [{ dtype: f, shape: [K] }],
    { keepdims: int(0) },
  );
  const [denom] = g.node("Max", [tokByTask, g.constant(1)], [{ dtype: f, shape: [K] }]);
  const taskLoss = div(g, sums, denom); // (K)
  let loss: Tensor;
  if (o.taskWeighting === "fixed") {
    loss = reduceSum(g, mul(g, taskLoss, taskW), [0]);
  } else {
    const [isPresent] = g.node("Greater", [tokByTask, g.constant(0)], [{
      dtype: "bool",
      shape: [K],
    }]);
    const [present] = g.node("Cast", [isPresent], [{ dtype: f, shape: [K] }], { to });
    const weighted = add(g, mul(g, exp(g, neg(g, taskS)), taskLoss), taskS);
    loss = reduceSum(g, mul(g, weighted, present), [0]);
  }
  const [tokens] = g.node("ReduceSum", [tokByTask], [{ dtype: f, shape: [] }], {
    keepdims: int(0),
  });
  return { loss, taskLoss, tokens };
}

/**
 * Builds the train-step graph (see the module doc for the I/O and the choices).
 *
 * @param float float32 for training; float64 for gradient checks
 * @returns the graph, before serialisation
 * @throws {RangeError} for a bad config or options
 */
export function buildTrainGraph(
  c: ModelConfig,
  o: StepOptions,
  float: FloatType = "float32",
): Graph {
  validateConfig(c);
  validateStepOptions(o);
  const g = new Graph(float);
  const specs = tensorSpecs(c);
  const { params: P, list: params } = paramInputs(g, c);
  const ms = specs.map((s) => g.input(`m.${s.name}`, float, s.shape));
  const vs = specs.map((s) => g.input(`v.${s.name}`, float, s.shape));
  const K = o.tasks;
  const taskS = g.input("task_s", float, [K]);
  const mS = g.input("m.task_s", float, [K]);
  const vS = g.input("v.task_s", float, [K]);
  const taskW = g.input("task_w", float, [K]);
  const batch = declareBatch(g);
  const lr = g.input("lr", float, []);
  const step = g.input("step", float, []);
  const seed = g.input("seed", float, []);
  const drop = o.dropout > 0
    ? makeDropout(g, o.dropout, seed, largestDropoutSite(c, o))
    : undefined;

  const obj = objective(g, c, P, batch, taskS, taskW, o, drop);
  const learned = o.taskWeighting === "learned";
  const grads = gradients(g, obj.loss, learned ? [...params, taskS] : params);

  const squares = params.map((_, i) =>
    g.node("ReduceSumSquare", [grads[i]], [{ dtype: float, shape: [] }], { keepdims: int(0) })[0]
  );
  const [sq] = g.node("Sum", squares, [{ dtype: float, shape: [] }]);
  const [norm] = g.node("Sqrt", [sq], [{ dtype: float, shape: [] }]);
  let scale = g.constant(1);
  if (o.clipNorm > 0) {
    const s = (op: string, a: Tensor, b: Tensor) =>
      g.node(op, [a, b], [{ dtype: float, shape: [] }])[0];
    scale = s(
      "Min",
      g.constant(1),
      s("Div", g.constant(o.clipNorm), s("Add", norm, g.constant(1e-6))),
    );
  }
  const k = adamwScalars(g, o, lr, step, scale);
  specs.forEach((s, i) => {
    adamwUpdate(g, k, params[i], grads[i], ms[i], vs[i], s.name.endsWith(".w"), {
      p: `new.${s.name}`,
      m: `new.m.${s.name}`,
      v: `new.v.${s.name}`,
    });
    g.outputs.push({ name: `new.${s.name}`, dtype: float, shape: s.shape });
    g.outputs.push({ name: `new.m.${s.name}`, dtype: float, shape: s.shape });
    g.outputs.push({ name: `new.v.${s.name}`, dtype: float, shape: s.shape });
  });

  if (learned) {
    const [lrS] = g.node("Mul", [lr, g.constant(o.taskLrScale ?? 0.1)], [{
      dtype: float,
      shape: [],
    }]);
    const kS = adamwScalars(g, { ...o, weightDecay: 0 }, lrS, step, g.constant(1));
    const u = adamwUpdate(g, kS, taskS, grads[params.length], mS, vS, false, {
      m: "new.m.task_s",
      v: "new.v.task_s",
    });
    const clamped = clip(g, u.p, -TASK_S_LIMIT, TASK_S_LIMIT);
    g.output(clamped, "new.task_s");
    g.outputs.push({ name: "new.m.task_s", dtype: float, shape: [K] });
    g.outputs.push({ name: "new.v.task_s", dtype: float, shape: [K] });
  } else {
    g.output(taskS, "new.task_s");
    g.output(mS, "new.m.task_s");
    g.output(vS, "new.v.task_s");
  }
  g.output(obj.loss, "loss");
  g.output(obj.taskLoss, "task_loss");
  g.output(obj.tokens, "tokens");
  g.output(norm, "grad_norm");
  return g;
}

/**
 * The train-step graph as ONNX bytes.
 *
 * Inputs: every parameter `NAME` (tensorSpecs order), `m.NAME`, `v.NAME`; `task_s`,
 * `m.task_s`, `v.task_s`, `task_w` (tasks); `src` int64 (B, S), `tgt_in` and `tgt_out` int64
 * (B, T); `task` int64 (B); `lr`, `step` (1-based), `seed` scalars. Outputs: `loss`,
 * `task_loss` (tasks), `tokens`, `grad_norm`, `new.NAME`, `new.m.NAME`, `new.v.NAME`,
 * `new.task_s`, `new.m.task_s`, `new.v.task_s`.
 *
 * @returns ModelProto bytes
 * @throws {RangeError} for a bad config or options
 */
export function buildTrainStep(c: ModelConfig, o: StepOptions): Uint8Array {
  return buildTrainGraph(c, o).toModel();
}

/**
 * Builds the eval graph: params + `src`, `tgt_in`, `tgt_out`, `task` → `loss_sum` (B) summed
 * token cross-entropy per row without smoothing, `tokens` (B), `correct` (B) teacher-forced
 * argmax matches. No dropout.
 *
 * @returns the graph
 */
export function buildEvalGraph(
  c: ModelConfig,
  _o: StepOptions,
  float: FloatType = "float32",
): Graph {
  validateConfig(c);
  const g = new Graph(float);
  const { params: P } = paramInputs(g, c);
  const b = declareBatch(g);
  const logits = forward(g, c, P, b.src, b.tgtIn);
  const r = rowLosses(g, logits, b.tgtOut, 0);
  g.output(r.rowLoss, "loss_sum");
  g.output(r.rowTokens, "tokens");
  g.output(rowCorrect(g, logits, r, "B", "T"), "correct");
  return g;
}

/**
 * The eval graph as ONNX bytes (see {@link buildEvalGraph}).
 *
 * @returns ModelProto bytes
 */
export function buildEvalStep(c: ModelConfig, o: StepOptions): Uint8Array {
  return buildEvalGraph(c, o).toModel();
}
