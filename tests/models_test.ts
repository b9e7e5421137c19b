/**
 * The shipped models: they load (format, version, checksum, size), convert common words that
 * any usable model must get right, and still score what `models/metrics.json` records on its
 * fixed sample of the test split, so that a model re-exported without `deno task card`, or a
 * card computed on other data, fails here with the command to run.
 */

import { assert } from "../deps/assert.ts";
import { loadDataset } from "../data/dataset.ts";
import { loadConverter } from "../infer/converter.ts";
import { readModel } from "../infer/model_file.ts";
import { FORMAT_VERSION } from "../infer/model_spec.ts";
import {
  type KindFigures,
  measureSet,
  type ModelMetrics,
  sha256Hex,
  SHIPPED,
  type ShippedName,
  type StrategyFigures,
} from "../train/model_card.ts";

const ROOT = new URL("../", import.meta.url);
/** Largest shipped model file: 3 MB (10^6 bytes). */
const MAX_BYTES = 3_000_000;
/** Exact match and BLEU may move this much between machines (a near tie decoded otherwise). */
const TOL_EXACT = 0.005;
const TOL_BLEU = 0.005;
const TOL_CER = 0.005;
const RERUN = "run deno task card to measure the models again and commit models/metrics.json";

const files = Object.fromEntries(
  SHIPPED.map((n) => [n, Deno.readFileSync(new URL(`models/${n}.safetensors`, ROOT))]),
) as Record<ShippedName, Uint8Array>;
const metrics: ModelMetrics = JSON.parse(
  await Deno.readTextFile(new URL("models/metrics.json", ROOT)),
);

/**
 * Common words with their standard spellings; the dataset's variants for the word are
 * accepted as well. Words and romaji the current models get right and any decent one must.
 */
const C2K_WORDS: Record<string, string[]> = {
  computer: ["コンピューター", "コンピュータ"],
  keyboard: ["キーボード"],
  internet: ["インターネット"],
  server: ["サーバー", "サーバ"],
  network: ["ネットワーク"],
  printer: ["プリンター", "プリンタ"],
  camera: ["カメラ"],
  video: ["ビデオ"],
  music: ["ミュージック"],
  piano: ["ピアノ"],
  guitar: ["ギター"],
  banana: ["バナナ"],
  chocolate: ["チョコレート"],
  cheese: ["チーズ"],
  hotel: ["ホテル"],
  robot: ["ロボット"],
  password: ["パスワード"],
  download: ["ダウンロード"],
  basketball: ["バスケットボール"],
  festival: ["フェスティバル", "フェスティヴァル"],
  design: ["デザイン"],
  black: ["ブラック"],
  green: ["グリーン"],
  milk: ["ミルク"],
  hamburger: ["ハンバーガー"],
  // Romaji: read as written.
  nakahara: ["ナカハラ"],
  yamamoto: ["ヤマモト"],
  tanaka: ["タナカ"],
  sakura: ["サクラ"],
  kobayashi: ["コバヤシ"],
};

/** CMUdict pronunciations of common words, with their standard katakana. */
const P2K_WORDS: [word: string, phones: string, kana: string[]][] = [
  ["computer", "K AH0 M P Y UW1 T ER0", ["コンピューター", "コンピュータ"]],
  ["keyboard", "K IY1 B AO2 R D", ["キーボード"]],
  ["internet", "IH1 N T ER0 N EH2 T", ["インターネット"]],
  ["network", "N EH1 T W ER2 K", ["ネットワーク"]],
  ["password", "P AE1 S W ER2 D", ["パスワード"]],
  ["basketball", "B AE1 S K AH0 T B AO2 L", ["バスケットボール"]],
  ["hamburger", "HH AE1 M B ER0 G ER0", ["ハンバーガー"]],
  ["cheese", "CH IY1 Z", ["チーズ"]],
];

async function variants(task: "c2k" | "p2k"): Promise<Map<string, string[]>> {
  return new Map((await loadDataset(task)).map((e) => [e.key, e.kana]));
}

// The sample is decoded once per model and shared by the tests that read it.
const measured = new Map<ShippedName, Promise<StrategyFigures>>();
function sampleOf(name: ShippedName): Promise<StrategyFigures> {
  if (!measured.has(name)) {
    measured.set(name, measureSet(files[name], { limit: metrics[name].sample.limit }));
  }
  return measured.get(name)!;
}

