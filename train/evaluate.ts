/**
 * `deno task eval`: a model's exact match, character BLEU-3 and CER on a dataset split,
 * overall and by kind (English words, phrases, romaji), with the worst errors written to a file.
 *
 * ```sh
 * deno task eval --model models/c2k.safetensors --split test
 * deno task eval --model models/c2k.safetensors --split test --strategy beam --beam 4
 * deno task eval --model models/p2k.safetensors --split valid --limit 500 --errors /tmp/e.tsv
 * ```
 *
 * The metrics are defined in train/metrics.ts. `--limit N` decodes an evenly spread, fixed
 * sample of N sources (the same every time), for quick checks.
 *
 * @module
 */

import { loadDataset } from "../data/dataset.ts";
import { parseArgs } from "../deps/args.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { readModel } from "../infer/model_file.ts";
import { createProgress, type Progress } from "../infer/progress.ts";
import { type Kind, KINDS } from "./config.ts";
import {
  decodeItems,
  type ErrorCase,
  type EvalItem,
  evalSet,
  scored,
  worstErrors,
} from "./evaluation.ts";
import { type Figures, type Report, score } from "./metrics.ts";
import { DEFAULT_ALPHA } from "../infer/beam.ts";

const USAGE =
  `Usage: deno task eval --model FILE [--split test|valid|train] [--strategy greedy|beam] [flags]

  --model FILE        model file (.safetensors)
  --split NAME        dataset split (default test)
  --strategy S        greedy (default) or beam
  --beam N            beam width (default 4)
  --alpha A           beam length normalisation exponent (default 1)
  --kinds LIST        kinds to score, comma-separated (default en,phrase,romaji)
  --limit N           score a fixed, evenly spread sample of N sources (default all)
  --errors FILE       where to write the worst errors (default runs/eval/NAME.SPLIT.errors.tsv)
  --top N             errors written (default 500)
  --data DIR          dataset folder (default the package's data/)
  --batch N           sources per decoder batch (default 64)
  --json              print the report as JSON`;

/** Names of the kinds in reports. */
const KIND_NAMES: Record<string, string> = { en: "English", phrase: "phrases", romaji: "romaji" };

/** Formats a report as an aligned table. */
export function formatReport(r: Report): string {
  const row = (name: string, f: Figures) =>
    `${name.padEnd(10)} ${String(f.count).padStart(6)}  ${
      (100 * f.exact).toFixed(2).padStart(6)
    }%` +
    `  ${f.bleu.toFixed(4)}  ${f.cer.toFixed(4)}`;
  return [
    `${"".padEnd(10)} ${"count".padStart(6)}  ${"exact".padStart(7)}  BLEU-3  CER`,
    row("overall", r.overall),
    ...Object.entries(r.byKind).map(([k, f]) => row(KIND_NAMES[k] ?? k, f)),
  ].join("\n");
}

/** An evenly spread, fixed sample of `n` items. */
export function sample<T>(items: readonly T[], n: number): T[] {
  if (n <= 0 || n >= items.length) return [...items];
  const stride = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * stride)]);
}

