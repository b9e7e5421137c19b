/**
 * The training loop, top to bottom: set-up (run directory, data, graphs, state), then one loop
 * over epochs and batches (learning rate, step, log, checkpoint), then per-epoch validation
 * and early stopping. The CLI (train/train.ts) parses flags, loads the dataset and calls
 * {@link runTraining}; tests call it with synthetic data.
 *
 * The state lives in onnxruntime tensors: each step's outputs `new.X` are fed back as the
 * next step's inputs `X` as they are, with no copy.
 *
 * @module
 */

import type { Tensor } from "onnxruntime-node";
import { exists } from "../deps/fs.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { createProgress } from "../infer/progress.ts";
import {
  encodeExamples,
  type Item,
  makeBatch,
  planBatches,
  type SourceExample,
} from "./batches.ts";
import {
  type Checkpoint,
  type FloatTensor,
  initialLoopState,
  loadCheckpoint,
  type LoopState,
  saveCheckpoint,
} from "./checkpoint.ts";
import { auxWeight, type Kind, LOOP_KEYS, modelConfigOf, type TrainConfig } from "./config.ts";
import { decodeItems, evalSet, scored } from "./evaluation.ts";
import { auxItems, auxTaskOf, hasAux, kanaOnly, sampleItems, withAux } from "./auxiliary.ts";
import { initParams } from "./init.ts";
import { score } from "./metrics.ts";
import {
  type EpochRecord,
  gitState,
  hashExamples,
  readEpochs,
  readRunInfo,
  type RunInfo,
  writeProgress,
  writeRunInfo,
} from "./run_dir.ts";
import { learningRate } from "./schedule.ts";
import { createSession, ort, type Session } from "./session.ts";
import { buildEvalStep, buildTrainStep, type StepOptions } from "./step.ts";

/** The examples a run trains and validates on. */
export interface TrainData {
  train: readonly SourceExample[];
  valid: readonly SourceExample[];
  /** CMUdict (word → pronunciations) for the auxiliary task; needed when it is on. */
  cmudict?: ReadonlyMap<string, readonly string[]>;
}

/** Options of {@link runTraining}. */
export interface RunOptions {
  /** The run's configuration (on resume: the flags given now, see `explicit`). */
  config: TrainConfig;
  /** The run directory. */
  outDir: string;
  /** Continue from `outDir/checkpoint.safetensors`. */
  resume?: boolean;
  /** On resume, the keys given now; those in LOOP_KEYS override the checkpoint's. */
  explicit?: ReadonlySet<keyof TrainConfig>;
  data: TrainData;
  /** Aborting saves a checkpoint at the next step boundary and returns. */
  signal?: AbortSignal;
  /** One line of log (no newline). */
  log?: (line: string) => void;
  /** Progress-bar output (with "\r" redraws). */
  write?: (text: string) => void;
  /** Tests: save and return after this many steps in all, as if interrupted. */
  stopAtStep?: number;
}

/** How a run ended. */
export interface RunResult {
  /** "finished": epochs done or early-stopped; "interrupted": aborted or stopAtStep. */
  status: "finished" | "interrupted";
  loop: LoopState;
  epochs: EpochRecord[];
  /** The final parameters (not the best ones: those are in best.safetensors). */
  params: Map<string, Float32Array>;
  config: TrainConfig;
}

const CHECKPOINT = "checkpoint.safetensors";
const BEST = "best.safetensors";

/** The auxiliary task's dictionary, or a clear error when the caller gave none. */
function requireCmudict(data: TrainData, task: string): ReadonlyMap<string, readonly string[]> {
  if (!data.cmudict || data.cmudict.size === 0) {
    throw new RangeError(`Cannot train with the ${task} task: no CMUdict words were given`);
  }
  return data.cmudict;
}

/** A float32 scalar tensor. */
const scalar = (x: number) => new ort.Tensor("float32", Float32Array.of(x), []);

/** A dropout seed per step, exactly representable in float32 (below 2^24). */
function stepSeed(seed: number, step: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ step;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return ((h ^ (h >>> 13)) >>> 0) & 0xffffff;
}

/** The batch order of an epoch depends only on the seed and the epoch. */
const epochSeed = (seed: number, epoch: number) => stepSeed(seed ^ 0x5bd1e995, epoch + 1);

