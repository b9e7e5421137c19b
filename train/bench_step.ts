/**
 * Measures the train step of a model config: tokens per second, and the GFLOP/s it achieves
 * next to a plain MatMul graph of the step's largest product, in the same process.
 *
 * Run: `deno run -A train/bench_step.ts [--batch 128] [--src 12] [--tgt 10] [--steps 20]`.
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { DEFAULTS, modelConfigOf } from "./config.ts";
import { initParams } from "./init.ts";
import { Graph } from "./onnx/graph.ts";
import { makeRng } from "./rng.ts";
import { createSession, f32, i64, type ort } from "./session.ts";
import { buildTrainStep, type StepOptions } from "./step.ts";

/** The default model of the training loop (train/config.ts), i.e. the shipped C2K shape. */
export const BENCH_CONFIG: ModelConfig = modelConfigOf(DEFAULTS);

/** The default training options of the loop. */
export const BENCH_OPTIONS: StepOptions = {
  labelSmoothing: DEFAULTS.labelSmoothing,
  dropout: DEFAULTS.dropout,
  weightDecay: DEFAULTS.weightDecay,
  beta1: DEFAULTS.beta1,
  beta2: DEFAULTS.beta2,
  eps: DEFAULTS.eps,
  clipNorm: DEFAULTS.clipNorm,
  tasks: 3,
  taskWeighting: DEFAULTS.taskWeighting,
};

/** What {@link benchStep} measures. */
export interface StepBench {
  /** Rows, source and target lengths of the batch. */
  batch: number;
  /** Source length S. */
  srcLen: number;
  /** Target length T. */
  tgtLen: number;
  /** Median seconds per train step. */
  stepSeconds: number;
  /** Target tokens (B·T) per second. */
  tokensPerSecond: number;
  /** Estimated FLOPs of one step (forward + backward ≈ 3 × forward products). */
  stepFlops: number;
  /** stepFlops / stepSeconds / 1e9. */
  stepGflops: number;
  /**
   * GFLOP/s of a plain MatMul (B·S, d) × (d, dFF), same session options, timed between the
   * steps (five runs after each step).
   */
  matmulGflops: number;
  /** stepGflops / matmulGflops. */
  ratio: number;
}

/**
 * Multiply-add FLOPs of one forward pass (products only: projections, attention, output).
 *
 * @returns FLOPs (2 per multiply-add)
 */
