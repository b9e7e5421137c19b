/**
 * `deno task export RUN_DIR`: ship a trained run as a compact model file plus its ONNX
 * inference graphs (for parity tests).
 *
 * ```sh
 * deno task export runs/c2k-base                      # → models/c2k-base.safetensors (F16)
 * deno task export runs/c2k-base --out models/c2k --dtype I8
 * ```
 *
 * Writes `OUT.safetensors` (config, data hash, run config and validation metrics in the
 * metadata), `OUT.encoder.onnx` and `OUT.decoder.onnx`. The ONNX graphs hold the weights as
 * read back from the written file (F16/I8 rounding included), so they compute what the
 * decoder computes from that file.
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import { readModel, type WeightDType, writeModel } from "../infer/model_file.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { type Checkpoint, loadCheckpoint, writeFileAtomic } from "./checkpoint.ts";
import { modelConfigOf } from "./config.ts";
import { kanaOnly } from "./auxiliary.ts";
import { buildDecoderStepGraph, buildEncoderGraph } from "./inference_graphs.ts";
import { readEpochs, readRunInfo } from "./run_dir.ts";

/** Options of {@link exportRun}. */
export interface ExportOptions {
  /** Output path without extension, e.g. "models/c2k". */
  out: string;
  /** Weight storage type (default F16). */
  dtype?: WeightDType;
  /** "best" (default): the best validation loss; "last": the latest checkpoint. */
  which?: "best" | "last";
  /** Also write the ONNX inference graphs (default true). */
  onnx?: boolean;
}

/** What was written. */
export interface ExportResult {
  files: string[];
  /** Bytes of the model file. */
  bytes: number;
  /** The epoch (from 1) whose parameters were exported. */
  epoch: number;
}

/**
 * Exports a run directory's parameters.
 *
 * @param runDir The run directory (train/run_dir.ts).
 * @param opts Output path, dtype, which checkpoint.
 * @returns The files written.
 * @throws {Deno.errors.NotFound} When the run has no checkpoint.
 * @throws {RangeError} When the checkpoint lacks a parameter.
 */
export async function exportRun(runDir: string, opts: ExportOptions): Promise<ExportResult> {
  const { dtype = "F16", which = "best", onnx = true } = opts;
  let ckpt: Checkpoint;
  try {
    ckpt = await loadCheckpoint(
      `${runDir}/${which === "best" ? "best" : "checkpoint"}.safetensors`,
    );
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) || which !== "best") throw e;
    ckpt = await loadCheckpoint(`${runDir}/checkpoint.safetensors`); // no validation yet
  }
  const full = modelConfigOf(ckpt.config);
  const all = new Map<string, Float32Array>();
  for (const s of tensorSpecs(full)) {
    const t = ckpt.tensors.get(s.name);
    if (!t) {
      throw new RangeError(`Cannot export "${runDir}": the checkpoint has no tensor "${s.name}"`);
    }
    all.set(s.name, t.data);
  }
  // A run with an auxiliary task ships only its katakana outputs.
  const { config, params } = kanaOnly(full, all);
  const info = await readRunInfo(runDir).catch(() => null);
  const epochs = await readEpochs(runDir);
  const epoch = which === "best" ? ckpt.loop.bestEpoch + 1 : ckpt.loop.epoch;
  const record = epochs.find((e) => e.epoch === epoch);
  const bytes = writeModel(config, params, {
    dtype,
    info: {
      run: runDir,
      epoch,
      step: record?.step ?? ckpt.loop.step,
      dataHash: info?.dataHash ?? null,
      git: info?.git ?? null,
      trainConfig: ckpt.config,
      validation: record
        ? { loss: record.validLoss, tokenAccuracy: record.validTokenAccuracy, ...record.valid }
        : null,
      exportedAt: new Date().toISOString(),
    },
  });
  const files = [`${opts.out}.safetensors`];
  const dir = opts.out.includes("/") ? opts.out.slice(0, opts.out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(files[0], bytes);
  if (onnx) {
    const back = readModel(bytes).tensors;
    files.push(`${opts.out}.encoder.onnx`, `${opts.out}.decoder.onnx`);
    await writeFileAtomic(files[1], buildEncoderGraph(config, back));
    await writeFileAtomic(files[2], buildDecoderStepGraph(config, back));
  }
  return { files, bytes: bytes.byteLength, epoch };
}

const USAGE =
  `Usage: deno task export RUN_DIR [--out models/NAME] [--dtype F16|F32|I8] [--last] [--no-onnx]

  --out PATH     output path without extension (default models/<run directory name>)
  --dtype T      weight storage: F16 (default), F32, or I8 with per-row scales
  --last         export the latest checkpoint instead of the best validation loss
  --no-onnx      skip the ONNX inference graphs`;

async function main(args: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        dtype: { type: "string", default: "F16" },
        last: { type: "boolean", default: false },
        "no-onnx": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`error: expected one run directory, got ${positionals.length}\n${USAGE}`);
    return 2;
  }
  const dtype = values.dtype as WeightDType;
  if (!["F16", "F32", "I8"].includes(dtype)) {
    console.error(`error: Invalid --dtype "${values.dtype}": use F16, F32 or I8`);
    return 2;
  }
  const runDir = positionals[0].replace(/\/+$/, "");
  const out = values.out ?? `models/${runDir.split("/").pop()}`;
  try {
    const r = await exportRun(runDir, {
      out,
      dtype,
      which: values.last ? "last" : "best",
      onnx: !values["no-onnx"],
    });
    console.log(`Exported epoch ${r.epoch} of ${runDir} (${(r.bytes / 1e6).toFixed(2)} MB):`);
    for (const f of r.files) console.log(`  ${f}`);
    return 0;
  } catch (e) {
    console.error(`error: Cannot export "${runDir}": ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