function positive(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Invalid --${name} "${v}": expected an integer >= ${min}`);
  }
  return n;
}

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  /** The model file's bytes. */
  model: Uint8Array;
  split: "train" | "valid" | "test";
  strategy?: "greedy" | "beam";
  /** Beam width (default 4). */
  beam?: number;
  /** Beam length normalisation (default 0). */
  alpha?: number;
  /** Kinds to score (default all). */
  kinds?: readonly Kind[];
  /** Score a fixed, evenly spread sample of this many sources; 0 = all. */
  limit?: number;
  /** Folder holding the dataset files (default the package's data/). */
  dataDir?: URL;
  /** Sources per decoder batch (default 64). */
  batchSize?: number;
  /** Most errors returned (default 500). */
  top?: number;
  /** Called as sources are decoded: (done so far in this batch, total). */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link evaluateModel} found. */
export interface EvaluateResult {
  report: Report;
  /** The worst wrong predictions, worst first. */
  errors: ErrorCase[];
  /** Sources scored. */
  scored: number;
  /** Sources available in the split (before `limit`). */
  available: number;
  /** Sources the model cannot take (too long, unknown symbols). */
  skipped: number;
  /** Decoding seconds. */
  seconds: number;
  /** The backend that decoded ("wasm" or "cpu"). */
  backend: string;
}

/**
 * Decodes a dataset split with a model file and scores it.
 *
 * @param opts The model, split, strategy and sample.
 * @returns The report overall and by kind, the worst errors, counts and time.
 * @throws {SyntaxError} When the model file or the dataset is malformed.
 */
export async function evaluateModel(opts: EvaluateOptions): Promise<EvaluateResult> {
  const model = readModel(opts.model);
  const mc = model.config;
  const examples = (await loadDataset(mc.task, opts.dataDir)).filter((e) => e.split === opts.split);
  const set = evalSet(examples, mc.task, opts.kinds ?? KINDS, mc.maxSrcLen);
  const items: EvalItem[] = sample(set.items, opts.limit ?? 0);
  const backend = createCpuBackend(mc, model.tensors);
  const t0 = performance.now();
  const predictions = await decodeItems(backend, items, mc.tgtVocab, {
    strategy: opts.strategy ?? "greedy",
    beam: opts.beam ?? 4,
    alpha: opts.alpha ?? DEFAULT_ALPHA,
    maxLength: mc.maxTgtLen - 1,
    batchSize: opts.batchSize ?? 64,
    onBatch: (n) => opts.onProgress?.(n, items.length),
  });
  return {
    report: score(scored(items, predictions)),
    errors: worstErrors(items, predictions, opts.top ?? 500),
    scored: items.length,
    available: set.items.length,
    skipped: set.skipped,
    seconds: (performance.now() - t0) / 1000,
    backend: backend.name,
  };
}

function dirUrl(path: string): URL {
  return new URL(path.endsWith("/") ? path : `${path}/`, new URL(`file://${Deno.cwd()}/`));
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: "string" },
      split: { type: "string", default: "test" },
      strategy: { type: "string", default: "greedy" },
      beam: { type: "string" },
      alpha: { type: "string" },
      kinds: { type: "string" },
      limit: { type: "string" },
      errors: { type: "string" },
      top: { type: "string" },
      data: { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) throw new TypeError("Missing --model FILE");
  if (!["train", "valid", "test"].includes(values.split!)) {
    throw new RangeError(`Invalid --split "${values.split}": use train, valid or test`);
  }
  if (values.strategy !== "greedy" && values.strategy !== "beam") {
    throw new RangeError(`Invalid --strategy "${values.strategy}": use greedy or beam`);
  }
  const kinds = (values.kinds ?? KINDS.join(",")).split(",").map((k) => k.trim()) as Kind[];
  for (const k of kinds) {
    if (!KINDS.includes(k)) throw new RangeError(`Invalid --kinds: unknown kind "${k}"`);
  }
  const alpha = values.alpha === undefined ? DEFAULT_ALPHA : Number(values.alpha);
  if (!(alpha >= 0)) {
    throw new RangeError(`Invalid --alpha "${values.alpha}": expected a number >= 0`);
  }
  const width = positive("beam", values.beam, 4);
  const limit = positive("limit", values.limit, 0, 0);
  const top = positive("top", values.top, 500, 0);
  const batchSize = positive("batch", values.batch, 64);

  const write = (t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t));
  const bar: { p?: Progress } = {}; // created once the number of sources is known
  const r = await evaluateModel({
    model: await Deno.readFile(values.model),
    split: values.split as "train" | "valid" | "test",
    strategy: values.strategy,
    beam: width,
    alpha,
    kinds,
    limit,
    dataDir: values.data ? dirUrl(values.data) : undefined,
    batchSize,
    top,
    onProgress: (n, total) => {
      bar.p ??= createProgress(total, { unit: "words", write });
      bar.p.tick(n);
    },
  });
  bar.p?.done();
  const { report, errors } = r;

  const name = values.model.split("/").pop()!.replace(/\.safetensors$/, "");
  const errorsPath = values.errors ?? `runs/eval/${name}.${values.split}.errors.tsv`;
  if (errorsPath.includes("/")) {
    await Deno.mkdir(errorsPath.slice(0, errorsPath.lastIndexOf("/")), { recursive: true });
  }
  await Deno.writeTextFile(
    errorsPath,
    ["kind\tinput\tprediction\taccepted\tcer"].concat(
      errors.map((e) =>
        `${e.kind}\t${e.input}\t${e.prediction}\t${e.references.join(" ")}\t${e.cer.toFixed(3)}`
      ),
    ).join("\n") + "\n",
  );
  const how = values.strategy === "beam" ? `beam ${width}, alpha ${alpha}` : "greedy";
  if (values.json) {
    console.log(JSON.stringify({
      model: values.model,
      split: values.split,
      strategy: how,
      scored: r.scored,
      available: r.available,
      skipped: r.skipped,
      seconds: r.seconds,
      ...report,
    }));
  } else {
    console.log(
      `${values.model} on ${values.split} (${how}; ${r.scored} sources` +
        `${r.scored < r.available ? `, a fixed sample of ${r.available}` : ""}` +
        `${r.skipped ? `; ${r.skipped} skipped: too long or unknown symbols` : ""}; ` +
        `${(r.scored / r.seconds).toFixed(0)} words/s with ${r.backend})`,
    );
    console.log(formatReport(report));
    console.log(`Worst ${errors.length} errors written to ${errorsPath}`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
}
