/**
 * `deno task average`: checkpoint averaging. The mean of the parameters of the last few
 * epochs' checkpoints often decodes better than any one of them (Vaswani et al. 2017 average
 * the last 5–20 checkpoints). Writes a run directory that `deno task export` takes as is.
 *
 * ```sh
 * deno task average --from runs/c2k --out runs/c2k-avg runs/c2k/snap/a.safetensors runs/c2k/snap/b.safetensors
 * deno task export runs/c2k-avg --out models/c2k --dtype I8
 * ```
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import { tensorSpecs } from "../infer/model_spec.ts";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { modelConfigOf } from "./config.ts";

/**
 * Averages the model parameters of several checkpoints of one run (optimizer state dropped).
 *
 * @param ckpts Checkpoints of the same model shape; the last one gives config and loop state.
 * @returns A checkpoint whose parameters are the element-wise means.
 * @throws {RangeError} When the checkpoints disagree on a parameter's shape.
 */
export function averageCheckpoints(ckpts: Checkpoint[]): Checkpoint {
  if (ckpts.length === 0) throw new RangeError("Cannot average: no checkpoints given");
  const last = ckpts[ckpts.length - 1];
  const tensors = new Map<string, { data: Float32Array; dims: readonly number[] }>();
  for (const { name, shape } of tensorSpecs(modelConfigOf(last.config))) {
    const sum = new Float64Array(shape.reduce((a, b) => a * b, 1));
    for (const [i, c] of ckpts.entries()) {
      const t = c.tensors.get(name);
      if (!t || t.data.length !== sum.length) {
        throw new RangeError(`Cannot average: checkpoint ${i} has no tensor "${name}" [${shape}]`);
      }
      for (let j = 0; j < sum.length; j++) sum[j] += t.data[j];
    }
    tensors.set(name, { data: Float32Array.from(sum, (x) => x / ckpts.length), dims: shape });
  }
  return { config: last.config, loop: last.loop, tensors };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { from: { type: "string" }, out: { type: "string" } },
    allowPositionals: true,
  });
  if (!values.from || !values.out || positionals.length === 0) {
    console.error("Usage: deno task average --from RUN_DIR --out NEW_RUN_DIR CHECKPOINT...");
    Deno.exit(2);
  }
  const avg = averageCheckpoints(await Promise.all(positionals.map(loadCheckpoint)));
  await Deno.mkdir(values.out, { recursive: true });
  for (const file of ["config.json", "metrics.json"]) {
    await Deno.copyFile(`${values.from}/${file}`, `${values.out}/${file}`);
  }
  // Export reads best.safetensors; the loop state says which epoch's figures to record.
  const loop = { ...avg.loop, bestEpoch: avg.loop.epoch - 1 };
  await saveCheckpoint(`${values.out}/best.safetensors`, { ...avg, loop });
  console.log(`Averaged ${positionals.length} checkpoints into ${values.out}/best.safetensors`);
}