export function forwardFlops(c: ModelConfig, B: number, S: number, T: number): number {
  const d = c.dModel;
  const f = c.dFF;
  const enc = c.encLayers * B * S * (4 * d * d + 2 * d * f + 2 * S * d);
  const dec = c.decLayers * B * (T * (4 * d * d + 2 * T * d) + // self-attention
    T * (2 * d * d + 2 * S * d) + S * 2 * d * d + // cross-attention (K, V over the memory)
    T * 2 * d * f);
  const out = B * T * d * c.tgtVocab.length;
  return 2 * (enc + dec + out);
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A session running one plain MatMul (M, K) × (K, N), and its FLOPs. */
async function matmulRunner(M: number, K: number, N: number, threads: number) {
  const g = new Graph("float32");
  const a = g.input("a", "float32", [M, K]);
  const b = g.input("b", "float32", [K, N]);
  const [y] = g.node("MatMul", [a, b], [{ dtype: "float32", shape: [M, N] }]);
  g.output(y, "y");
  const session = await createSession(g.toModel(), { threads });
  const feeds = {
    a: f32(new Float32Array(M * K).fill(0.5), [M, K]),
    b: f32(new Float32Array(K * N).fill(0.25), [K, N]),
  };
  return { session, run: () => session.run(feeds), flops: 2 * M * K * N };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

/**
 * Times the train step of `config` on random batches of fixed shape, then a plain MatMul.
 *
 * @param opts batch rows, source/target lengths, timed steps, threads (0 = onnxruntime's)
 * @returns the measurements
 */
export async function benchStep(opts: {
  config?: ModelConfig;
  options?: StepOptions;
  batch?: number;
  srcLen?: number;
  tgtLen?: number;
  steps?: number;
  threads?: number;
} = {}): Promise<StepBench> {
  const c = opts.config ?? BENCH_CONFIG;
  const o = opts.options ?? BENCH_OPTIONS;
  const [B, S, T] = [opts.batch ?? DEFAULTS.batchSize, opts.srcLen ?? 12, opts.tgtLen ?? 10];
  const steps = opts.steps ?? 10;
  const threads = opts.threads ?? 0;
  const session = await createSession(buildTrainStep(c, o), { threads });
  const rng = makeRng(1);
  const init = initParams(c, 1);
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of tensorSpecs(c)) {
    const n = init.get(s.name)!.length;
    feeds[s.name] = f32(init.get(s.name)!, s.shape);
    feeds[`m.${s.name}`] = f32(new Float32Array(n), s.shape);
    feeds[`v.${s.name}`] = f32(new Float32Array(n), s.shape);
  }
  const K = o.tasks;
  const zeros = new Float32Array(K);
  Object.assign(feeds, {
    task_s: f32(zeros, [K]),
    "m.task_s": f32(zeros, [K]),
    "v.task_s": f32(zeros, [K]),
    task_w: f32(new Float32Array(K).fill(1), [K]),
    src: i64(Array.from({ length: B * S }, () => 3 + rng.int(c.srcVocab.length - 3)), [B, S]),
    tgt_in: i64(Array.from({ length: B * T }, () => 3 + rng.int(c.tgtVocab.length - 3)), [B, T]),
    tgt_out: i64(Array.from({ length: B * T }, () => 3 + rng.int(c.tgtVocab.length - 3)), [B, T]),
    task: i64(Array.from({ length: B }, () => rng.int(K)), [B]),
    lr: f32([1e-4], []),
    step: f32([1], []),
    seed: f32([1], []),
  });
  const mm = await matmulRunner(B * S, c.dModel, c.dFF, threads);
  await session.run(feeds); // warm-up: allocations and kernel choice
  await mm.run();
  // Interleaved, so that a busy machine slows both measurements alike.
  const stepTimes: number[] = [];
  const mmTimes: number[] = [];
  for (let i = 0; i < steps; i++) {
    stepTimes.push(await timed(() => session.run(feeds)));
    for (let j = 0; j < 5; j++) mmTimes.push(await timed(mm.run));
  }
  await session.release();
  await mm.session.release();
  const stepSeconds = median(stepTimes);
  const stepFlops = 3 * forwardFlops(c, B, S, T);
  const stepGflops = stepFlops / stepSeconds / 1e9;
  const matmulGflops = mm.flops / median(mmTimes) / 1e9;
  return {
    batch: B,
    srcLen: S,
    tgtLen: T,
    stepSeconds,
    tokensPerSecond: (B * T) / stepSeconds,
    stepFlops,
    stepGflops,
    matmulGflops,
    ratio: stepGflops / matmulGflops,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      batch: { type: "string", default: String(DEFAULTS.batchSize) },
      src: { type: "string", default: "12" },
      tgt: { type: "string", default: "10" },
      steps: { type: "string", default: "10" },
      threads: { type: "string", default: "0" },
      dropout: { type: "string", default: "0.1" },
    },
  });
  const r = await benchStep({
    batch: Number(values.batch),
    srcLen: Number(values.src),
    tgtLen: Number(values.tgt),
    steps: Number(values.steps),
    threads: Number(values.threads),
    options: { ...BENCH_OPTIONS, dropout: Number(values.dropout) },
  });
  console.log(
    `train step (B=${r.batch}, S=${r.srcLen}, T=${r.tgtLen}): ${
      (r.stepSeconds * 1000).toFixed(1)
    } ms, ` +
      `${r.tokensPerSecond.toFixed(0)} target tokens/s, ${r.stepGflops.toFixed(1)} GFLOP/s; ` +
      `plain MatMul ${r.matmulGflops.toFixed(1)} GFLOP/s; ratio ${(100 * r.ratio).toFixed(0)}%`,
  );
}