/** The loss's tasks in id order: the trained kinds, then the auxiliary task when it is on. */
function taskNames(c: TrainConfig): string[] {
  return auxWeight(c) > 0 ? [...c.trainKinds, auxTaskOf(c.task)] : [...c.trainKinds];
}

/** Fixed weight of each task, in id order. */
function taskWeightList(c: TrainConfig): number[] {
  const kinds: readonly string[] = c.trainKinds;
  return taskNames(c).map((t) => kinds.includes(t) ? c.taskWeights[t as Kind] : auxWeight(c));
}

function stepOptions(c: TrainConfig): StepOptions {
  return {
    labelSmoothing: c.labelSmoothing,
    dropout: c.dropout,
    weightDecay: c.weightDecay,
    beta1: c.beta1,
    beta2: c.beta2,
    eps: c.eps,
    clipNorm: c.clipNorm,
    tasks: taskNames(c).length,
    taskWeighting: c.taskWeighting,
    // Sizes the dropout mask table: no batch holds more tokens (B·S or B·T) than this.
    maxTokens: c.tokenBudget > 0 ? c.tokenBudget : c.batchSize * Math.max(c.maxSrcLen, c.maxTgtLen),
  };
}

/** Names of every state tensor the step carries over: parameters, moments, task weights. */
function stateNames(mc: ModelConfig): string[] {
  const params = tensorSpecs(mc).map((s) => s.name);
  return [
    ...params,
    ...params.map((n) => `m.${n}`),
    ...params.map((n) => `v.${n}`),
    "task_s",
    "m.task_s",
    "v.task_s",
  ];
}

/** A fresh state: initial parameters, zero moments, task log-variances s = −ln(weight). */
function freshState(c: TrainConfig, mc: ModelConfig): Map<string, FloatTensor> {
  const state = new Map<string, FloatTensor>();
  const init = initParams(mc, c.seed);
  const specs = tensorSpecs(mc);
  for (const s of specs) state.set(s.name, { data: init.get(s.name)!, dims: s.shape });
  for (const p of ["m", "v"]) {
    for (const s of specs) {
      state.set(`${p}.${s.name}`, {
        data: new Float32Array(init.get(s.name)!.length),
        dims: s.shape,
      });
    }
  }
  const weights = taskWeightList(c);
  const k = weights.length;
  const s = Float32Array.from(weights, (w) => c.taskWeighting === "learned" ? -Math.log(w) : 0);
  state.set("task_s", { data: s, dims: [k] });
  state.set("m.task_s", { data: new Float32Array(k), dims: [k] });
  state.set("v.task_s", { data: new Float32Array(k), dims: [k] });
  return state;
}

/**
 * A fresh state whose parameters come from `c.init`: a run directory (its best checkpoint) or a
 * checkpoint file. Moments, step and schedule start afresh: a warm restart, or fine-tuning.
 */
async function initState(c: TrainConfig, mc: ModelConfig): Promise<Map<string, FloatTensor>> {
  const state = freshState(c, mc);
  if (c.init === "") return state;
  const path = (await Deno.stat(c.init)).isDirectory ? `${c.init}/${BEST}` : c.init;
  const from = await loadCheckpoint(path);
  const fromConfig = modelConfigOf(from.config);
  // A katakana model may start a run with an auxiliary task: its weights fill all but the
  // new symbols' rows.
  if (hasAux(mc) && !hasAux(fromConfig)) {
    const same = JSON.stringify({ ...fromConfig, tgtVocab: mc.tgtVocab }) === JSON.stringify(mc);
    if (same) {
      const fresh = new Map(tensorSpecs(mc).map((s) => [s.name, state.get(s.name)!.data]));
      const params = new Map([...from.tensors].map(([n, t]) => [n, t.data]));
      for (const [n, data] of withAux(params, mc, fresh)) {
        state.set(n, { data, dims: state.get(n)!.dims });
      }
      return state;
    }
  }
  const [theirs, ours] = [fromConfig, mc].map((m) => JSON.stringify(m));
  if (theirs !== ours) {
    throw new RangeError(
      `Cannot start from "${path}": its model ${theirs} differs from this run's ${ours}`,
    );
  }
  for (const s of tensorSpecs(mc)) state.set(s.name, from.tensors.get(s.name)!);
  return state;
}

