/**
 * `deno task card`: measures the shipped models and writes `models/metrics.json`, the figures
 * for `models/CARD.md` and the README, which `tests/models_test.ts` checks against the files.
 *
 * For each shipped model (c2k, p2k) it records the file (bytes, SHA-256, payload CRC-32), its
 * config, the data file it was scored on (SHA-256), exact match / character BLEU-3 / CER on
 * the whole test split with greedy decoding and with beam search of width 4, the same on a
 * fixed, evenly spread sample of the test split (what the test recomputes in seconds), and the
 * median single-word latency of the converter API on the CPU decoder (200 common words, best
 * of 3 passes). Everything but the latency is deterministic. It prints Markdown tables.
 * Run it after every `deno task export` of a shipped model; the model test fails until then.
 *
 * ```sh
 * deno task card                 # both models, sample of 300, writes models/metrics.json
 * deno task card --limit 500 --out /tmp/metrics.json
 * ```
 *
 * @module
 */

import { loadDataset } from "../data/dataset.ts";
import { parseArgs } from "../deps/args.ts";
import { loadConverter } from "../infer/converter.ts";
import { readModel } from "../infer/model_file.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { createProgress, type Progress } from "../infer/progress.ts";
import { COMMON_WORDS } from "../tests/_bench_words.ts";
import { evaluateModel } from "./evaluate.ts";
import type { Figures, Report } from "./metrics.ts";
import { DEFAULT_ALPHA } from "../infer/beam.ts";

const USAGE = `Usage: deno task card [--limit N] [--out FILE]

  --limit N    size of the fixed test sample the model test recomputes (default ${300})
  --out FILE   where to write the figures (default models/metrics.json)`;

/** The shipped models, in the order the card lists them. */
export const SHIPPED = ["c2k", "p2k"] as const;

/** A shipped model's name. */
export type ShippedName = (typeof SHIPPED)[number];

/** Sources in the fixed test sample unless `--limit` says otherwise. */
export const DEFAULT_SAMPLE = 300;

/** Beam settings of the "beam4" figures (the eval defaults). */
export const BEAM = { width: 4, alpha: DEFAULT_ALPHA } as const;

/** Figures overall and by kind (a kind absent from the split has no entry). */
export interface KindFigures {
  overall: Figures;
  en?: Figures;
  phrase?: Figures;
  romaji?: Figures;
}

/** Greedy and beam-4 figures on one set of sources. */
export interface StrategyFigures {
  /** Sources scored. */
  sources: number;
  greedy: KindFigures;
  beam4: KindFigures;
}

/** Everything the card records about one model. */
export interface ModelCard {
  /** The file, relative to the package root. */
  file: string;
  bytes: number;
  /** SHA-256 of the whole file, hex. */
  sha256: string;
  /** The payload CRC-32 stored in (and checked against) the file's metadata. */
  crc32: string;
  /** Storage type of the weight matrices. */
  dtype: string;
  config: {
    task: string;
    dModel: number;
    heads: number;
    encLayers: number;
    decLayers: number;
    dFF: number;
    activation: string;
    maxSrcLen: number;
    maxTgtLen: number;
    srcVocab: number;
    tgtVocab: number;
    parameters: number;
  };
  /** Where the weights came from, as the export recorded it. */
  training: { run: unknown; epoch: unknown; step: unknown };
  /** The dataset file the figures were computed on. */
  data: { file: string; sha256: string };
  /** The whole test split; `skipped` sources the model cannot take (too long, unknown). */
  test: StrategyFigures & { skipped: number };
  /** A fixed, evenly spread sample of the test split (`evaluate.ts` `sample()`). */
  sample: StrategyFigures & { limit: number };
  /** Single-word latency of `convert(input)`, greedy, CPU decoder, one thread. */
  latency: {
    medianMs: number;
    p90Ms: number;
    inputs: number;
    /** Passes made; the figures are those of the pass with the lowest median. */
    passes: number;
    backend: string;
    /** The machine's 1-minute load average when measured: other work slows the figure. */
    loadAverage: number;
    cpus: number;
  };
}

