/**
 * The training run's configuration: one typed defaults block (read it top to bottom, as in
 * nanoGPT's train.py), overridden by a JSON file, overridden by command-line flags, all parsed
 * by one `parseArgs` call and checked once, with errors that name the bad key and value.
 *
 * Flags are the keys in kebab-case (`--d-model 128`); the JSON file uses the keys as written
 * here (`{"dModel": 128}`). Lists are comma-separated (`--train-kinds en,phrase`), task
 * weights are `kind=weight` pairs (`--task-weights en=1,romaji=0.5`).
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import type { Activation, ModelConfig, Task } from "../infer/model_spec.ts";
import { C2K_SOURCE, P2K_SOURCE, TARGET } from "../infer/vocab.ts";
import { auxTarget } from "./auxiliary.ts";

/** The kinds of example in the dataset; each kind is one task of the loss. */
export type Kind = "en" | "phrase" | "romaji";

/** Every kind, in task-id order. */
export const KINDS: readonly Kind[] = ["en", "phrase", "romaji"];

/** Everything that affects a training run. */
export interface TrainConfig {
  task: Task;
  dataDir: string;
  variants: "top" | "all";
  trainKinds: Kind[];
  validKinds: Kind[];
  dModel: number;
  heads: number;
  encLayers: number;
  decLayers: number;
  dFF: number;
  activation: Activation;
  maxSrcLen: number;
  maxTgtLen: number;
  dropout: number;
  labelSmoothing: number;
  weightDecay: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  clipNorm: number;
  warmupEpochs: number;
  lrDecay: number;
  minLr: number;
  batchSize: number;
  tokenBudget: number;
  taskWeighting: "fixed" | "learned";
  taskWeights: Record<Kind, number>;
  g2pWeight: number;
  p2gWeight: number;
  g2pPerEpoch: number;
  epochs: number;
  patience: number;
  seed: number;
  init: string;
  validLimit: number;
  checkpointMinutes: number;
  device: "cpu" | "cuda";
  threads: number;
  out: string;
}

// deno-fmt-ignore
/** The defaults: the shipped C2K shape, a Transformer of about 2.5 M parameters (≤ 3 MB as int8). */
export const DEFAULTS: Readonly<TrainConfig> = {
  // data
  task: "c2k",              // c2k reads spelling, p2k reads ARPAbet phonemes
  dataDir: "",              // dataset folder; "" = the package's data/
  variants: "top",          // train on the top-ranked katakana only, or on "all" accepted variants
  trainKinds: ["en", "phrase", "romaji"], // kinds of example trained on (each one is a task)
  validKinds: ["en", "phrase", "romaji"], // kinds validated on (may include untrained ones)
  // model
  dModel: 192,              // residual stream width
  heads: 4,                 // attention heads (dModel must divide by it)
  encLayers: 3,             // encoder layers
  decLayers: 2,             // decoder layers
  dFF: 768,                 // feed-forward hidden width
  activation: "relu",       // relu, or gelu (tanh form)
  maxSrcLen: 32,            // longest source, EOS included; longer examples are skipped (counted)
  maxTgtLen: 32,            // longest decoder input, SOS included; longer examples are skipped
  // regularisation
  dropout: 0.1,             // dropout after attention, feed-forward and embeddings
  labelSmoothing: 0.1,      // mass spread over the other target symbols
  weightDecay: 0.01,        // AdamW's decoupled weight decay
  // optimiser and schedule
  lr: 1e-3,                 // peak learning rate, reached at the end of warm-up
  beta1: 0.9,               // AdamW first-moment decay
  beta2: 0.98,              // AdamW second-moment decay (0.98 as in "Attention Is All You Need")
  eps: 1e-9,                // AdamW denominator epsilon
  clipNorm: 1.0,            // global gradient-norm clip; 0 = off
  warmupEpochs: 1,          // linear warm-up length in epochs (fractions allowed)
  lrDecay: 0.92,            // ExponentialLR gamma: lr multiplied by this each epoch after warm-up
  minLr: 1e-5,              // floor of the decayed learning rate
  // batches
  batchSize: 128,           // examples per batch (used when tokenBudget is 0)
  tokenBudget: 0,           // if > 0: rows × longest sequence per batch, instead of batchSize
  // tasks
  taskWeighting: "fixed",   // fixed weights, or "learned" (Kendall & Gal 2018 uncertainty weighting)
  taskWeights: { en: 1, phrase: 1, romaji: 1 }, // fixed weights (initial ones when learned)
  g2pWeight: 0,             // c2k: weight of the G2P task, spelling → ARPAbet (train/auxiliary.ts); 0 = off
  p2gWeight: 0,             // p2k: weight of the P2G task, ARPAbet → spelling; 0 = off
  g2pPerEpoch: 30000,       // CMUdict words drawn for either task each epoch; 0 = all of the train split
  // loop
  epochs: 60,               // most epochs to run
  patience: 8,              // stop after this many epochs without a better validation loss
  seed: 1234,               // seeds initialisation, shuffling and dropout
  init: "",                 // start from this run's or checkpoint's weights (fresh optimiser); "" = random
  validLimit: 0,            // valid examples greedy-decoded per epoch for exact/BLEU/CER; 0 = all
  checkpointMinutes: 10,    // also checkpoint this often within an epoch
  device: "cpu",            // onnxruntime execution provider: cpu or cuda
  threads: 0,               // onnxruntime intra-op threads; 0 = onnxruntime's default
  out: "",                  // run directory; "" = runs/<task>-<date>
};