/** Merges a resumed run's config: the checkpoint's, with loop keys given now on top. */
function resumeConfig(
  saved: TrainConfig,
  given: TrainConfig,
  explicit: ReadonlySet<keyof TrainConfig>,
): TrainConfig {
  const merged = { ...saved };
  for (const key of explicit) {
    const same = JSON.stringify(saved[key]) === JSON.stringify(given[key]);
    if ((LOOP_KEYS as readonly string[]).includes(key)) {
      (merged as Record<string, unknown>)[key] = given[key];
    } else if (!same) {
      throw new RangeError(
        `Cannot resume with "${key}" ${JSON.stringify(given[key])}: the run was started with ` +
          `${JSON.stringify(saved[key])}; only ${LOOP_KEYS.join(", ")} may change on resume`,
      );
    }
  }
  return merged;
}

function toTensor(t: FloatTensor): Tensor {
  return t instanceof ort.Tensor ? t : new ort.Tensor("float32", t.data, [...t.dims]);
}

/** The parameters of a state, by spec name (views, no copy). */
function paramsOf(mc: ModelConfig, state: Record<string, Tensor>): Map<string, Float32Array> {
  return new Map(tensorSpecs(mc).map((s) => [s.name, state[s.name].data as Float32Array]));
}

interface Validation {
  loss: number;
  tokenAccuracy: number;
  record: Pick<EpochRecord, "valid" | "validLoss" | "validTokenAccuracy">;
}

/** Validation loss (teacher forcing, eval graph) and greedy-decoding figures. */
async function validate(
  session: Session,
  state: Record<string, Tensor>,
  mc: ModelConfig,
  c: TrainConfig,
  lossItems: Item[],
  data: TrainData,
  write: (t: string) => void,
): Promise<Validation> {
  let lossSum = 0, tokens = 0, correct = 0;
  const params = tensorSpecs(mc).map((s) => s.name);
  for (const idx of planBatches(lossItems, { batchSize: 256, seed: null })) {
    const b = makeBatch(lossItems, idx);
    const feeds: Record<string, Tensor> = {
      src: new ort.Tensor("int64", b.src, [b.rows, b.srcLen]),
      tgt_in: new ort.Tensor("int64", b.tgtIn, [b.rows, b.tgtLen]),
      tgt_out: new ort.Tensor("int64", b.tgtOut, [b.rows, b.tgtLen]),
      task: new ort.Tensor("int64", b.task, [b.rows]),
    };
    for (const n of params) feeds[n] = state[n];
    const out = await session.run(feeds, ["loss_sum", "tokens", "correct"]);
    for (const x of out.loss_sum.data as Float32Array) lossSum += x;
    for (const x of out.tokens.data as Float32Array) tokens += Number(x);
    for (const x of out.correct.data as Float32Array) correct += Number(x);
  }
  let { items } = evalSet(data.valid, c.task, c.validKinds, c.maxSrcLen);
  if (c.validLimit > 0 && items.length > c.validLimit) {
    // A fixed, evenly spread subset, the same every epoch.
    const stride = items.length / c.validLimit;
    items = Array.from({ length: c.validLimit }, (_, i) => items[Math.floor(i * stride)]);
  }
  const kana = kanaOnly(mc, paramsOf(mc, state));
  const backend = createCpuBackend(kana.config, kana.params);
  const bar = createProgress(items.length, { unit: "words", write });
  const predictions = await decodeItems(backend, items, kana.config.tgtVocab, {
    strategy: "greedy",
    maxLength: mc.maxTgtLen - 1,
    batchSize: 64,
    onBatch: (n) => bar.tick(n),
  });
  bar.done();
  const loss = tokens > 0 ? lossSum / tokens : NaN;
  const tokenAccuracy = tokens > 0 ? correct / tokens : NaN;
  return {
    loss,
    tokenAccuracy,
    record: {
      validLoss: loss,
      validTokenAccuracy: tokenAccuracy,
      valid: score(scored(items, predictions)),
    },
  };
}

