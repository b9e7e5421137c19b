/**
 * Invariants of the committed dataset (data/*.jsonl) against its card and statistics. Needs
 * neither the network nor the source downloads.
 */
import { assert } from "../deps/assert.ts";
import type { Example } from "../data/dataset.ts";
import { loadDataset } from "../data/dataset.ts";
import { isOldSpelling } from "../data/rank.ts";
import { splitOf } from "../data/split.ts";
import type { DatasetStats } from "../data/stats.ts";
import { ARPABET, C2K_SOURCE, KATAKANA } from "../infer/vocab.ts";

const DATA = new URL("../data/", import.meta.url);
const c2k = await loadDataset("c2k");
const p2k = await loadDataset("p2k");
const stats: DatasetStats = JSON.parse(await Deno.readTextFile(new URL("stats.json", DATA)));
const card = await Deno.readTextFile(new URL("CARD.md", DATA));

function count<T extends string>(examples: Example[], pick: (e: Example) => T) {
  const out: Record<string, number> = {};
  for (const e of examples) out[pick(e)] = (out[pick(e)] ?? 0) + 1;
  return out;
}

Deno.test("data: keys are unique and sorted, so no key is in two splits", () => {
  for (const examples of [c2k, p2k]) {
    for (let i = 1; i < examples.length; i++) {
      assert.ok(examples[i - 1].key < examples[i].key, `${examples[i].key} out of order`);
    }
  }
});

Deno.test("data: each key's split is its hash split, the same in C2K and P2K", () => {
  const byKey = new Map(c2k.map((e) => [e.key, e]));
  for (const e of c2k) assert.equal(e.split, splitOf(e.key), e.key);
  for (const e of p2k) {
    const c = byKey.get(e.key);
    assert.ok(c, `P2K key "${e.key}" is not in C2K`);
    assert.equal(e.split, c.split, e.key);
    assert.equal(e.kind, c.kind, e.key);
    assert.deepEqual(e.kana, c.kana, e.key);
  }
});

Deno.test("data: every character is inside the model vocabularies", () => {
  const source = new Set(C2K_SOURCE.slice(3));
  const kana = new Set(KATAKANA);
  const phones = new Set(ARPABET);
  // Messages are built only on failure: this loop visits every character of the dataset.
  for (const e of [...c2k, ...p2k]) {
    for (const ch of e.key) if (!source.has(ch)) assert.fail(`key "${e.key}" has "${ch}"`);
    for (const k of e.kana) {
      for (const ch of k) if (!kana.has(ch)) assert.fail(`kana "${k}" of "${e.key}" has "${ch}"`);
    }
    for (const p of e.phones ?? []) {
      for (const s of p.split(" ")) {
        if (!phones.has(s)) assert.fail(`phones of "${e.key}" has "${s}"`);
      }
    }
  }
});

Deno.test("data: no empty or repeated variants, and sources match variants", () => {
  for (const e of c2k) {
    assert.ok(e.key.length > 0 && e.kana.length > 0, e.key);
    assert.ok(e.kana.every((k) => k.length > 0 && k.length <= 30), e.key);
    assert.equal(new Set(e.kana).size, e.kana.length, `repeated variant in "${e.key}"`);
    assert.equal(e.sources!.length, e.kana.length, e.key);
    assert.ok(e.sources!.every((s) => s.length > 0), e.key);
    assert.equal(e.kind === "phrase", e.key.includes(" "), e.key);
    assert.ok(e.key.split(" ").length <= 4 && e.key.length <= 30, e.key);
  }
  for (const e of p2k) assert.ok(e.phones!.length > 0 && e.phones!.every((p) => p !== ""), e.key);
});

Deno.test("data: an old large-kana spelling is never the top variant", () => {
  for (const e of c2k) {
    if (e.kind === "romaji") continue;
    assert.ok(!isOldSpelling(e.kana[0], e.kana, e.key), `${e.key}: ${e.kana.join(", ")}`);
  }
});

Deno.test("data: counts equal data/stats.json and the card", () => {
  assert.equal(c2k.length, stats.c2k.records);
  assert.equal(p2k.length, stats.p2k.records);
  assert.deepEqual(count(c2k, (e) => e.kind), stats.c2k.kinds);
  assert.deepEqual(count(c2k, (e) => e.split), stats.c2k.splits);
  assert.deepEqual(
    count(p2k, (e) => e.kind),
    Object.fromEntries(Object.entries(stats.p2k.kinds).filter(([, n]) => n > 0)),
  );
  assert.deepEqual(count(p2k, (e) => e.split), stats.p2k.splits);
  assert.equal(p2k.reduce((n, e) => n + e.phones!.length, 0), stats.p2k.pronunciations);
  assert.equal(c2k.reduce((n, e) => n + e.kana.length, 0), stats.c2k.variants);
  // The card's "all" rows: C2K first, then P2K.
  const rows = [...card.matchAll(/^\| \*\*all\*\* +\| +(\d+) \| +(\d+) \| +(\d+) \| +(\d+) \|$/gm)];
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0].slice(1).map(Number), [
    stats.c2k.splits.train,
    stats.c2k.splits.valid,
    stats.c2k.splits.test,
    c2k.length,
  ]);
  assert.equal(Number(rows[1][4]), p2k.length);
});

Deno.test("data: sizes reach the targets and splits are about 90/5/5", () => {
  const kinds = count(c2k, (e) => e.kind);
  assert.ok(kinds.en >= 35000, `${kinds.en} English words`);
  assert.ok(kinds.romaji >= 3000, `${kinds.romaji} romaji pairs`);
  assert.ok(kinds.phrase > 0, "phrases");
  assert.ok(p2k.filter((e) => e.kind === "en").length >= 20000, "P2K words");
  for (const examples of [c2k, p2k]) {
    const splits = count(examples, (e) => e.split);
    const n = examples.length;
    assert.ok(Math.abs(splits.train / n - 0.9) < 0.015, JSON.stringify(splits));
    assert.ok(Math.abs(splits.valid / n - 0.05) < 0.01, JSON.stringify(splits));
    assert.ok(Math.abs(splits.test / n - 0.05) < 0.01, JSON.stringify(splits));
  }
});

Deno.test("data: the committed files stay under 12 MB", async () => {
  let bytes = 0;
  for (const f of ["c2k.jsonl", "p2k.jsonl", "stats.json", "CARD.md"]) {
    bytes += (await Deno.stat(new URL(f, DATA))).size;
  }
  assert.ok(bytes < 12 * 2 ** 20, `${bytes} bytes`);
});
