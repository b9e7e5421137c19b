/**
 * `deno task bench`: every benchmark of the project in one run, with the machine it ran on.
 *
 * Sections (run one with `--only NAME`; save everything with `--json FILE`):
 * - `train`   the default training step: target tokens/s and GFLOP/s next to a plain MatMul
 *             graph of the same sizes (target: ratio ≥ 0.5), and the epoch it implies;
 * - `cpu`     our CPU decoder (WASM and TS kernels) against onnxruntime-node running the
 *             same exported model with the same greedy loop, one thread each: single-word
 *             latency, words/s at batch 1 and 64 (targets: ratio ≥ 1.0 at batch 1, ≥ 0.5 at
 *             batch 64), and where the time goes; onnxruntime-web (wasm) for reference;
 * - `cold`    cold start in a fresh process (import mod.ts, load the model, first word) and
 *             the memory a loaded model takes;
 * - `webgpu`  WebGPU against the CPU at batch 1, 64 and 1,024, the adapter named;
 * - `http`    the HTTP handler under 50 clients for 20 s: requests/s, p50/p99, errors;
 * - `latency` single-word latency of the converter API over 200 common words.
 *
 * The shipped C2K model is used where it exists (models/c2k.safetensors, and its exported
 * ONNX graphs), else a random model of the default size stored as F16; every table says
 * which. Times are wall-clock on a machine that other work may share: the load average is
 * printed before and after, and competing backends are timed in interleaved rounds so that
 * a burst of load hits them alike.
 *
 * ```sh
 * deno task bench
 * deno task bench --only cpu --json bench.json
 * deno task bench --only webgpu --full     # also the runs a software adapter needs minutes for
 * ```
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import type { Backend, DecoderState } from "../infer/backend.ts";
import { measureLoad } from "../infer/bench_cpu.ts";
import { defaultMaxLength, loadConverter } from "../infer/converter.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { greedy } from "../infer/greedy.ts";
import { type LoadedModel, readModel, writeModel } from "../infer/model_file.ts";
import { encodeSource } from "../infer/normalize.ts";
import { indexOf } from "../infer/vocab.ts";
import { defaultConfig, randomModel } from "../infer/_test_model.ts";
import { benchWebGpu } from "../infer/webgpu/bench.ts";
import { BENCH_CONFIG, benchStep } from "../train/bench_step.ts";
import { buildDecoderStepGraph, buildEncoderGraph } from "../train/inference_graphs.ts";
import { COMMON_WORDS } from "./_bench_words.ts";
import type { ColdStart } from "./_cold_start.ts";
import { runLoadBench } from "./load.ts";
import { createOrtBackend, type OrtBackend, type OrtGraphs, ortVersion } from "./_ort_backend.ts";

/** What every section returns: JSON-able results. */
type Results = Record<string, unknown>;

const SECTIONS = ["train", "cpu", "cold", "webgpu", "http", "latency"] as const;
type SectionName = typeof SECTIONS[number];

const root = new URL("../", import.meta.url);
const log = (s: string) => console.error(`bench: ${s}`);

// ---------------------------------------------------------------- formatting

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .join("\n");
}

