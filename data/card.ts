/**
 * Renders `data/CARD.md`: what the dataset holds, where it comes from, every rule with what it
 * removed, the licences, and 20 seeded examples per task. Everything in it comes from the
 * build's statistics, so the card cannot drift from the files.
 *
 * @module
 */

import type { Example } from "./dataset.ts";
import { MAX_KANA_CHARS, MAX_KEY_CHARS } from "./normalize.ts";
import type { BuildResult } from "./pipeline.ts";
import { RULES } from "./rules.ts";
import { fnv1a32, SPLIT_FRACTIONS } from "./split.ts";
import type { DatasetStats, TaskStats } from "./stats.ts";

const COLUMNS = ["unidic", "sudachi", "skk", "edict", "romaji"] as const;

const SOURCE_INFO: Readonly<Record<string, { from: string; licence: string }>> = {
  unidic: {
    from: "Debian `unidic-mecab` 3.1.1-1, `lex_3_1.csv`",
    licence: "BSD-3-Clause, LGPL-2.1 or GPL-2+ (the user's choice)",
  },
  sudachi: {
    from: "npm `sudachi-synonyms-dictionary` 18.0.0",
    licence: "Apache-2.0",
  },
  skk: {
    from: "Debian `skkdic` 20230109-1, `SKK-JISYO.L` (EUC-JP)",
    licence: "GPL-2+",
  },
  edict: {
    from: "Debian `edict` 2021.02.03-1, `edict` (EUC-JP)",
    licence: "CC-BY-SA-3.0 (EDRDG licence)",
  },
  romaji: {
    from: "UniDic readings of Japanese names and words, romanised by npm `wanakana` 5.3.1",
    licence: "as UniDic",
  },
};

function pct(n: number, d: number): string {
  return d === 0 ? "0%" : `${(100 * n / d).toFixed(1)}%`;
}

function countsTable(s: TaskStats): string[] {
  const rows = ["| kind | train | valid | test | total |", "|---|---:|---:|---:|---:|"];
  for (const kind of ["en", "phrase", "romaji"] as const) {
    const k = s.kindSplits[kind];
    rows.push(`| ${kind} | ${k.train} | ${k.valid} | ${k.test} | ${s.kinds[kind]} |`);
  }
  const t = s.splits;
  rows.push(`| **all** | ${t.train} | ${t.valid} | ${t.test} | ${s.records} |`);
  rows.push(
    `| share | ${pct(t.train, s.records)} | ${pct(t.valid, s.records)} | ` +
      `${pct(t.test, s.records)} | |`,
  );
  return rows;
}

function rulesTable(stats: DatasetStats): string[] {
  const rows = [
    `| rule | what it removes | ${COLUMNS.join(" | ")} | total |`,
    `|---|---|${COLUMNS.map(() => "---:").join("|")}|---:|`,
  ];
  for (const [rule, text] of Object.entries(RULES)) {
    const by = stats.rules[rule] ?? {};
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    const cells = COLUMNS.map((c) => String(by[c] ?? 0));
    rows.push(`| \`${rule}\` | ${text.replaceAll("|", "\\|")} | ${cells.join(" | ")} | ${total} |`);
  }
  return rows;
}

function sample(examples: Example[], task: string): Example[] {
  return examples
    .map((e) => [fnv1a32(`card:${task}:${e.key}`), e] as const)
    .sort((a, b) => a[0] - b[0] || (a[1].key < b[1].key ? -1 : 1))
    .slice(0, 20)
    .map(([, e]) => e);
}

function examplesTable(examples: Example[], task: "c2k" | "p2k"): string[] {
  const rows = task === "c2k"
    ? ["| key | kind | split | katakana (ranked) | sources |", "|---|---|---|---|---|"]
    : ["| key | kind | split | phones | katakana (ranked) |", "|---|---|---|---|---|"];
  for (const e of sample(examples, task)) {
    const kana = e.kana.join(", ");
    rows.push(
      task === "c2k"
        ? `| ${e.key} | ${e.kind} | ${e.split} | ${kana} | ${
          e.sources!.map((s) => s.join("+")).join(", ")
        } |`
        : `| ${e.key} | ${e.kind} | ${e.split} | ${e.phones!.join(" / ")} | ${kana} |`,
    );
  }
  return rows;
}

/**
 * Renders the card.
 *
 * @param stats The build's statistics (as written to `data/stats.json`).
 * @param result The build's examples (for the seeded samples).
 * @returns Markdown (run `deno fmt` over it to align the tables).
 */
