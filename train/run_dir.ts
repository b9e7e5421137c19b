/**
 * A run directory: what one training run leaves behind, for people and for tools.
 *
 * ```text
 * config.json              hyper-parameters, data hash and counts, seed, versions, git commit
 * metrics.json             one record per epoch (losses, learning rate, speed, valid figures)
 * curves.svg               loss and exact-match curves, hand-drawn SVG
 * README.md                a summary written from the above
 * checkpoint.safetensors   the latest state (train/checkpoint.ts)
 * best.safetensors         the state at the best validation loss
 * ```
 *
 * @module
 */

import { writeFileAtomic } from "./checkpoint.ts";
import { auxWeight, type TrainConfig } from "./config.ts";
import type { Report } from "./metrics.ts";

/** One epoch's record in metrics.json. */
export interface EpochRecord {
  /** Epoch number, from 1. */
  epoch: number;
  /** Optimizer steps done at its end. */
  step: number;
  /** Learning rate at its last step. */
  lr: number;
  /** Mean training loss per target token (as the step reports it, smoothing included). */
  trainLoss: number;
  /** Mean validation cross-entropy per target token (no smoothing, no dropout), over the
   * validated kinds that are also trained (all validated kinds if none is). */
  validLoss: number;
  /** Share of validation target tokens predicted right under teacher forcing. */
  validTokenAccuracy: number;
  /** Greedy-decoding figures on the validation split, overall and by kind. */
  valid: Report;
  /** Task weights exp(−s) after the epoch, by kind (learned weighting), else the fixed ones. */
  taskWeights: Record<string, number>;
  /** Wall-clock seconds of the epoch's training steps. */
  trainSeconds: number;
  /** Wall-clock seconds of its validation. */
  validSeconds: number;
  /** Training target tokens per second. */
  tokensPerSecond: number;
}

/** The facts written to config.json. */
export interface RunInfo {
  config: TrainConfig;
  /** SHA-256 of the examples used (see {@link hashExamples}). */
  dataHash: string;
  /** Items per split and what was skipped. */
  data: Record<string, unknown>;
  /** Parameter count. */
  parameters: number;
  seed: number;
  versions: Record<string, string>;
  git: { commit: string | null; dirty: boolean | null };
  createdAt: string;
}

/**
 * SHA-256 over the examples' JSON lines, in order: changes whenever the data does.
 *
 * @param examples The examples used (train and valid).
 * @returns 64 hex digits.
 */
export async function hashExamples(examples: readonly unknown[]): Promise<string> {
  const text = examples.map((e) => JSON.stringify(e)).join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The current git commit and whether the tree has changes, or nulls outside a repository. */
export async function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
  const run = async (args: string[]) => {
    try {
      const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" })
        .output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    } catch {
      return null;
    }
  };
  const commit = await run(["rev-parse", "HEAD"]);
  const status = commit === null
    ? null
    : await run(["status", "--porcelain", "--", "train", "infer"]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/** Writes config.json. */
export async function writeRunInfo(dir: string, info: RunInfo): Promise<void> {
  await writeFileAtomic(`${dir}/config.json`, JSON.stringify(info, null, 2) + "\n");
}

/** Reads config.json. */
export async function readRunInfo(dir: string): Promise<RunInfo> {
  return JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
}

/** Writes metrics.json, curves.svg and README.md from the epochs so far. */
export async function writeProgress(
  dir: string,
  info: RunInfo,
  epochs: readonly EpochRecord[],
  note = "",
): Promise<void> {
  await writeFileAtomic(`${dir}/metrics.json`, JSON.stringify({ epochs }, null, 2) + "\n");
  await writeFileAtomic(`${dir}/curves.svg`, renderCurves(epochs));
  await writeFileAtomic(`${dir}/README.md`, renderReadme(dir, info, epochs, note));
}

/** Reads metrics.json, or no epochs when it does not exist yet. */
export async function readEpochs(dir: string): Promise<EpochRecord[]> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)).epochs;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

function escapeXml(s: string): string {
  return s.replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!,
  );
}

