/**
 * How far do C2K and P2K get together, on the words where both inputs exist (the P2K data: a
 * spelling and its CMUdict pronunciation)? Each model's beam gives up to 4 candidates; every
 * candidate is scored by both models (`scorePool`), and the one with the best
 * log P_c2k(y | spelling) + λ · log P_p2k(y | phones) wins: what `convertWithPhones`
 * (infer/combine.ts) does with λ = 1. Also prints each model alone and the oracle (either
 * beam holds an accepted reading).
 *
 * ```sh
 * deno run -A train/rerank.ts --split valid --lambda 0.5,1,2
 * ```
 *
 * @module
 */

import { loadDataset } from "../data/dataset.ts";
import { parseArgs } from "../deps/args.ts";
import { type PooledCandidate, scorePool } from "../infer/combine.ts";
import { loadConverter } from "../infer/converter.ts";
import { createProgress } from "../infer/progress.ts";
import { exactMatch, score, type Scored } from "./metrics.ts";

const BATCH = 64;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      split: { type: "string", default: "valid" },
      lambda: { type: "string", default: "0.5,1,2" },
    },
  });
  const lambdas = values.lambda.split(",").map(Number);
  if (lambdas.some((l) => !Number.isFinite(l) || l < 0)) {
    throw new RangeError(`Invalid --lambda "${values.lambda}": use numbers >= 0, comma-separated`);
  }
  const [c2k, p2k] = await Promise.all([loadConverter("c2k"), loadConverter("p2k")]);
  // One item per English word and pronunciation, as `deno task eval` scores P2K.
  const items = (await loadDataset("p2k"))
    .filter((e) => e.split === values.split && e.kind === "en")
    .flatMap((e) => (e.phones ?? []).map((phones) => ({ word: e.key, phones, refs: e.kana })));
  const names = ["c2k", "p2k", "oracle", ...lambdas.map((l) => `c2k + ${l} × p2k`)];
  const outputs = new Map<string, Scored[]>(names.map((n) => [n, []]));
  const enc = new TextEncoder();
  const bar = createProgress(items.length, {
    unit: "words",
    write: (t) => Deno.stderr.writeSync(enc.encode(t)),
  });
  const opts = { strategy: "beam" as const, beamWidth: 4, nbest: 4 };
  for (let at = 0; at < items.length; at += BATCH) {
    const batch = items.slice(at, at + BATCH);
    const fromC = await c2k.convertBatch(batch.map((it) => it.word), opts);
    const fromP = await p2k.convertBatch(batch.map((it) => it.phones), opts);
    for (const [i, it] of batch.entries()) {
      const ok = (kana: string) => exactMatch(kana, it.refs);
      const add = (name: string, kana: string) =>
        outputs.get(name)!.push({ prediction: kana, references: it.refs, kind: "en" });
      add("c2k", fromC[i].kana);
      add("p2k", fromP[i].kana);
      const heard = [...fromC[i].nbest ?? [], ...fromP[i].nbest!].map((c) => c.kana);
      add("oracle", heard.find(ok) ?? fromC[i].kana); // exact match is what it measures
      if (fromC[i].source !== "model") {
        for (const l of lambdas) add(`c2k + ${l} × p2k`, fromC[i].kana);
        continue;
      }
      const pool = await scorePool(c2k, p2k, it.word, it.phones, [fromC[i], fromP[i]]);
      for (const l of lambdas) {
        const total = (p: PooledCandidate) => p.c2k + l * p.p2k;
        add(`c2k + ${l} × p2k`, pool.reduce((a, b) => (total(b) > total(a) ? b : a)).kana);
      }
    }
    bar.tick(batch.length);
  }
  bar.done();
  console.log(`${items.length} P2K ${values.split} items (English), beam 4: exact, BLEU-3, CER`);
  for (const [name, list] of outputs) {
    const f = score(list).overall;
    const figures = `${(100 * f.exact).toFixed(2)}%  ${f.bleu.toFixed(4)}  ${f.cer.toFixed(4)}`;
    console.log(`  ${name.padEnd(16)} ${figures}`);
  }
}

if (import.meta.main) await main(Deno.args);
