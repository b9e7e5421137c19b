/**
 * An experiment for the next round: how far do C2K and P2K get together, on the words where
 * both inputs exist (the P2K data: a spelling and its CMUdict pronunciation)? Each model's
 * beam gives up to 4 candidates; every candidate is scored by both models (teacher forcing),
 * and the one with the best log P_c2k(y | spelling) + λ · log P_p2k(y | phones) wins.
 *
 * ```sh
 * deno run -A train/rerank.ts --split valid --lambda 0.5,1,2
 * ```
 *
 * @module
 */

import { loadDataset } from "../data/dataset.ts";
import { parseArgs } from "../deps/args.ts";
import { padSources } from "../infer/_decode.ts";
import type { Backend } from "../infer/backend.ts";
import { beamSearch } from "../infer/beam.ts";
import { createCpuBackend } from "../infer/cpu_backend.ts";
import { readModel } from "../infer/model_file.ts";
import { createProgress } from "../infer/progress.ts";
import { C2K_SOURCE, EOS, indexOf, SOS } from "../infer/vocab.ts";
import { evalSet } from "./evaluation.ts";
import { exactMatch } from "./metrics.ts";

const BATCH = 64;

async function load(path: string): Promise<Backend> {
  const m = readModel(await Deno.readFile(path));
  return createCpuBackend(m.config, m.tensors);
}

/** log P(tokens, then EOS | source) for each (source, tokens) pair, by teacher forcing. */
async function forcedScores(
  backend: Backend,
  sources: readonly Int32Array[],
  targets: readonly number[][],
): Promise<number[]> {
  const { src, srcLen } = padSources(sources);
  const state = await backend.start(src, sources.length, srcLen);
  const rows = sources.length;
  const out = new Array<number>(rows).fill(0);
  const longest = Math.max(...targets.map((t) => t.length));
  let feed = new Int32Array(rows).fill(SOS);
  for (let t = 0; t <= longest; t++) {
    const logits = await state.step(feed);
    const V = logits.length / rows;
    const next = new Int32Array(rows).fill(EOS);
    for (let r = 0; r < rows; r++) {
      if (t > targets[r].length) continue;
      const want = t < targets[r].length ? targets[r][t] : EOS;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[r * V + v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[r * V + v] - max);
      out[r] += logits[r * V + want] - max - Math.log(sum);
      if (t < targets[r].length) next[r] = targets[r][t];
    }
    feed = next;
  }
  state.dispose();
  return out;
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      split: { type: "string", default: "valid" },
      lambda: { type: "string", default: "0.5,1,2" },
    },
  });
  const lambdas = values.lambda.split(",").map(Number);
  const c2k = await load("models/c2k.safetensors");
  const p2k = await load("models/p2k.safetensors");
  const tgtVocab = readModel(await Deno.readFile("models/p2k.safetensors")).config.tgtVocab;
  const srcIds = indexOf(C2K_SOURCE);
  const examples = (await loadDataset("p2k")).filter((e) => e.split === values.split);
  const items = evalSet(examples, "p2k", ["en"], 32).items;
  const spell = (key: string) => Int32Array.from([...key, "</s>"], (ch) => srcIds.get(ch) ?? EOS);

  const tally = { c2k: 0, p2k: 0, oracle: 0, ...Object.fromEntries(lambdas.map((l) => [l, 0])) };
  const bar = createProgress(items.length, {
    unit: "words",
    write: (t) => Deno.stderr.write(new TextEncoder().encode(t)),
  });
  for (let at = 0; at < items.length; at += BATCH) {
    const batch = items.slice(at, at + BATCH);
    const spelt = batch.map((it) => spell(it.key));
    const opts = { maxLength: 31, width: 4, alpha: 1, nbest: 4 };
    const fromC = await beamSearch(c2k, spelt, opts);
    const fromP = await beamSearch(p2k, batch.map((it) => it.source), opts);
    // Candidates of each word: both n-best lists, without repeats.
    const cands = batch.map((_, i) => {
      const seen = new Map<string, number[]>();
      for (const h of [...fromC[i], ...fromP[i]]) {
        seen.set(h.tokens.map((t) => tgtVocab[t]).join(""), h.tokens);
      }
      return [...seen];
    });
    const rowsC: Int32Array[] = [], rowsP: Int32Array[] = [], tgts: number[][] = [];
    cands.forEach((list, i) => {
      for (const [, toks] of list) {
        rowsC.push(spelt[i]);
        rowsP.push(batch[i].source);
        tgts.push(toks);
      }
    });
    const sc = await forcedScores(c2k, rowsC, tgts);
    const sp = await forcedScores(p2k, rowsP, tgts);
    let k = 0;
    cands.forEach((list, i) => {
      const refs = batch[i].references;
      const ok = (s: string) => exactMatch(s, refs);
      const top = (f: (j: number) => number) => {
        let best = 0;
        for (let j = 1; j < list.length; j++) if (f(k + j) > f(k + best)) best = j;
        return list[best][0];
      };
      tally.c2k += ok(fromC[i][0].tokens.map((t) => tgtVocab[t]).join("")) ? 1 : 0;
      tally.p2k += ok(fromP[i][0].tokens.map((t) => tgtVocab[t]).join("")) ? 1 : 0;
      tally.oracle += list.some(([s]) => ok(s)) ? 1 : 0;
      for (const l of lambdas) {
        (tally as Record<string, number>)[l] += ok(top((j) => sc[j] + l * sp[j])) ? 1 : 0;
      }
      k += list.length;
    });
    bar.tick(batch.length);
  }
  bar.done();
  const pct = (n: number) => `${(100 * n / items.length).toFixed(2)}%`;
  console.log(`${items.length} P2K ${values.split} items (English), exact match, beam 4:`);
  for (const [name, n] of Object.entries(tally)) {
    const label = name in { c2k: 1, p2k: 1, oracle: 1 } ? name : `c2k + ${name} × p2k`;
    console.log(`  ${label.padEnd(16)} ${pct(n)}`);
  }
}

if (import.meta.main) await main(Deno.args);