/** How a panel's y axis is scaled and labelled. */
interface Axis {
  /** Logarithmic (for losses, which fall by orders of magnitude). */
  log?: boolean;
  /** A fixed range, e.g. [0, 1] for accuracies. */
  range?: [number, number];
  /** Tick labels as percentages. */
  percent?: boolean;
}

function tickLabel(y: number, axis: Axis): string {
  if (axis.percent) return `${(100 * y).toFixed(0)}%`;
  return Math.abs(y) >= 0.01 || y === 0 ? String(Number(y.toPrecision(3))) : y.toExponential(1);
}

/** One plot panel: a legend row under the title, axes, ticks, lines with dots. */
function panel(x0: number, title: string, series: Series[], w: number, h: number, axis: Axis) {
  const pad = { l: 52, r: 12, t: 44, b: 32 };
  const f = axis.log ? Math.log10 : (y: number) => y;
  const ok = (y: number) => Number.isFinite(y) && (!axis.log || y > 0);
  const pts = series.flatMap((s) => s.points).filter(([, y]) => ok(y));
  const xmax = Math.max(1, ...pts.map(([x]) => x));
  let [lo, hi] = axis.range ??
    [Math.min(...pts.map(([, y]) => y)), Math.max(...pts.map(([, y]) => y))];
  if (!Number.isFinite(lo)) [lo, hi] = axis.log ? [0.1, 1] : [0, 1];
  let [ymin, ymax] = [f(lo), f(hi)];
  if (ymax - ymin < 1e-9) [ymin, ymax] = [ymin - 0.5, ymax + 0.5];
  const sx = (x: number) => x0 + pad.l + ((x - 1) / Math.max(1, xmax - 1)) * (w - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (f(y) - ymin) / (ymax - ymin)) * (h - pad.t - pad.b);
  const out = [
    `<text x="${x0 + w / 2}" y="14" text-anchor="middle" font-weight="bold">${
      escapeXml(title)
    }</text>`,
    `<rect x="${x0 + pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${
      h - pad.t - pad.b
    }" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = ymin + ((ymax - ymin) * i) / 4;
    const y = axis.log ? 10 ** v : v;
    out.push(
      `<text x="${x0 + pad.l - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${
        tickLabel(y, axis)
      }</text>`,
    );
  }
  const xticks = [...new Set([1, Math.ceil(xmax / 2), xmax])];
  for (const x of xticks) {
    out.push(`<text x="${sx(x)}" y="${h - pad.b + 14}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<text x="${x0 + w / 2}" y="${h - 4}" text-anchor="middle">epoch</text>`);
  let lx = x0 + pad.l;
  for (const s of series) {
    const shown = s.points.filter(([, y]) => ok(y));
    if (shown.length > 1) {
      const d = shown.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    }
    for (const [x, y] of shown) {
      out.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${s.color}"/>`,
      );
    }
    out.push(`<rect x="${lx}" y="27" width="10" height="3" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 13}" y="32">${escapeXml(s.label)}</text>`);
    lx += 20 + 6 * s.label.length;
  }
  return out.join("\n");
}

/**
 * Draws the training curves: train/valid loss, and exact match overall and by kind.
 *
 * @param epochs The records so far.
 * @returns An SVG document.
 */