export function renderCard(stats: DatasetStats, result: BuildResult): string {
  const { c2k, p2k } = stats;
  const shuffled = stats.soundAlikeShuffled;
  const sourceRows = Object.entries(SOURCE_INFO).map(([name, info]) => {
    const s = stats.sources[name];
    return `| ${name} | ${info.from} | ${info.licence} | ${s.read} | ${s.kept} | ${s.keys} |`;
  });
  const pkgRows = Object.entries(stats.packages).map(([p, v]) => `| \`${p}\` | ${v} |`);
  return [
    "# Dataset card: English → katakana",
    "",
    "English words and phrases with their katakana readings, for the two e2k models: C2K reads",
    "the spelling, P2K reads CMUdict phonemes. Built by `deno task data` (data/build.ts) from",
    "Debian and npm packages at the exact versions below; the same versions rebuild",
    "byte-identical files. This card is generated with the files: every number in it is",
    "measured by the build and also written to `data/stats.json`.",
    "",
    "| package | version |",
    "|---|---|",
    ...pkgRows,
    "",
    "## Files",
    "",
    "- `c2k.jsonl`: one record a line, sorted by key:",
    '  `{"key","kana","sources","kind","split"}`. `kana` lists the accepted katakana, best',
    "  first; `sources[i]` names the sources that list `kana[i]`. `kind` is `en` (one English",
    "  word), `phrase` (2–4 English words) or `romaji` (a romanised Japanese word or name).",
    '- `p2k.jsonl`: `{"key","phones","kana","kind","split"}` for every `en` and `romaji` key',
    "  that CMUdict knows; `phones` lists every CMUdict pronunciation (`word`, `word(2)` …),",
    "  ARPAbet with stress digits separated by spaces. Same keys, same splits as C2K.",
    "- `stats.json`: the counts below. `dataset.ts` loads and validates the files.",
    "",
    "## Counts",
    "",
    "C2K:",
    "",
    ...countsTable(c2k),
    "",
    `Katakana variants: ${c2k.variants} (${
      (c2k.variants / c2k.records).toFixed(2)
    } a key); keys with more than one: ${c2k.multiVariant} (${
      pct(c2k.multiVariant, c2k.records)
    }).`,
    "",
    "P2K:",
    "",
    ...countsTable(p2k),
    "",
    `Pronunciations: ${p2k.pronunciations} (${
      (p2k.pronunciations! / p2k.records).toFixed(2)
    } a key).`,
    "",
    "## Sources",
    "",
    "Pairs read are (English, katakana) pairs as each source lists them, before any rule",
    "(EDICT: one per gloss of a katakana headword); pairs kept are those still in the records;",
    "keys are records with at least one variant from the source.",
    "",
    "| source | from | licence | pairs read | pairs kept | keys |",
    "|---|---|---|---:|---:|---:|",
    ...sourceRows,
    "",
    "What is read from each:",
    "",
    "- UniDic: rows whose lemma carries its source word (`コンピューター-computer`, word origin",
    "  外 or proper nouns 固): the lemma reading, the written form when it is katakana, and the",
    "  pronunciation when the written form is the English word itself (`Ｅｙｅｓ` → アイズ).",
    "  Proper nouns are kept only when CMUdict knows the lower-cased name (see the rules).",
    "- Sudachi: in each synonym group, an alphabet item and a katakana item with the same",
    "  vocabulary number, both the main word form (not an abbreviation, translation or alias).",
    "- SKK: alphabet keys and their katakana candidates (annotations after `;` dropped).",
    "- EDICT: katakana headwords; each gloss (tags and notes removed) and each `(wasei: …)`",
    "  phrase is a candidate English key, kept only if it passes the sound-alike check.",
    "- CMUdict: the phonemes of P2K, and the test for proper nouns.",
    "- Romaji: UniDic lemma readings of surnames, given names, place names (proper nouns, origin",
    "  固) and common native or Sino-Japanese nouns (和, 漢; never loanwords 外), romanised with",
    "  `wanakana.toRomaji` (Hepburn as typed: トウキョウ → toukyou, シンイチ → shin'ichi).",
    "  Deduplicated, then capped per category by a seeded hash (3000 surnames, 2500 given",
    "  names, 1500 places, 1000 words).",
    "",
    "## Normalisation",
    "",
    "- English keys: NFKC; Latin diacritics folded (café → cafe); curly apostrophes",
    "  straightened; hyphens and underscores read as spaces (Anglo-Saxon → anglo saxon);",
    "  spaces collapsed; lower-cased. Each word must then be a–z with inner apostrophes.",
    `  At most ${MAX_KEY_CHARS} characters and 4 words.`,
    "- The capitalisation in the source decides acronym, brand and proper-noun rules below;",
    "  a pair listed both ways by one source counts as its most common-word form (ＥＹＥ and",
    "  eye → eye).",
    "- Katakana: NFKC (half-width katakana become full-width); every character must be in",
    `  \`infer/vocab.ts\` KATAKANA (ァ…ヴ and ー); at most ${MAX_KANA_CHARS} characters.`,
    "",
    "## Rules and what each removed",
    "",
    "Counted per pair and source; nothing is dropped without a count. Rules run in this order:",
    "source-specific rules while reading; key and katakana normalisation; duplicates within a",
    "source; case rules; the sound-alike check; SKK noise; variant rules while merging; romaji.",
    "",
    ...rulesTable(stats),
    "",
    "## The sound-alike check",
    "",
    "`data/sound_alike.ts` reduces the English word and the katakana to consonant skeletons",
    "over eight classes (K, S, T, P, H, N, R; vowels, w and y dropped), reading English spelling",
    "with a few digraph rules (c before e/i/y is S, ph is f, x is K S, gh is silent), letting",
    "some English consonants take two classes (g: K or S, th: T or S, ch: S or K, f: P or H)",
    "and English r and h go silent cheaply. The score is 1 minus the weighted edit distance",
    `over the longer skeleton; a pair passes at ${shuffled.threshold} or more.`,
    "It runs on every source: EDICT's glosses need it most, but UniDic and Sudachi file",
    "clipped forms under full words too (word processor → ワープロ).",
    "",
    `Measured on mismatched pairs (each English word with the top katakana of another word,`,
    `chosen by hash): ${shuffled.pass} of ${shuffled.pairs} (${
      pct(shuffled.pass, shuffled.pairs)
    }) wrongly pass, so some translations in EDICT pass too.`,
    "",
    "## Ranking of variants",
    "",
    "Most sources first; then the spelling more sources give as their headword or lemma; then",
    "code-point order. Old spellings with large kana (スピリツト beside スピリット, or a large ツ",
    "before a voiceless consonant) always come after every modern spelling. A variant that is",
    "another one cut short by two kana or more (レズ beside レズビアン) is dropped, or the",
    "longer one when it sounds less like the key.",
    "",
    "## Splits",
    "",
    "The split of a key is decided by FNV-1a (32-bit) over its UTF-8 bytes, divided by 2³²:",
    `below ${SPLIT_FRACTIONS.train} train, below ${
      SPLIT_FRACTIONS.train + SPLIT_FRACTIONS.valid
    } valid, else test.`,
    "A key is in exactly one split, the same in C2K and P2K and in every rebuild.",
    "",
    "## Licences",
    "",
    "The dataset files (`c2k.jsonl`, `p2k.jsonl`) are a compilation of the sources above and",
    "carry their terms: **EDICT's CC-BY-SA-3.0** (attribution to the Electronic Dictionary",
    "Research and Development Group; share-alike) and **SKK-JISYO.L's GPL-2+**; UniDic is used",
    "under its BSD-3-Clause option, Sudachi's synonyms under Apache-2.0, CMUdict under its",
    "BSD-2-Clause-style licence (the npm package that ships it: ISC). Whoever redistributes the",
    "data files must follow those terms, and the copyright files of the Debian packages list",
    "them in full (`.cache/root/*/usr/share/doc/*/copyright` after a build). The MIT",
    "licence of this repository covers the code (including `data/*.ts`), not the data files.",
    "",
    "## Known limits",
    "",
    "- UniDic lists rare written forms (コンピュター) and German or French readings of loanwords;",
    '  they stay as low-ranked variants, which makes "matches any variant" a lenient score.',
    "- The sound-alike check passes some translations (see its false-pass rate above) and",
    "  rejects some genuine non-English readings.",
    "- The SKK run-together rule drops a few real words that CMUdict lacks (concurrency).",
    "- Romaji keys follow wanakana's spelling of long vowels (toukyou, not tokyo).",
    "",
    "## Examples (20 per task, seeded)",
    "",
    "C2K:",
    "",
    ...examplesTable(result.c2k, "c2k"),
    "",
    "P2K:",
    "",
    ...examplesTable(result.p2k, "p2k"),
    "",
  ].join("\n");
}