const fixed = (x: number, digits = 1) => Number.isFinite(x) ? x.toFixed(digits) : "n/a";
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function heading(title: string): void {
  console.log(`\n## ${title}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1];
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------- machine and model

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

async function machine(): Promise<Results> {
  let cpu = "unknown";
  let memory = "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1] ?? cpu;
    const kb = /MemTotal:\s*(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1];
    if (kb) memory = `${(Number(kb) / 2 ** 20).toFixed(1)} GiB`;
  } catch { /* not Linux: keep "unknown" */ }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memory,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    onnxruntimeNode: await ortVersion("node"),
    onnxruntimeWeb: await ortVersion("web"),
    loadAverageAtStart: loadAverage(),
    date: new Date().toISOString(),
  };
}

/** The model every decoder section runs, with its exported ONNX graphs. */
interface BenchModel {
  /** "shipped models/c2k.safetensors" or what stands in for it. */
  label: string;
  /** The model file's bytes. */
  bytes: Uint8Array;
  /** Its config and tensors. */
  model: LoadedModel;
  /** The exported inference graphs (built from the file's tensors when not exported). */
  graphs: OrtGraphs;
  /** True for the shipped model. */
  shipped: boolean;
}

function readOptional(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(new URL(path, root));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

let benchModel: BenchModel | undefined;

function getModel(): BenchModel {
  if (benchModel) return benchModel;
  const shipped = readOptional("models/c2k.safetensors");
  const bytes = shipped ??
    writeModel(defaultConfig(), randomModel(defaultConfig(), 1), { dtype: "F16" });
  const model = readModel(bytes);
  const encoder = shipped ? readOptional("models/c2k.encoder.onnx") : undefined;
  const decoder = shipped ? readOptional("models/c2k.decoder.onnx") : undefined;
  const exported = encoder !== undefined && decoder !== undefined;
  const graphs = exported ? { encoder, decoder } : {
    encoder: buildEncoderGraph(model.config, model.tensors),
    decoder: buildDecoderStepGraph(model.config, model.tensors),
  };
  const c = model.config;
  const size = `d ${c.dModel}, ${c.heads} heads, ${c.encLayers}+${c.decLayers} layers, ` +
    `dFF ${c.dFF}, ${model.dtype}`;
  const label = shipped
    ? `shipped models/c2k.safetensors (${size})${exported ? "" : "; ONNX graphs built from it"}`
    : `random model of the default size (${size}): no shipped model yet, outputs are noise`;
  benchModel = { label, bytes, model, graphs, shipped: !!shipped };
  return benchModel;
}

// ---------------------------------------------------------------- (i) training

async function benchTrain(): Promise<Results> {
  const c = BENCH_CONFIG;
  log("timing the default training step and a plain MatMul (about a minute)");
  const r = await benchStep();
  heading("Training step (onnxruntime-node, CPU, its default threads)");
  console.log(
    `config: d ${c.dModel}, ${c.heads} heads, ${c.encLayers}+${c.decLayers} layers, ` +
      `dFF ${c.dFF}, ${c.activation}; batch ${r.batch} × src ${r.srcLen} × tgt ${r.tgtLen}; ` +
      "dropout 0.1, label smoothing 0.1, AdamW, clip 1",
  );
  const epoch = epochEstimate(r.tokensPerSecond);
  console.log(table(["measure", "value", "target"], [
    ["step time (median)", `${fixed(r.stepSeconds * 1000)} ms`, ""],
    ["target tokens/s", fixed(r.tokensPerSecond, 0), ""],
    ["step GFLOP/s (3 × forward products)", fixed(r.stepGflops), ""],
    [
      `plain MatMul GFLOP/s (${r.batch * r.srcLen}×${c.dModel}×${c.dFF})`,
      fixed(r.matmulGflops),
      "",
    ],
    ["ratio step / MatMul", fixed(r.ratio, 2), `≥ 0.50 ${r.ratio >= 0.5 ? "met" : "MISSED"}`],
    ...(epoch
      ? [[
        `epoch estimate (${epoch.tokens} train target tokens)`,
        `${fixed(epoch.minutes)} min`,
        `≤ 10 min ${epoch.minutes <= 10 ? "met" : "MISSED"}`,
      ]]
      : []),
  ]));
  if (epoch) console.log("(epoch estimate: tokens / rate; padding and validation not counted)");
  return { ...r, ...(epoch ? { epochEstimate: epoch } : {}) };
}

/** Target tokens (katakana + EOS) of the C2K training split, and the minutes they take. */
function epochEstimate(tokensPerSecond: number) {
  const text = readOptional("data/c2k.jsonl");
  if (!text) return undefined;
  let tokens = 0;
  for (const line of new TextDecoder().decode(text).split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as { split: string; kana: string[] };
    if (e.split === "train") tokens += [...e.kana[0]].length + 1;
  }
  return { tokens, minutes: tokens / tokensPerSecond / 60 };
}

// ---------------------------------------------------------------- (ii) CPU vs onnxruntime

/** Milliseconds spent in each part of a backend's work. */
interface Spent {
  encode: number;
  step: number;
  select: number;
  steps: number;
}

const noSpent = (): Spent => ({ encode: 0, step: 0, select: 0, steps: 0 });

/** Wraps a backend to add the time of its calls to `spent` (a few µs per call). */
function timed(b: Backend, spent: () => Spent): Backend {
  return {
    name: b.name,
    async start(src, rows, srcLen) {
      const t0 = performance.now();
      const s = await b.start(src, rows, srcLen);
      spent().encode += performance.now() - t0;
      const state: DecoderState = {
        get rows() {
          return s.rows;
        },
        async step(tokens) {
          const t = performance.now();
          const logits = await s.step(tokens);
          const sp = spent();
          sp.step += performance.now() - t;
          sp.steps++;
          return logits;
        },
        async select(from) {
          const t = performance.now();
          await s.select(from);
          spent().select += performance.now() - t;
        },
        crossAttention: () => s.crossAttention(),
        dispose: () => s.dispose(),
      };
      return state;
    },
  };
}

interface Contender {
  label: string;
  threads: string;
  backend: Backend;
  release?: () => Promise<void>;
  latency: number[];
  b1: Spent;
  b64: { words: number; ms: number; spent: Spent };
}

async function benchCpu(): Promise<Results> {
  const bm = getModel();
  const { config, tensors } = bm.model;
  const index = indexOf(config.srcVocab);
  const words = COMMON_WORDS.filter((w) => w.length < config.maxSrcLen);
  const sources = words.map((w) => encodeSource([...w], index, config.maxSrcLen, w));
  const limits = words.map((w) => defaultMaxLength(config.task, w.length, config));
  const ort: OrtBackend[] = [
    await createOrtBackend(config, bm.graphs, { runtime: "node", threads: 1 }),
    await createOrtBackend(config, bm.graphs, { runtime: "web", threads: 1 }),
  ];
  let current = noSpent();
  const make = (label: string, threads: string, b: Backend, release?: () => Promise<void>) => ({
    label,
    threads,
    backend: timed(b, () => current),
    release,
    latency: [] as number[],
    b1: noSpent(),
    b64: { words: 0, ms: 0, spent: noSpent() },
  });
  const all: Contender[] = [
    make("ours, WASM SIMD kernels", "1", createCpuBackend(config, tensors, { kernels: "wasm" })),
    make(
      "ours, WASM, int8 weights",
      "1",
      createCpuBackend(config, tensors, { kernels: "wasm", weights: "i8" }),
    ),
    make("ours, plain TS kernels", "1", createCpuBackend(config, tensors, { kernels: "ts" })),
    make(`onnxruntime-node ${ort[0].version}`, "1 (intraOp)", ort[0], ort[0].release),
    make(`onnxruntime-web ${ort[1].version} (wasm)`, "1 (numThreads)", ort[1], ort[1].release),
  ];
  const run = async (c: Contender, from: number, to: number, into: Spent) => {
    current = into;
    const t0 = performance.now();
    await greedy(c.backend, sources.slice(from, to), { maxLength: limits.slice(from, to) });
    return performance.now() - t0;
  };
  log(`CPU decoder vs onnxruntime on ${words.length} words (a few minutes)`);
  for (const c of all) { // warm-up: JIT, weights into the kernels' memory, first runs
    for (let i = 0; i < 5; i++) await run(c, i, i + 1, noSpent());
    await run(c, 0, 64, noSpent());
  }
  // Batch 1, interleaved word by word so that load bursts hit every backend alike.
  for (let w = 0; w < words.length; w++) {
    for (const c of all) c.latency.push(await run(c, w, w + 1, c.b1));
  }
  // Batch 64: whole chunks of the word list, interleaved, two rounds.
  const chunks = Math.max(1, Math.floor(words.length / 64));
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < chunks; k++) {
      for (const c of all) {
        const to = Math.min(words.length, (k + 1) * 64);
        c.b64.ms += await run(c, k * 64, to, c.b64.spent);
        c.b64.words += to - k * 64;
      }
    }
  }
  for (const c of all) await c.release?.();

  heading("CPU decoder vs onnxruntime, one thread each, same exported model, same greedy loop");
  console.log(`model: ${bm.label}`);
  console.log(`words: ${words.length} common words; greedy, default maximum lengths`);
  const rows = all.map((c) => {
    const b1 = words.length / (sum(c.latency) / 1000);
    const b64 = c.b64.words / (c.b64.ms / 1000);
    return { c, b1, b64 };
  });
  console.log(table(
    ["decoder", "threads", "latency p50 ms", "p90 ms", "words/s b1", "words/s b64"],
    rows.map(({ c, b1, b64 }) => [
      c.label,
      c.threads,
      fixed(median(c.latency), 2),
      fixed(percentile(c.latency, 0.9), 2),
      fixed(b1, 0),
      fixed(b64, 0),
    ]),
  ));
  const onnx = rows[3];
  console.log("\nRatios against onnxruntime-node (words/s, higher is better for ours):");
  console.log(table(
    ["decoder", "batch 1", "target", "batch 64", "target"],
    rows.filter((r) => r !== onnx).map(({ c, b1, b64 }) => {
      const [r1, r64] = [b1 / onnx.b1, b64 / onnx.b64];
      const ours = c.label.startsWith("ours"); // the targets are ours; onnxruntime-web is context
      return [
        c.label,
        fixed(r1, 2),
        ours ? `≥ 1.0 ${r1 >= 1 ? "met" : "MISSED"}` : "",
        fixed(r64, 2),
        ours ? `≥ 0.5 ${r64 >= 0.5 ? "met" : "MISSED"}` : "",
      ];
    }),
  ));
  console.log("\nWhere the time goes (share of the greedy loop's wall time):");
  const part = (x: number, total: number) => `${fixed((100 * x) / total, 0)}%`;
  console.log(table(
    ["decoder", "batch", "encoder", "decoder steps", "µs/step", "select", "greedy loop"],
    rows.flatMap(({ c }) => {
      const t1 = sum(c.latency);
      const s64 = c.b64.spent;
      return [[c.b1, t1, "1"], [s64, c.b64.ms, "64"]].map(([s, total, batch]) => {
        const sp = s as Spent, t = total as number;
        return [
          c.label,
          batch as string,
          part(sp.encode, t),
          part(sp.step, t),
          fixed((1000 * sp.step) / sp.steps, 0),
          part(sp.select, t),
          part(t - sp.encode - sp.step - sp.select, t),
        ];
      });
    }),
  ));
  console.log("(greedy loop: log-softmax, argmax and bookkeeping in infer/greedy.ts, shared)");
  return {
    model: bm.label,
    words: words.length,
    decoders: rows.map(({ c, b1, b64 }) => ({
      decoder: c.label,
      threads: c.threads,
      latencyMs: { p50: median(c.latency), p90: percentile(c.latency, 0.9) },
      wordsPerSecond: { batch1: b1, batch64: b64 },
      ratioToOnnxruntimeNode: { batch1: b1 / onnx.b1, batch64: b64 / onnx.b64 },
      spentMs: { batch1: c.b1, batch64: c.b64.spent },
    })),
  };
}

// ---------------------------------------------------------------- (iii) cold start

async function coldRun(source?: string): Promise<ColdStart & { wallMs: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tests/_cold_start.ts", ...(source ? [source] : [])],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`The cold-start child failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ...JSON.parse(text.split("\n").at(-1)!), wallMs };
}