type Rule =
  | { type: "int"; min: number; max?: number }
  | { type: "float"; min: number; max?: number; minExclusive?: boolean }
  | { type: "enum"; values: readonly string[] }
  | { type: "kinds" }
  | { type: "weights" }
  | { type: "string" };

const RULES: Record<keyof TrainConfig, Rule> = {
  task: { type: "enum", values: ["c2k", "p2k"] },
  dataDir: { type: "string" },
  variants: { type: "enum", values: ["top", "all"] },
  trainKinds: { type: "kinds" },
  validKinds: { type: "kinds" },
  dModel: { type: "int", min: 1 },
  heads: { type: "int", min: 1 },
  encLayers: { type: "int", min: 1 },
  decLayers: { type: "int", min: 1 },
  dFF: { type: "int", min: 1 },
  activation: { type: "enum", values: ["relu", "gelu"] },
  maxSrcLen: { type: "int", min: 2 },
  maxTgtLen: { type: "int", min: 2 },
  dropout: { type: "float", min: 0, max: 0.9 },
  labelSmoothing: { type: "float", min: 0, max: 0.9 },
  weightDecay: { type: "float", min: 0 },
  lr: { type: "float", min: 0, minExclusive: true },
  beta1: { type: "float", min: 0, max: 0.999999 },
  beta2: { type: "float", min: 0, max: 0.999999 },
  eps: { type: "float", min: 0, minExclusive: true },
  clipNorm: { type: "float", min: 0 },
  warmupEpochs: { type: "float", min: 0 },
  lrDecay: { type: "float", min: 0, max: 1, minExclusive: true },
  minLr: { type: "float", min: 0 },
  batchSize: { type: "int", min: 1 },
  tokenBudget: { type: "int", min: 0 },
  taskWeighting: { type: "enum", values: ["fixed", "learned"] },
  taskWeights: { type: "weights" },
  g2pWeight: { type: "float", min: 0 },
  p2gWeight: { type: "float", min: 0 },
  g2pPerEpoch: { type: "int", min: 0 },
  epochs: { type: "int", min: 1 },
  patience: { type: "int", min: 1 },
  seed: { type: "int", min: 0, max: 2 ** 31 - 1 },
  validLimit: { type: "int", min: 0 },
  checkpointMinutes: { type: "float", min: 0, minExclusive: true },
  device: { type: "enum", values: ["cpu", "cuda"] },
  threads: { type: "int", min: 0 },
  out: { type: "string" },
  init: { type: "string" },
};

const KEYS = Object.keys(RULES) as (keyof TrainConfig)[];

/** camelCase key → kebab-case flag name. */
function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** The keys that may change when a run is resumed; all others must match the checkpoint. */
export const LOOP_KEYS: readonly (keyof TrainConfig)[] = [
  "epochs",
  "patience",
  "validLimit",
  "checkpointMinutes",
  "device",
  "threads",
  "out",
  "dataDir",
];

function fail(key: string, value: unknown, want: string, where: string): never {
  const at = where === "" ? "" : ` ${where}`;
  throw new RangeError(
    `Invalid config${at}: "${key}" must be ${want}, got ${JSON.stringify(value)}`,
  );
}