export function renderCurves(epochs: readonly EpochRecord[]): string {
  const w = 420, h = 280;
  const loss: Series[] = [
    { label: "train loss", color: COLORS[0], points: epochs.map((e) => [e.epoch, e.trainLoss]) },
    { label: "valid loss", color: COLORS[1], points: epochs.map((e) => [e.epoch, e.validLoss]) },
  ];
  const kinds = [...new Set(epochs.flatMap((e) => Object.keys(e.valid.byKind)))];
  const acc: Series[] = [
    {
      label: "all",
      color: COLORS[0],
      points: epochs.map((e) => [e.epoch, e.valid.overall.exact]),
    },
    ...kinds.map((k, i) => ({
      label: k,
      color: COLORS[(i + 2) % COLORS.length],
      points: epochs.map((e) => [e.epoch, e.valid.byKind[k]?.exact ?? NaN] as [number, number]),
    })),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}" ` +
    `font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, "loss per token (log scale)", loss, w, h, { log: true }),
    panel(w, "validation exact match", acc, w, h, { range: [0, 1], percent: true }),
    `</svg>`,
    "",
  ].join("\n");
}

const pct = (x: number) => (100 * x).toFixed(1) + "%";

/** ", plus the G2P task (weight 0.5, 30000 CMUdict words an epoch)", or "" when it is off. */
function auxNote(c: TrainConfig): string {
  const w = auxWeight(c);
  if (w === 0) return "";
  const n = c.g2pPerEpoch === 0 ? "every train-split" : String(c.g2pPerEpoch);
  return `, plus the ${
    c.task === "c2k" ? "G2P" : "P2G"
  } task (weight ${w}, ${n} CMUdict words an epoch)`;
}

/** Writes the run's README: what was trained, on what, and how well. */
export function renderReadme(
  dir: string,
  info: RunInfo,
  epochs: readonly EpochRecord[],
  note = "",
): string {
  const c = info.config;
  const best = epochs.reduce<EpochRecord | null>(
    (b, e) => (b === null || e.validLoss < b.validLoss ? e : b),
    null,
  );
  const lines = [
    `# Training run: ${c.task} (${dir})`,
    "",
    `Started ${info.createdAt}; git ${info.git.commit ?? "unknown"}${
      info.git.dirty ? " (with local changes)" : ""
    }; ` +
    `data ${info.dataHash.slice(0, 12)}; seed ${info.seed}.`,
    "",
    `Model: ${c.encLayers}+${c.decLayers} layers, d=${c.dModel}, ${c.heads} heads, ff=${c.dFF}, ` +
    `${c.activation}, ${info.parameters.toLocaleString("en")} parameters. ` +
    `Training: AdamW lr ${c.lr} (β ${c.beta1}/${c.beta2}, wd ${c.weightDecay}), warm-up ` +
    `${c.warmupEpochs} epoch(s) then ×${c.lrDecay} per epoch, batch ${
      c.tokenBudget > 0 ? `${c.tokenBudget} tokens` : `${c.batchSize} examples`
    }, dropout ${c.dropout}, label smoothing ${c.labelSmoothing}, clip ${c.clipNorm}, ` +
    `${c.variants === "top" ? "top variant" : "all variants"}, trained on ${
      c.trainKinds.join(", ")
    }, ` +
    `${c.taskWeighting} task weights${auxNote(c)}.`,
    "",
    `Data: ${JSON.stringify(info.data)}`,
    "",
  ];
  if (note) lines.push(note, "");
  if (best) {
    const kinds = Object.entries(best.valid.byKind)
      .map(([k, f]) => `${k} ${pct(f.exact)} (n=${f.count})`).join(", ");
    lines.push(
      `Best validation loss ${best.validLoss.toFixed(4)} at epoch ${best.epoch}: exact ` +
        `${pct(best.valid.overall.exact)} (${kinds}), BLEU-3 ${
          best.valid.overall.bleu.toFixed(3)
        }, ` +
        `CER ${best.valid.overall.cer.toFixed(3)}.`,
      "",
    );
  }
  lines.push(
    "![curves](curves.svg)",
    "",
    "| epoch | lr | train loss | valid loss | token acc | exact | BLEU-3 | CER | tokens/s | min |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...epochs.map((e) =>
      `| ${e.epoch} | ${e.lr.toExponential(2)} | ${e.trainLoss.toFixed(4)} | ${
        e.validLoss.toFixed(4)
      } | ${pct(e.validTokenAccuracy)} | ${pct(e.valid.overall.exact)} | ${
        e.valid.overall.bleu.toFixed(3)
      } | ${e.valid.overall.cer.toFixed(3)} | ${e.tokensPerSecond.toFixed(0)} | ${
        ((e.trainSeconds + e.validSeconds) / 60).toFixed(1)
      } |`
    ),
    "",
    "Files: `config.json` (everything that defines the run), `metrics.json` (these figures), " +
      "`checkpoint.safetensors` (latest state; `deno task train --resume --out DIR` continues), " +
      "`best.safetensors` (best validation loss; `deno task export DIR` ships it).",
    "",
  );
  return lines.join("\n");
}
