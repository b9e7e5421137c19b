/**
 * `deno task train`: train a C2K or P2K model.
 *
 * ```sh
 * deno task train --task c2k --out runs/c2k-base          # defaults: see train/config.ts
 * deno task train --task p2k --config my.json --epochs 60
 * deno task train --resume --out runs/c2k-base            # continue exactly where it stopped
 * deno task train --help
 * ```
 *
 * Ctrl-C saves a checkpoint at the next step and exits; a second Ctrl-C quits at once.
 *
 * @module
 */

import { dictionary } from "cmu-pronouncing-dictionary";
import { loadDataset } from "../data/dataset.ts";
import { readCmudict } from "../data/sources/cmudict.ts";
import { auxWeight, parseTrainArgs, type TrainConfig, usage } from "./config.ts";
import { runTraining } from "./loop.ts";
import { readRunInfo } from "./run_dir.ts";

const encoder = new TextEncoder();
const stderr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

function defaultOut(c: TrainConfig): string {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  return `runs/${c.task}-${stamp}`;
}

function dirUrl(path: string): URL {
  const base = new URL(`file://${Deno.cwd()}/`);
  return new URL(path.endsWith("/") ? path : `${path}/`, base);
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseTrainArgs(args);
  } catch (e) {
    stderr(`error: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.help) {
    console.log(usage());
    return 0;
  }
  const { explicit, resume } = parsed;
  let config = parsed.config;
  if (resume && config.out === "") {
    stderr("error: --resume needs --out, the run directory to continue\n");
    return 2;
  }
  const out = config.out || defaultOut(config);
  let aux = auxWeight(config) > 0;
  // On resume the task and data folder come from the run itself.
  if (resume) {
    try {
      const saved = (await readRunInfo(out)).config;
      config = {
        ...config,
        task: saved.task,
        dataDir: explicit.has("dataDir") ? config.dataDir : saved.dataDir,
      };
      aux = auxWeight(saved) > 0;
    } catch (e) {
      stderr(`error: Cannot resume "${out}": ${(e as Error).message}\n`);
      return 2;
    }
  }
  const examples = await loadDataset(
    config.task,
    config.dataDir ? dirUrl(config.dataDir) : undefined,
  );
  const data = {
    train: examples.filter((e) => e.split === "train"),
    valid: examples.filter((e) => e.split === "valid"),
    cmudict: aux ? readCmudict(dictionary) : undefined,
  };

  const controller = new AbortController();
  let presses = 0;
  const onSigint = () => {
    if (++presses > 1) Deno.exit(130);
    controller.abort();
    stderr("\nInterrupted: saving a checkpoint at the next step (Ctrl-C again to quit now)\n");
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const result = await runTraining({
      config: { ...config, out },
      outDir: out,
      resume,
      explicit,
      data,
      signal: controller.signal,
      log: (line) => stderr(line + "\n"),
      write: stderr,
    });
    const l = result.loop;
    if (result.status === "interrupted") {
      stderr(
        `Stopped at epoch ${l.epoch + 1}, step ${l.step}. Continue with:\n` +
          `  deno task train --resume --out ${out}\n`,
      );
      return 130;
    }
    stderr(
      `Done: best validation loss ${l.bestLoss.toFixed(4)} at epoch ${l.bestEpoch + 1}. ` +
        `Export with:\n  deno task export ${out}\n`,
    );
    return 0;
  } catch (e) {
    stderr(`error: ${(e as Error).message}\n`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