for (const name of SHIPPED) {
  Deno.test(`models/${name}.safetensors loads: format, version, checksum, task, at most 3 MB`, () => {
    const bytes = files[name];
    const model = readModel(bytes); // throws on a bad checksum, version or shape
    assert.equal(model.meta.format, "e2k-model");
    assert.equal(model.meta.version, FORMAT_VERSION);
    assert.equal(model.config.task, name);
    assert.ok(
      bytes.length <= MAX_BYTES,
      `models/${name}.safetensors is ${bytes.length} bytes, more than ${MAX_BYTES}`,
    );
  });

  Deno.test(`models/metrics.json describes the shipped ${name} model and data`, async () => {
    const card = metrics[name];
    assert.ok(card, `models/metrics.json has no "${name}" entry; ${RERUN}`);
    const model = readModel(files[name]);
    assert.equal(
      card.crc32,
      model.meta.crc32,
      `models/${name}.safetensors (crc32 ${model.meta.crc32}) is not the model that ` +
        `models/metrics.json describes (crc32 ${card.crc32}); ${RERUN}`,
    );
    assert.equal(
      card.sha256,
      await sha256Hex(files[name]),
      `models/${name}.safetensors changed (its metadata) since models/metrics.json; ${RERUN}`,
    );
    assert.equal(card.bytes, files[name].length, `models/${name}.safetensors size; ${RERUN}`);
    const data = await Deno.readFile(new URL(card.data.file, ROOT));
    assert.equal(
      card.data.sha256,
      await sha256Hex(data),
      `${card.data.file} changed since models/metrics.json was written; ${RERUN}`,
    );
  });
}

Deno.test("C2K greedy converts common words and romaji to their standard katakana", async () => {
  const data = await variants("c2k");
  const c2k = await loadConverter(files.c2k, { backend: "cpu" });
  try {
    const wrong: string[] = [];
    for (const [word, standard] of Object.entries(C2K_WORDS)) {
      const accepted = new Set([...standard, ...(data.get(word) ?? [])]);
      const { kana } = await c2k.convert(word);
      if (!accepted.has(kana)) wrong.push(`${word} → ${kana} (accepted: ${[...accepted]})`);
    }
    assert.deepEqual(wrong, [], `C2K got ${wrong.length} common words wrong`);
  } finally {
    c2k.dispose();
  }
});

Deno.test("P2K greedy converts ARPAbet of common words to their standard katakana", async () => {
  const data = await variants("p2k");
  const p2k = await loadConverter(files.p2k, { backend: "cpu" });
  try {
    const wrong: string[] = [];
    for (const [word, phones, standard] of P2K_WORDS) {
      const accepted = new Set([...standard, ...(data.get(word) ?? [])]);
      const { kana } = await p2k.convert(phones);
      if (!accepted.has(kana)) {
        wrong.push(`${word} (${phones}) → ${kana} (accepted: ${[...accepted]})`);
      }
    }
    assert.deepEqual(wrong, [], `P2K got ${wrong.length} common words wrong`);
  } finally {
    p2k.dispose();
  }
});

function compare(
  what: string,
  got: KindFigures,
  want: KindFigures,
): string[] {
  const off: string[] = [];
  for (const kind of ["overall", "en", "phrase", "romaji"] as const) {
    const g = got[kind], w = want[kind];
    if (!g && !w) continue;
    if (!g || !w || g.count !== w.count) {
      off.push(`${what} ${kind}: ${g?.count ?? 0} sources, recorded ${w?.count ?? 0}`);
      continue;
    }
    const checks = [["exact", TOL_EXACT], ["bleu", TOL_BLEU], ["cer", TOL_CER]] as const;
    for (const [key, tol] of checks) {
      if (Math.abs(g[key] - w[key]) > tol) {
        off.push(`${what} ${kind} ${key}: ${g[key].toFixed(4)}, recorded ${w[key].toFixed(4)}`);
      }
    }
  }
  return off;
}

for (const name of SHIPPED) {
  Deno.test(`${name} scores the figures models/metrics.json records on its test sample`, async () => {
    const want = metrics[name].sample;
    const got = await sampleOf(name);
    assert.equal(got.sources, want.sources, `${name} sample size; ${RERUN}`);
    const off = [
      ...compare("greedy", got.greedy, want.greedy),
      ...compare("beam4", got.beam4, want.beam4),
    ];
    assert.deepEqual(off, [], `${name} does not reproduce its recorded figures; ${RERUN}`);
  });

  // On the whole test split, as recorded for these very files (checked above by hash, and by
  // reproducing the sample): a 300-word sample is too small to rank two strategies 1% apart.
  Deno.test(`${name} beam search of width 4 is at least as good as greedy on the test split`, () => {
    const { greedy, beam4 } = metrics[name].test;
    const worse = (Object.keys(greedy) as (keyof KindFigures)[]).flatMap((kind) => {
      const [g, b] = [greedy[kind]!, beam4[kind]!];
      return [
        b.exact < g.exact ? `${kind} exact ${b.exact} < ${g.exact}` : [],
        b.bleu < g.bleu ? `${kind} BLEU ${b.bleu} < ${g.bleu}` : [],
        b.cer > g.cer ? `${kind} CER ${b.cer} > ${g.cer}` : [],
      ].flat();
    });
    assert.deepEqual(worse, [], `${name}: beam 4 is worse than greedy on the test split`);
  });
}
