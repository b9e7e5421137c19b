/**
 * `deno task data`: rebuilds the dataset from its Debian and npm sources.
 *
 * Downloads the Debian packages into `.cache/` once (UniDic's is 1 GB), reads the npm packages
 * pinned in deno.json, and writes `data/c2k.jsonl`, `data/p2k.jsonl`, `data/stats.json` and
 * `data/CARD.md`. The same package versions give byte-identical files.
 *
 * Usage: `deno task data [--cache DIR] [--out DIR]`
 *
 * @module
 */

import { createRequire } from "node:module";
import { dictionary } from "cmu-pronouncing-dictionary";
import { toRomaji } from "wanakana";
import { parseArgs } from "../deps/args.ts";
import { createProgress } from "../infer/progress.ts";
import { renderCard } from "./card.ts";
import { formatExample } from "./dataset.ts";
import { buildDataset } from "./pipeline.ts";
import type { DebSource } from "./sources/debian.ts";
import { ensureDebFiles } from "./sources/debian.ts";
import { computeStats, PACKAGES } from "./stats.ts";

const UNIDIC: DebSource = {
  name: "unidic-mecab",
  version: PACKAGES["unidic-mecab"],
  files: ["usr/share/mecab/dic/unidic/lex_3_1.csv", "usr/share/doc/unidic-mecab/copyright"],
};
const SKK: DebSource = {
  name: "skkdic",
  version: PACKAGES.skkdic,
  files: ["usr/share/skk/SKK-JISYO.L", "usr/share/doc/skkdic/copyright"],
};
const EDICT: DebSource = {
  name: "edict",
  version: PACKAGES.edict,
  files: ["usr/share/edict/edict", "usr/share/doc/edict/copyright"],
};

const write = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));

async function fetchDeb(source: DebSource, cache: string): Promise<string> {
  let bar: ReturnType<typeof createProgress> | undefined;
  let last = 0;
  const root = await ensureDebFiles(source, cache, (done, total) => {
    bar ??= createProgress(Math.round(total / 2 ** 20), { unit: "MiB", write });
    const mib = Math.floor(done / 2 ** 20);
    if (mib > last) bar.tick(mib - last, { unpack: source.name });
    last = mib;
  });
  bar?.done();
  return root;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cache: { type: "string" }, out: { type: "string" } },
  });
  const here = new URL("./", import.meta.url);
  const cache = values.cache ?? new URL("../.cache", here).pathname;
  const out = values.out ?? here.pathname;
  write(`Fetching Debian sources into ${cache}\n`);
  const unidicRoot = await fetchDeb(UNIDIC, cache);
  const skkRoot = await fetchDeb(SKK, cache);
  const edictRoot = await fetchDeb(EDICT, cache);
  const eucjp = new TextDecoder("euc-jp", { fatal: true });
  const require = createRequire(import.meta.url);
  const { fetchDictionary } = require("sudachi-synonyms-dictionary");
  const src = {
    unidic: await Deno.readTextFile(`${unidicRoot}/${UNIDIC.files[0]}`),
    skk: eucjp.decode(await Deno.readFile(`${skkRoot}/${SKK.files[0]}`)),
    edict: eucjp.decode(await Deno.readFile(`${edictRoot}/${EDICT.files[0]}`)),
    sudachi: await fetchDictionary(),
    cmudict: dictionary,
    toRomaji: (kana: string) => toRomaji(kana),
  };
  const lines = src.unidic.split("\n").length;
  const unidicBar = createProgress(lines, { unit: "lines", write });
  let seen = 0;
  const result = buildDataset(src, {
    step: (name) => write(`${name === "sudachi" ? "\n" : ""}Step: ${name}\n`),
    unidicProgress: (n) => {
      unidicBar.tick(n - seen);
      seen = n;
    },
  });
  const stats = computeStats(result);
  await Deno.mkdir(out, { recursive: true });
  const jsonl = (task: "c2k" | "p2k") =>
    result[task].map((e) => formatExample(e, task) + "\n").join("");
  await Deno.writeTextFile(`${out}/c2k.jsonl`, jsonl("c2k"));
  await Deno.writeTextFile(`${out}/p2k.jsonl`, jsonl("p2k"));
  await Deno.writeTextFile(`${out}/stats.json`, JSON.stringify(stats, null, 2) + "\n");
  await Deno.writeTextFile(`${out}/CARD.md`, renderCard(stats, result));
  // deno fmt aligns the card's tables; running it here keeps `deno fmt --check` clean and the
  // output byte-identical from one build to the next.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: [
      "fmt",
      "--quiet",
      "--config",
      new URL("../deno.json", here).pathname,
      `${out}/CARD.md`,
      `${out}/stats.json`,
    ],
  }).output();
  if (!fmt.success) throw new Error(`Cannot format ${out}/CARD.md: deno fmt failed`);
  write(
    `Wrote ${result.c2k.length} C2K and ${result.p2k.length} P2K records to ${out}\n` +
      `${JSON.stringify(stats.c2k.kinds)}\n`,
  );
}

if (import.meta.main) await main();
