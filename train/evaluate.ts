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
import { createProgress } from "../infer/progress.ts";
import { type Kind, KINDS } from "./config.ts";
import { decodeItems, type EvalItem, evalSet, scored, worstErrors } from "./evaluation.ts";
import { type Figures, type Report, score } from "./metrics.ts";

const USAGE =
  `Usage: deno task eval --model FILE [--split test|valid|train] [--strategy greedy|beam] [flags]

  --model FILE        model file (.safetensors)
  --split NAME        dataset split (default test)
  --strategy S        greedy (default) or beam
  --beam N            beam width (default 4)
  --alpha A           beam length normalisation exponent (default 0)
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
  const alpha = values.alpha === undefined ? 0 : Number(values.alpha);
  if (!(alpha >= 0)) {
    throw new RangeError(`Invalid --alpha "${values.alpha}": expected a number >= 0`);
  }
  const width = positive("beam", values.beam, 4);
  const limit = positive("limit", values.limit, 0, 0);
  const top = positive("top", values.top, 500, 0);
  const batchSize = positive("batch", values.batch, 64);

  const model = readModel(await Deno.readFile(values.model));
  const mc = model.config;
  const examples = (await loadDataset(mc.task, values.data ? dirUrl(values.data) : undefined))
    .filter((e) => e.split === values.split);
  const set = evalSet(examples, mc.task, kinds, mc.maxSrcLen);
  const items: EvalItem[] = sample(set.items, limit);
  const backend = createCpuBackend(mc, model.tensors);
  const bar = createProgress(items.length, {
    unit: "words",
    write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
  });
  const t0 = performance.now();
  const predictions = await decodeItems(backend, items, mc.tgtVocab, {
    strategy: values.strategy,
    beam: width,
    alpha,
    maxLength: mc.maxTgtLen - 1,
    batchSize,
    onBatch: (n) => bar.tick(n),
  });
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  const report = score(scored(items, predictions));

  const name = values.model.split("/").pop()!.replace(/\.safetensors$/, "");
  const errorsPath = values.errors ?? `runs/eval/${name}.${values.split}.errors.tsv`;
  const errors = worstErrors(items, predictions, top);
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
      skipped: set.skipped,
      sampled: limit > 0,
      seconds,
      ...report,
    }));
  } else {
    console.log(
      `${values.model} on ${values.split} (${how}; ${items.length} sources` +
        `${limit > 0 ? `, a fixed sample of ${set.items.length}` : ""}` +
        `${set.skipped ? `; ${set.skipped} skipped: too long or unknown symbols` : ""}; ` +
        `${(items.length / seconds).toFixed(0)} words/s with ${backend.name})`,
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