/** The whole `models/metrics.json`. */
export interface ModelMetrics {
  /** How to regenerate the file. */
  generator: string;
  /** Beam settings of the beam4 figures. */
  beam: { width: number; alpha: number };
  c2k: ModelCard;
  p2k: ModelCard;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function roundFigures(f: Figures): Figures {
  return { count: f.count, exact: round(f.exact), bleu: round(f.bleu), cer: round(f.cer) };
}

/** Flattens a report to overall and per-kind figures, rounded to 6 decimals. */
export function kindFigures(r: Report): KindFigures {
  const out: KindFigures = { overall: roundFigures(r.overall) };
  for (const k of ["en", "phrase", "romaji"] as const) {
    if (r.byKind[k]) out[k] = roundFigures(r.byKind[k]);
  }
  return out;
}

/**
 * Progress of the decodings: called with a label ("greedy", "beam 4") as each starts, it
 * returns a callback of (sources just done, total).
 */
export type ProgressFactory = (
  label: string,
) => ((done: number, total: number) => void) | undefined;

/** Options of {@link measureSet}. */
export interface MeasureSetOptions {
  /** Fixed, evenly spread sample of this many sources; 0 = the whole split. */
  limit: number;
  /** Folder holding the dataset files (default the package's data/). */
  dataDir?: URL;
  /** Called as each decoding starts; what it returns is called as batches finish. */
  onProgress?: ProgressFactory;
}

/**
 * Scores a model on the test split (or its fixed sample) greedily and with beam search.
 * The model test calls this with the card's `limit`, so both decode the same sources.
 *
 * @param model The model file's bytes.
 * @param opts The sample size and where the data is.
 * @returns Greedy and beam-4 figures, the number of sources, and how many were skipped.
 * @throws {SyntaxError} When the model file or the dataset is malformed.
 */
export async function measureSet(
  model: Uint8Array,
  opts: MeasureSetOptions,
): Promise<StrategyFigures & { skipped: number }> {
  const run = (strategy: "greedy" | "beam") =>
    evaluateModel({
      model,
      split: "test",
      strategy,
      beam: BEAM.width,
      alpha: BEAM.alpha,
      limit: opts.limit,
      dataDir: opts.dataDir,
      top: 0,
      onProgress: opts.onProgress?.(strategy === "beam" ? `beam ${BEAM.width}` : "greedy"),
    });
  const greedy = await run("greedy");
  const beam = await run("beam");
  return {
    sources: greedy.scored,
    skipped: greedy.skipped,
    greedy: kindFigures(greedy.report),
    beam4: kindFigures(beam.report),
  };
}

/**
 * The inputs the latency is measured on: the 200 common words of `tests/_bench_words.ts`
 * for C2K, and for P2K the first CMUdict pronunciation of each of them that the dataset has.
 *
 * @param task Which model.
 * @param dataDir Folder holding the dataset files (default the package's data/).
 * @returns The inputs, in the word list's order.
 */
export async function latencyInputs(task: "c2k" | "p2k", dataDir?: URL): Promise<string[]> {
  if (task === "c2k") return [...COMMON_WORDS];
  const phones = new Map(
    (await loadDataset("p2k", dataDir)).map((e) => [e.key, e.phones?.[0]] as const),
  );
  return COMMON_WORDS.map((w) => phones.get(w)).filter((p): p is string => !!p);
}

const median = (xs: number[]) => percentile(xs, 0.5);

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Passes over the latency inputs; the card keeps the pass with the lowest median. */
export const LATENCY_PASSES = 3;

/**
 * Times `convert(input)` one input at a time on the CPU decoder (greedy), after a warm-up.
 * It makes {@link LATENCY_PASSES} passes and keeps the one with the lowest median, so that a
 * burst of other work on a shared machine spoils one pass rather than the figure.
 *
 * @param model The model file's bytes.
 * @param inputs Words (c2k) or ARPAbet strings (p2k).
 * @param passes Passes over the inputs.
 * @returns Median and 90th percentile of the best pass in milliseconds, and the backend.
 */
export async function measureLatency(
  model: Uint8Array,
  inputs: readonly string[],
  passes = LATENCY_PASSES,
): Promise<{ medianMs: number; p90Ms: number; backend: string }> {
  const converter = await loadConverter(model, { backend: "cpu" });
  try {
    for (const w of inputs.slice(0, 20)) await converter.convert(w); // warm-up: JIT, buffers
    let best = { medianMs: Infinity, p90Ms: Infinity };
    for (let p = 0; p < passes; p++) {
      const times: number[] = [];
      for (const w of inputs) {
        const t0 = performance.now();
        await converter.convert(w);
        times.push(performance.now() - t0);
      }
      if (median(times) < best.medianMs) {
        best = { medianMs: median(times), p90Ms: percentile(times, 0.9) };
      }
    }
    return { ...best, backend: converter.backend };
  } finally {
    converter.dispose();
  }
}

/** SHA-256 of some bytes as lower-case hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@link modelCard}. */
export interface ModelCardOptions {
  /** The package root (holding models/ and data/). */
  root: URL;
  /** Size of the fixed test sample. */
  limit: number;
  /** Called as each decoding starts; what it returns is called as batches finish. */
  onProgress?: ProgressFactory;
}

/**
 * Measures one shipped model.
 *
 * @param name "c2k" or "p2k".
 * @param opts The package root, sample size and progress.
 * @returns The model's card.
 * @throws {Error} When the model or its dataset file is missing.
 * @throws {SyntaxError} When the model file or the dataset is malformed.
 */
export async function modelCard(name: ShippedName, opts: ModelCardOptions): Promise<ModelCard> {
  const file = `models/${name}.safetensors`;
  const bytes = await Deno.readFile(new URL(file, opts.root));
  const model = readModel(bytes);
  const c = model.config;
  const dataFile = `data/${c.task}.jsonl`;
  const dataDir = new URL("data/", opts.root);
  const info = model.meta.info ?? {};
  const label = (what: string) => (s: string) => opts.onProgress?.(`${name} ${what} ${s}`);
  const test = await measureSet(bytes, { limit: 0, dataDir, onProgress: label("test") });
  const sample = await measureSet(bytes, {
    limit: opts.limit,
    dataDir,
    onProgress: label("sample"),
  });
  const inputs = await latencyInputs(c.task, dataDir);
  const lat = await measureLatency(bytes, inputs);
  return {
    file,
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    crc32: model.meta.crc32,
    dtype: model.dtype,
    config: {
      task: c.task,
      dModel: c.dModel,
      heads: c.heads,
      encLayers: c.encLayers,
      decLayers: c.decLayers,
      dFF: c.dFF,
      activation: c.activation,
      maxSrcLen: c.maxSrcLen,
      maxTgtLen: c.maxTgtLen,
      srcVocab: c.srcVocab.length,
      tgtVocab: c.tgtVocab.length,
      parameters: tensorSpecs(c).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0),
    },
    training: { run: info.run ?? null, epoch: info.epoch ?? null, step: info.step ?? null },
    data: {
      file: dataFile,
      sha256: await sha256Hex(await Deno.readFile(new URL(dataFile, opts.root))),
    },
    test: { ...test },
    sample: {
      limit: opts.limit,
      sources: sample.sources,
      greedy: sample.greedy,
      beam4: sample.beam4,
    },
    latency: {
      medianMs: Math.round(lat.medianMs * 1000) / 1000,
      p90Ms: Math.round(lat.p90Ms * 1000) / 1000,
      inputs: inputs.length,
      passes: LATENCY_PASSES,
      backend: lat.backend,
      loadAverage: Math.round(Deno.loadavg()[0] * 100) / 100,
      cpus: navigator.hardwareConcurrency,
    },
  };
}