/** Converts one value (from JSON, or a flag's string) to its key's type, or throws. */
function coerce(key: keyof TrainConfig, raw: unknown, where: string, fromFlag = false): unknown {
  const rule = RULES[key];
  switch (rule.type) {
    case "int":
    case "float": {
      const v = fromFlag && (raw as string).trim() !== "" ? Number(raw) : raw;
      const exclusive = "minExclusive" in rule && rule.minExclusive;
      const want = `${rule.type === "int" ? "an integer" : "a number"} ` +
        `${exclusive ? ">" : ">="} ${rule.min}${
          rule.max !== undefined ? ` and <= ${rule.max}` : ""
        }`;
      const ok = typeof v === "number" && Number.isFinite(v) &&
        (rule.type === "float" || Number.isInteger(v)) &&
        (exclusive ? v > rule.min : v >= rule.min) && (rule.max === undefined || v <= rule.max);
      if (!ok) fail(key, raw, want, where);
      return v;
    }
    case "enum":
      if (typeof raw !== "string" || !rule.values.includes(raw)) {
        fail(key, raw, `one of ${rule.values.map((v) => `"${v}"`).join(", ")}`, where);
      }
      return raw;
    case "string":
      if (typeof raw !== "string") fail(key, raw, "a string", where);
      return raw;
    case "kinds": {
      const list = fromFlag ? (raw as string).split(",").map((s) => s.trim()) : raw;
      const want = `a non-empty list of ${KINDS.map((k) => `"${k}"`).join(", ")}`;
      if (!Array.isArray(list) || list.length === 0) fail(key, raw, want, where);
      for (const k of list) if (!KINDS.includes(k)) fail(key, raw, want, where);
      return KINDS.filter((k) => list.includes(k)); // canonical order, no duplicates
    }
    case "weights": {
      let obj = raw;
      if (fromFlag) {
        obj = Object.fromEntries(
          (raw as string).split(",").map((pair) => {
            const [k, v] = pair.split("=");
            return [k?.trim(), v === undefined || v.trim() === "" ? NaN : Number(v)];
          }),
        );
      }
      const want = `kind=weight pairs with kinds in ${KINDS.join(", ")} and weights >= 0`;
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        fail(key, raw, want, where);
      }
      const out = { ...DEFAULTS.taskWeights };
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (!KINDS.includes(k as Kind)) fail(key, raw, want, where);
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(key, raw, want, where);
        out[k as Kind] = v;
      }
      return out;
    }
  }
}

/** Checks relations between keys that single values cannot show. */
export function validateTrainConfig(c: TrainConfig): void {
  for (const key of KEYS) coerce(key, c[key], "");
  if (c.dModel % c.heads !== 0) {
    throw new RangeError(
      `Invalid config: "dModel" ${c.dModel} must be divisible by "heads" ${c.heads}`,
    );
  }
  if (c.minLr > c.lr) {
    throw new RangeError(`Invalid config: "minLr" ${c.minLr} is above "lr" ${c.lr}`);
  }
  if (c.g2pWeight > 0 && c.task !== "c2k") {
    throw new RangeError(
      `Invalid config: "g2pWeight" ${c.g2pWeight} needs task "c2k" (the G2P task reads spelling)`,
    );
  }
  if (c.p2gWeight > 0 && c.task !== "p2k") {
    throw new RangeError(
      `Invalid config: "p2gWeight" ${c.p2gWeight} needs task "p2k" (the P2G task reads phones)`,
    );
  }
  const trainedWeights = c.trainKinds.map((k) => c.taskWeights[k]);
  if (trainedWeights.every((w) => w === 0)) {
    throw new RangeError(
      `Invalid config: "taskWeights" are 0 for every trained kind (${c.trainKinds.join(", ")})`,
    );
  }
}

/** What the command line asked for. */
export interface TrainArgs {
  /** The merged, checked configuration. */
  config: TrainConfig;
  /** The keys set explicitly, by the JSON file or a flag. */
  explicit: Set<keyof TrainConfig>;
  /** `--resume`: continue the run in `config.out`. */
  resume: boolean;
  /** `--help`. */
  help: boolean;
}