async function benchCold(): Promise<Results> {
  const bm = getModel();
  let dir: string | undefined;
  let source: string | undefined; // undefined: the shipped model, as users load it
  if (!bm.shipped) {
    dir = await Deno.makeTempDir();
    await Deno.writeFile(`${dir}/c2k.safetensors`, bm.bytes);
    source = new URL(`file://${dir}/c2k.safetensors`).href;
  }
  log("cold start in fresh processes (1 to fill the module cache, then 5 timed)");
  try {
    const first = await coldRun(source);
    const runs: (ColdStart & { wallMs: number })[] = [];
    for (let i = 0; i < 5; i++) runs.push(await coldRun(source));
    const load = await measureLoad(bm.bytes, { memory: () => Deno.memoryUsage().rss });
    const m = (f: (r: ColdStart & { wallMs: number }) => number) => median(runs.map(f));
    const grow = (key: keyof Deno.MemoryUsage) =>
      m((r) => r.memory.firstWord[key] - r.memory.start[key]);
    heading("Cold start (fresh `deno run` process) and memory of a loaded model");
    console.log(
      `model: ${bm.label}; file ${mb(bm.bytes.length)}; first word "computer" → ${runs[0].kana}`,
    );
    console.log(table(["phase (median of 5 runs)", "ms"], [
      ["process start to first line of the script", fixed(m((r) => r.runtimeMs))],
      ["import mod.ts", fixed(m((r) => r.importMs))],
      ["load the model (fetch, checksum, F16→F32, backend)", fixed(m((r) => r.loadMs))],
      ["first word (weights into kernel memory, decode)", fixed(m((r) => r.firstWordMs))],
      ["whole process, spawn to exit (parent's clock)", fixed(m((r) => r.wallMs))],
      ["  the same, first of the 6 runs (fills the module cache if empty)", fixed(first.wallMs)],
    ]));
    console.log();
    console.log(table(["memory", "size"], [
      ["model file", mb(load.fileBytes)],
      ["weights as f32", mb(load.weightBytes)],
      ["CPU backend's kernel memory after the first word", mb(load.backendBytes)],
      ["process RSS growth: import + load + first word", mb(grow("rss"))],
      ["  of which JS heap (heapUsed)", mb(grow("heapUsed"))],
      ["  of which external (ArrayBuffers, WASM memory)", mb(grow("external"))],
    ]));
    return {
      model: bm.label,
      runs,
      firstRunWallMs: first.wallMs,
      medianMs: {
        runtime: m((r) => r.runtimeMs),
        import: m((r) => r.importMs),
        load: m((r) => r.loadMs),
        firstWord: m((r) => r.firstWordMs),
        wall: m((r) => r.wallMs),
      },
      memoryBytes: {
        file: load.fileBytes,
        weightsF32: load.weightBytes,
        backend: load.backendBytes,
        rssGrowth: grow("rss"),
        heapGrowth: grow("heapUsed"),
        externalGrowth: grow("external"),
      },
    };
  } finally {
    if (dir) await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------- (iv) WebGPU

/** Set by `--full`: time even the runs a software adapter would take minutes over. */
let full = false;

async function benchGpu(): Promise<Results> {
  const bm = getModel();
  heading("WebGPU vs CPU (fixed 12-step greedy loop, 12-symbol sources)");
  console.log(`model: ${bm.label}`);
  if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    const why = "navigator.gpu is missing: run with --unstable-webgpu (deno task bench does)";
    console.log(`skipped: ${why}`);
    return { skipped: why };
  }
  log("WebGPU vs CPU at batch 1, 64, 1024 (software adapters are slow: up to minutes)");
  let results;
  try {
    results = await benchWebGpu({
      model: bm.model,
      maxRunMs: full ? Infinity : 60_000,
      onResult: (r) =>
        log(`  ${r.backend} batch ${r.batch}: ${fixed(r.wordsPerSecond, 0)} words/s`),
    });
  } catch (e) {
    console.log(`skipped: ${(e as Error).message}`);
    return { skipped: (e as Error).message };
  }
  const adapter = results.find((r) => r.device !== "cpu")?.device ?? "none";
  console.log(`adapter: ${adapter}`);
  const cpu = new Map(results.filter((r) => r.device === "cpu").map((r) => [r.batch, r]));
  console.log(table(
    ["backend", "device", "batch", "words/s", "ms/batch", "vs CPU"],
    results.map((r) => [
      r.backend,
      r.device,
      r.batch,
      r.skipped ? `skipped (${r.skipped})` : fixed(r.wordsPerSecond, 0),
      fixed(r.msPerBatch),
      r.device === "cpu"
        ? ""
        : fixed(r.wordsPerSecond / (cpu.get(r.batch)?.wordsPerSecond ?? NaN), 2),
    ]),
  ));
  return { model: bm.label, adapter, results };
}

// ---------------------------------------------------------------- (v) HTTP

async function benchHttp(): Promise<Results> {
  log("HTTP load test: 50 clients for 20 s against deno task serve on loopback");
  const r = await runLoadBench({ clients: 50, durationMs: 20_000 });
  heading("HTTP load test (GET /v1/convert on loopback, 50 clients × 20 s)");
  console.log(`model: ${r.model}`);
  console.log(table(["measure", "value"], [
    ["requests/s", fixed(r.requestsPerSecond)],
    [
      "latency p50 / p90 / p99 / max",
      `${r.latencyMs.p50} / ${r.latencyMs.p90} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`,
    ],
    ["requests sent", r.requests],
    ["answered ok", r.ok],
    ["errors (non-2xx or bad body)", r.errors],
    ["lost (no answer)", r.lost],
    ["statuses", JSON.stringify(r.statuses)],
    ["server exit after SIGINT", r.serverExit],
  ]));
  return r as unknown as Results;
}

// ---------------------------------------------------------------- (vi) single-word latency

async function benchLatency(): Promise<Results> {
  const bm = getModel();
  const converter = await loadConverter(bm.bytes);
  log(`single-word latency over ${COMMON_WORDS.length} words`);
  for (const w of COMMON_WORDS.slice(0, 20)) await converter.convert(w); // warm-up
  const times: number[] = [];
  const sample: string[] = [];
  for (const w of COMMON_WORDS) {
    const t0 = performance.now();
    const r = await converter.convert(w);
    times.push(performance.now() - t0);
    if (sample.length < 3) sample.push(`${w} → ${r.kana}`);
  }
  converter.dispose();
  heading("Single-word latency, converter API (convert(word), CPU, WASM kernels, one thread)");
  console.log(`model: ${bm.label}`);
  console.log(table(["measure", "value"], [
    ["words", times.length],
    ["latency p50", `${fixed(median(times), 2)} ms`],
    ["latency p90", `${fixed(percentile(times, 0.9), 2)} ms`],
    ["latency max", `${fixed(Math.max(...times), 2)} ms`],
    ["words/s (one at a time)", fixed(times.length / (sum(times) / 1000), 0)],
    ["sample", sample.join(", ")],
  ]));
  return {
    model: bm.label,
    words: times.length,
    latencyMs: {
      p50: median(times),
      p90: percentile(times, 0.9),
      max: Math.max(...times),
    },
    wordsPerSecond: times.length / (sum(times) / 1000),
  };
}

// ---------------------------------------------------------------- main

const RUNNERS: Record<SectionName, () => Promise<Results>> = {
  train: benchTrain,
  cpu: benchCpu,
  cold: benchCold,
  webgpu: benchGpu,
  http: benchHttp,
  latency: benchLatency,
};

const USAGE = `Usage: deno task bench [--only ${SECTIONS.join("|")}] [--json FILE] [--full]
  --only NAME  run one section
  --json FILE  also write every result as JSON
  --full       WebGPU: time runs predicted to take over a minute (software adapters)`;

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        only: { type: "string" },
        json: { type: "string" },
        full: { type: "boolean", default: false },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const only = values.only;
  if (only !== undefined && !(SECTIONS as readonly string[]).includes(only)) {
    console.error(`error: unknown section "${only}"; use one of ${SECTIONS.join(", ")}\n${USAGE}`);
    Deno.exit(2);
  }
  full = values.full ?? false;
  const info = await machine();
  console.log("# e2k benchmarks\n");
  console.log(table(["machine", ""], Object.entries(info).map(([k, v]) => [k, String(v)])));
  console.log(
    "\nNote: wall-clock times on a machine that other work may share; compare ratios taken " +
      "in the same run, and read the load average.",
  );
  const results: Record<string, unknown> = { machine: info };
  let failed = 0;
  for (const name of only ? [only as SectionName] : SECTIONS) {
    const t0 = performance.now();
    try {
      results[name] = await RUNNERS[name]();
    } catch (e) {
      console.log(`\n## ${name}: failed: ${(e as Error).stack ?? e}`);
      results[name] = { failed: String(e) };
      failed++;
    }
    log(`${name} took ${fixed((performance.now() - t0) / 1000)} s`);
  }
  info.loadAverageAtEnd = loadAverage();
  console.log(
    `\nload average at start ${info.loadAverageAtStart}, at end ${info.loadAverageAtEnd}`,
  );
  if (values.json) {
    await Deno.writeTextFile(values.json, JSON.stringify(results, null, 2) + "\n");
    log(`results written to ${values.json}`);
  }
  if (failed > 0) Deno.exit(1);
}