const pct = (x: number) => (100 * x).toFixed(2);

/**
 * The card's figures as Markdown: quality by model, set, kind and strategy, then size and
 * speed.
 *
 * @param m The metrics.
 * @returns Markdown text.
 */
export function formatCard(m: ModelMetrics): string {
  const q = [
    "| model | set | kind | sources | exact greedy | exact beam4 | BLEU-3 greedy | BLEU-3 beam4 | CER greedy | CER beam4 |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const name of SHIPPED) {
    const card = m[name];
    for (
      const [set, s] of [["test", card.test], [`sample ${card.sample.limit}`, card.sample]] as const
    ) {
      for (const kind of ["overall", "en", "phrase", "romaji"] as const) {
        const g = s.greedy[kind], b = s.beam4[kind];
        if (!g || !b) continue;
        q.push(
          `| ${name} | ${set} | ${kind} | ${g.count} | ${pct(g.exact)}% | ${pct(b.exact)}% | ` +
            `${g.bleu.toFixed(4)} | ${b.bleu.toFixed(4)} | ${g.cer.toFixed(4)} | ${
              b.cer.toFixed(4)
            } |`,
        );
      }
    }
  }
  const s = [
    "| model | config | parameters | dtype | file | latency p50 / p90 (1 word, CPU) |",
    "|---|---|--:|---|--:|--:|",
  ];
  for (const name of SHIPPED) {
    const { config: c, latency: l, ...card } = m[name];
    s.push(
      `| ${name} | d${c.dModel} h${c.heads} ${c.encLayers}+${c.decLayers} ff${c.dFF} ` +
        `${c.activation} | ${(c.parameters / 1e6).toFixed(2)} M | ${card.dtype} | ` +
        `${(card.bytes / 1e6).toFixed(2)} MB | ${l.medianMs.toFixed(2)} / ${
          l.p90Ms.toFixed(2)
        } ms ` +
        `(${l.backend}, ${l.inputs} inputs, best of ${l.passes} passes, load ${
          l.loadAverage.toFixed(1)
        } on ${l.cpus} CPUs) |`,
    );
  }
  return [
    `Test split; beam width ${m.beam.width}, alpha ${m.beam.alpha}. Exact = output equals an accepted variant.`,
    "",
    ...q,
    "",
    ...s,
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      limit: { type: "string" },
      out: { type: "string", default: "models/metrics.json" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const limit = values.limit === undefined ? DEFAULT_SAMPLE : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Invalid --limit "${values.limit}": expected an integer >= 1`);
  }
  const root = new URL("../", import.meta.url);
  const write = (t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t));
  const t0 = performance.now();
  const cards = {} as Record<ShippedName, ModelCard>;
  for (const name of SHIPPED) {
    let bar: Progress | undefined;
    cards[name] = await modelCard(name, {
      root,
      limit,
      onProgress: (label) => {
        bar?.done();
        bar = undefined;
        write(`${label}\n`);
        return (done, total) => {
          bar ??= createProgress(total, { unit: "words", write });
          bar.tick(done);
        };
      },
    });
    bar?.done();
  }
  const metrics: ModelMetrics = {
    generator: "deno task card (train/model_card.ts)",
    beam: { ...BEAM },
    ...cards,
  };
  const out = new URL(values.out!, new URL(`file://${Deno.cwd()}/`));
  await Deno.writeTextFile(out, JSON.stringify(metrics, null, 2) + "\n");
  console.log(formatCard(metrics));
  console.log(
    `\nWrote ${values.out} in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
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