/**
 * Trains (or resumes) a run and writes its directory.
 *
 * @param opts Config, run directory, data, abort signal, log sinks.
 * @returns How it ended, the loop state, the epoch records and the final parameters.
 * @throws {RangeError} When the training split is empty after filtering, or a resumed run's
 *   config disagrees with the checkpoint.
 * @throws {Error} When the loss becomes NaN or infinite (the run diverged).
 */
export async function runTraining(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const write = opts.write ?? (() => {});
  const dir = opts.outDir;
  await Deno.mkdir(dir, { recursive: true });

  // -- config and state: fresh, or from the checkpoint ------------------------------------
  let c = opts.config;
  let ckpt: Checkpoint | null = null;
  if (!opts.resume && await exists(`${dir}/${CHECKPOINT}`)) {
    throw new RangeError(
      `Run directory "${dir}" already holds a checkpoint; resume it with --resume, or choose ` +
        `another --out`,
    );
  }
  if (opts.resume) {
    ckpt = await loadCheckpoint(`${dir}/${CHECKPOINT}`);
    c = resumeConfig(ckpt.config, opts.config, opts.explicit ?? new Set());
    log(`Resuming ${dir} at epoch ${ckpt.loop.epoch + 1}, step ${ckpt.loop.step}`);
  }
  const mc = modelConfigOf(c);
  const loop: LoopState = ckpt ? ckpt.loop : initialLoopState();
  const names = stateNames(mc);

  // -- data ---------------------------------------------------------------------------------
  const limits = { task: c.task, maxSrcLen: c.maxSrcLen, maxTgtLen: c.maxTgtLen };
  const train = encodeExamples(opts.data.train, {
    ...limits,
    variants: c.variants,
    kinds: c.trainKinds,
  });
  // Early stopping watches the loss of the kinds trained on; untrained kinds (romaji when
  // training without it) are only decoded and scored.
  const lossKinds = c.validKinds.filter((k) => c.trainKinds.includes(k));
  const validLoss = encodeExamples(opts.data.valid, {
    ...limits,
    variants: "top",
    kinds: lossKinds.length > 0 ? lossKinds : c.validKinds,
    taskKinds: c.trainKinds,
  });
  if (train.items.length === 0) {
    throw new RangeError(
      `Cannot train: no training examples of kinds ${c.trainKinds.join(", ")} fit the limits`,
    );
  }
  const auxAll = hasAux(mc)
    ? auxItems(
      c.task,
      requireCmudict(opts.data, auxTaskOf(c.task)),
      c.trainKinds.length,
      c.maxSrcLen,
      c.maxTgtLen,
    )
    : [];
  // Each epoch trains on every katakana item and a fresh seeded draw of auxiliary items.
  const epochItems = (epoch: number): Item[] =>
    auxAll.length === 0
      ? train.items
      : [...train.items, ...sampleItems(auxAll, c.g2pPerEpoch, epochSeed(c.seed, epoch) ^ 0x62)];
  const dataHash = await hashExamples([...opts.data.train, ...opts.data.valid]);
  const summary = {
    trainExamples: opts.data.train.length,
    trainItems: train.items.length,
    ...(auxAll.length > 0 ? { [`${auxTaskOf(c.task)}Items`]: auxAll.length } : {}),
    validItems: validLoss.items.length,
    skippedTooLong: train.tooLong + validLoss.tooLong,
    skippedUnknownSymbol: train.unknownSymbol + validLoss.unknownSymbol,
    skippedNoSource: train.noSource + validLoss.noSource,
  };
  log(`Data ${dataHash.slice(0, 12)}: ${JSON.stringify(summary)}`);
  if (train.unknown.length > 0) log(`Unknown symbols (skipped): ${train.unknown.join(" ")}`);
  let info: RunInfo;
  if (ckpt) {
    info = await readRunInfo(dir);
    if (info.dataHash !== dataHash) {
      throw new RangeError(
        `Cannot resume: the data changed (hash ${dataHash.slice(0, 12)}, the run used ` +
          `${info.dataHash.slice(0, 12)}); start a new run`,
      );
    }
    info = { ...info, config: c };
  } else {
    info = {
      config: c,
      dataHash,
      data: summary,
      parameters: tensorSpecs(mc).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0),
      seed: c.seed,
      versions: {
        deno: Deno.version.deno,
        typescript: Deno.version.typescript,
        onnxruntime: ort.env.versions.common,
      },
      git: await gitState(),
      createdAt: new Date().toISOString(),
    };
  }
  await writeRunInfo(dir, info);
  const epochs = ckpt ? (await readEpochs(dir)).slice(0, loop.epoch) : [];
  log(`Model: ${info.parameters.toLocaleString("en")} parameters; run directory ${dir}`);

  // -- graphs and sessions -------------------------------------------------------------------
  const so = stepOptions(c);
  const session = await createSession(buildTrainStep(mc, so), {
    device: c.device,
    threads: c.threads,
    onWarning: log,
  });
  const evalSession = await createSession(buildEvalStep(mc, so), {
    device: c.device,
    threads: c.threads,
    onWarning: log,
  });
  const initial = ckpt ? ckpt.tensors : await initState(c, mc);
  const state: Record<string, Tensor> = {};
  for (const n of names) {
    const t = initial.get(n);
    if (!t) throw new RangeError(`Cannot resume: the checkpoint has no tensor "${n}"`);
    state[n] = toTensor(t);
  }
  const weights = taskWeightList(c);
  const taskW = new ort.Tensor("float32", Float32Array.from(weights), [weights.length]);
  const stepsPerEpoch = planBatches(epochItems(0), { ...c, seed: 0 }).length;
  const schedule = {
    peak: c.lr,
    warmupEpochs: c.warmupEpochs,
    gamma: c.lrDecay,
    minLr: c.minLr,
    stepsPerEpoch,
  };

  const snapshot = (): Checkpoint => ({
    config: c,
    loop: { ...loop },
    tensors: new Map(names.map((n) => [n, state[n] as unknown as FloatTensor])),
  });
  const taskWeights = (): Record<string, number> => {
    const s = state.task_s.data as Float32Array;
    return Object.fromEntries(
      taskNames(c).map((k, i) => [k, c.taskWeighting === "learned" ? Math.exp(-s[i]) : weights[i]]),
    );
  };

  // -- the loop ------------------------------------------------------------------------------
  let lastSave = performance.now();
  let status: RunResult["status"] = "finished";
  try {
    while (!loop.finished && loop.epoch < c.epochs) {
      const items = epochItems(loop.epoch);
      const plan = planBatches(items, { ...c, seed: epochSeed(c.seed, loop.epoch) });
      const bar = createProgress(plan.length, { unit: "batches", write });
      if (loop.batch > 0) bar.tick(loop.batch);
      const t0 = performance.now();
      let tokensNow = 0;
      let lr = learningRate(loop.step + 1, schedule);
      let interrupted = false;
      while (loop.batch < plan.length) {
        if (opts.signal?.aborted || loop.step === opts.stopAtStep) {
          interrupted = true;
          break;
        }
        // learning rate, batch, step
        lr = learningRate(loop.step + 1, schedule);
        const b = makeBatch(items, plan[loop.batch]);
        const feeds: Record<string, Tensor> = {
          ...state,
          task_w: taskW,
          src: new ort.Tensor("int64", b.src, [b.rows, b.srcLen]),
          tgt_in: new ort.Tensor("int64", b.tgtIn, [b.rows, b.tgtLen]),
          tgt_out: new ort.Tensor("int64", b.tgtOut, [b.rows, b.tgtLen]),
          task: new ort.Tensor("int64", b.task, [b.rows]),
          lr: scalar(lr),
          step: scalar(loop.step + 1),
          seed: scalar(stepSeed(c.seed, loop.step + 1)),
        };
        const out = await session.run(feeds);
        const loss = (out.loss.data as Float32Array)[0];
        if (!Number.isFinite(loss)) {
          throw new Error(
            `Training diverged at step ${
              loop.step + 1
            } (loss ${loss}); lower --lr or raise --warmup-epochs`,
          );
        }
        for (const n of names) state[n] = out[`new.${n}`];
        loop.step++;
        loop.batch++;
        // The objective sums the tasks' mean losses; report the mean over tokens instead.
        const taskLoss = out.task_loss.data as Float32Array;
        for (const i of plan[loop.batch - 1]) {
          const it = items[i];
          loop.epochLoss += taskLoss[it.task] * (it.tgt.length + 1);
        }
        loop.epochTokens += b.tokens;
        tokensNow += b.tokens;

        // log, and checkpoint every few minutes
        const secs = (performance.now() - t0) / 1000;
        bar.tick(1, {
          loss: (loop.epochLoss / loop.epochTokens).toFixed(4),
          "tok/s": (tokensNow / secs).toFixed(0),
          lr: lr.toExponential(2),
          ...(c.taskWeighting === "learned"
            ? { w: Object.values(taskWeights()).map((x) => x.toFixed(2)).join("/") }
            : {}),
        });
        if (performance.now() - lastSave > c.checkpointMinutes * 60_000) {
          loop.seconds += (performance.now() - lastSave) / 1000;
          lastSave = performance.now();
          await saveCheckpoint(`${dir}/${CHECKPOINT}`, snapshot());
        }
      }
      bar.done();
      const trainSeconds = (performance.now() - t0) / 1000;
      if (interrupted) {
        status = "interrupted";
        break;
      }

      // -- validation, early stopping, checkpoint ---------------------------------------------
      const v0 = performance.now();
      const v = await validate(evalSession, state, mc, c, validLoss.items, opts.data, write);
      const record: EpochRecord = {
        epoch: loop.epoch + 1,
        step: loop.step,
        lr,
        trainLoss: loop.epochLoss / loop.epochTokens,
        ...v.record,
        taskWeights: taskWeights(),
        trainSeconds,
        validSeconds: (performance.now() - v0) / 1000,
        tokensPerSecond: tokensNow / trainSeconds,
      };
      epochs.push(record);
      const better = v.loss < loop.bestLoss;
      if (better) {
        loop.bestLoss = v.loss;
        loop.bestEpoch = loop.epoch;
        loop.badEpochs = 0;
      } else {
        loop.badEpochs++;
      }
      loop.epoch++;
      loop.batch = 0;
      loop.epochLoss = 0;
      loop.epochTokens = 0;
      loop.finished = loop.badEpochs >= c.patience || loop.epoch >= c.epochs;
      loop.seconds += (performance.now() - lastSave) / 1000;
      lastSave = performance.now();
      const o = record.valid.overall;
      const kinds = Object.entries(record.valid.byKind)
        .map(([k, f]) => `${k} ${(100 * f.exact).toFixed(1)}%`).join(" ");
      log(
        `epoch ${record.epoch} step ${record.step}: train ${record.trainLoss.toFixed(4)} ` +
          `valid ${v.loss.toFixed(4)}${better ? " (best)" : ""} tok-acc ${
            (100 * v.tokenAccuracy).toFixed(1)
          }% ` +
          `exact ${(100 * o.exact).toFixed(1)}% (${kinds}) BLEU ${o.bleu.toFixed(3)} CER ${
            o.cer.toFixed(3)
          } ` +
          `weights ${JSON.stringify(record.taskWeights)} ` +
          `${record.tokensPerSecond.toFixed(0)} tok/s ${(trainSeconds / 60).toFixed(1)}+${
            (record.validSeconds / 60).toFixed(1)
          } min`,
      );
      if (better) await saveCheckpoint(`${dir}/${BEST}`, snapshot());
      await saveCheckpoint(`${dir}/${CHECKPOINT}`, snapshot());
      await writeProgress(
        dir,
        info,
        epochs,
        loop.badEpochs >= c.patience ? `Stopped early after epoch ${loop.epoch}.` : "",
      );
      if (opts.signal?.aborted) {
        status = loop.finished ? "finished" : "interrupted";
        break;
      }
    }
    if (status === "interrupted") {
      loop.seconds += (performance.now() - lastSave) / 1000;
      await saveCheckpoint(`${dir}/${CHECKPOINT}`, snapshot());
      log(
        `Saved ${dir}/${CHECKPOINT} at epoch ${
          loop.epoch + 1
        }, batch ${loop.batch}, step ${loop.step}`,
      );
    }
  } finally {
    await session.release();
    await evalSession.release();
  }
  const params = new Map([...paramsOf(mc, state)].map(([n, d]) => [n, d.slice()]));
  return { status, loop, epochs, params, config: c };
}