/**
 * Parses training flags (and the JSON file named by `--config`) over {@link DEFAULTS}.
 *
 * @param args Command-line arguments, e.g. `Deno.args`.
 * @param readText Reads the config file (injectable for tests).
 * @returns The checked configuration and the CLI-only switches.
 * @throws {TypeError} On an unknown flag or a flag without its value.
 * @throws {SyntaxError} When the config file is not a JSON object.
 * @throws {RangeError} When a value is out of range; the message names key and value.
 * @example Smaller model, more epochs
 * ```ts
 * import { parseTrainArgs } from "./config.ts";
 * const { config } = parseTrainArgs(["--task", "p2k", "--d-model", "128", "--epochs", "60"]);
 * ```
 */
export function parseTrainArgs(
  args: string[],
  readText: (path: string) => string = (p) => Deno.readTextFileSync(p),
): TrainArgs {
  const options: Record<string, { type: "string" | "boolean" }> = {
    config: { type: "string" },
    resume: { type: "boolean" },
    help: { type: "boolean" },
  };
  for (const key of KEYS) options[flagName(key)] = { type: "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new TypeError(`${(e as Error).message}; run with --help to list the flags`);
  }
  const config = structuredClone(DEFAULTS) as TrainConfig;
  const explicit = new Set<keyof TrainConfig>();
  const set = (key: keyof TrainConfig, raw: unknown, where: string, fromFlag: boolean) => {
    (config as unknown as Record<string, unknown>)[key] = coerce(key, raw, where, fromFlag);
    explicit.add(key);
  };
  if (typeof values.config === "string") {
    const path = values.config;
    let json: unknown;
    try {
      json = JSON.parse(readText(path));
    } catch (e) {
      if (e instanceof SyntaxError) {
        throw new SyntaxError(`Cannot parse config file "${path}": ${e.message}`);
      }
      throw new TypeError(`Cannot read config file "${path}": ${(e as Error).message}`);
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new SyntaxError(`Cannot parse config file "${path}": expected a JSON object`);
    }
    for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
      if (!(key in RULES)) {
        const near = KEYS.find((k) => k.toLowerCase() === key.toLowerCase().replace(/[-_]/g, ""));
        throw new RangeError(
          `Invalid config in "${path}": unknown key "${key}"` +
            (near ? `; did you mean "${near}"?` : `; known keys: ${KEYS.join(", ")}`),
        );
      }
      set(key as keyof TrainConfig, raw, `in "${path}"`, false);
    }
  }
  for (const key of KEYS) {
    const raw = values[flagName(key)];
    if (raw !== undefined) set(key, raw, `from --${flagName(key)}`, true);
  }
  validateTrainConfig(config);
  return { config, explicit, resume: values.resume === true, help: values.help === true };
}

/** The flags, one per line with its default, for `--help`. */
export function usage(): string {
  const lines = [
    "Usage: deno task train --task c2k|p2k [--config FILE] [--out DIR] [--resume] [flags]",
    "",
    "  --config FILE          JSON object with any of the keys below (camelCase)",
    "  --resume               continue the run in --out from its checkpoint",
  ];
  for (const key of KEYS) {
    const d = DEFAULTS[key];
    const shown = Array.isArray(d)
      ? d.join(",")
      : typeof d === "object"
      ? Object.entries(d).map(([k, v]) => `${k}=${v}`).join(",")
      : String(d);
    lines.push(`  --${flagName(key).padEnd(20)} default ${JSON.stringify(shown)}`);
  }
  return lines.join("\n");
}

/** Weight of the run's auxiliary CMUdict task; 0 when off, or absent (runs older than the key). */
export function auxWeight(c: TrainConfig): number {
  return (c.task === "c2k" ? c.g2pWeight : c.p2gWeight) ?? 0;
}

/** The network shape a training config describes, with the task's vocabularies. */
export function modelConfigOf(c: TrainConfig): ModelConfig {
  return {
    task: c.task,
    dModel: c.dModel,
    heads: c.heads,
    encLayers: c.encLayers,
    decLayers: c.decLayers,
    dFF: c.dFF,
    activation: c.activation,
    maxSrcLen: c.maxSrcLen,
    maxTgtLen: c.maxTgtLen,
    srcVocab: [...(c.task === "c2k" ? C2K_SOURCE : P2K_SOURCE)],
    tgtVocab: [...(auxWeight(c) > 0 ? auxTarget(c.task) : TARGET)],
  };
}
