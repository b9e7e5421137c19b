import { assert } from "../deps/assert.ts";
import { bigram, createFakeBackend, enumerate, type LogitsFn } from "./_fake_backend.ts";
import { beamSearch } from "./beam.ts";
import { greedy } from "./greedy.ts";

const V = 6; // 3 specials + 3 katakana: 3 + 9 + 27 outputs of up to 3 tokens

function close(a: number, b: number, tol = 1e-4): boolean {
  return Math.abs(a - b) < tol;
}

Deno.test("beamSearch() with width 1 follows the greedy path and keeps its best ending", async () => {
  const { fn } = bigram(8, 5);
  const sources = [[3, 2], [4, 6, 2], [7, 2], [5, 2]].map((s) => Int32Array.from(s));
  const beam = await beamSearch(createFakeBackend(8, fn), sources, {
    maxLength: 6,
    width: 1,
    alpha: 0,
  });
  const plain = await greedy(createFakeBackend(8, fn), sources, { maxLength: 6 });
  beam.forEach(([h], i) => {
    // Width 1 extends the greedy prefix only, but also keeps every EOS ending on the way.
    assert.deepEqual(h.tokens, plain[i].tokens.slice(0, h.tokens.length));
    assert.ok(h.logProb >= plain[i].logProb - 1e-6);
    const all = enumerate(fn, 8, [...sources[i]], 6);
    const ends = all.filter((e) =>
      e.tokens.join() === plain[i].tokens.slice(0, e.tokens.length).join()
    );
    assert.deepEqual(h.tokens, ends[0].tokens, "the best EOS ending of a greedy prefix");
  });
});

Deno.test("beamSearch() with a full-width beam returns the exhaustive n-best list", async () => {
  for (const seed of [1, 2, 3, 4]) {
    const { fn } = bigram(V, seed, 3);
    const src = [3 + seed, 2];
    const all = enumerate(fn, V, src, 3);
    const [got] = await beamSearch(createFakeBackend(V, fn), [Int32Array.from(src)], {
      maxLength: 3,
      width: 27,
      nbest: 8,
      alpha: 0, // rank by probability, as the enumeration does
    });
    assert.equal(got.length, 8);
    got.forEach((h, i) => {
      assert.deepEqual(h.tokens, all[i].tokens, `seed ${seed}, rank ${i}`);
      assert.ok(close(h.logProb, all[i].logProb), `${h.logProb} vs ${all[i].logProb}`);
    });
  }
});

Deno.test("beamSearch() ranks by logProb / length by default", async () => {
  const { fn } = bigram(8, 3);
  const src = [Int32Array.of(3, 2)];
  const opts = { maxLength: 5, width: 8, nbest: 4 };
  const [byDefault] = await beamSearch(createFakeBackend(8, fn), src, opts);
  const [explicit] = await beamSearch(createFakeBackend(8, fn), src, { ...opts, alpha: 1 });
  assert.deepEqual(byDefault.map((h) => h.tokens), explicit.map((h) => h.tokens));
});

Deno.test("beamSearch() ranks by logProb / length^alpha", async () => {
  const { fn } = bigram(V, 7, 3);
  const src = [4, 2];
  const alpha = 1.5;
  const all = enumerate(fn, V, src, 3)
    .map((e) => ({ ...e, score: e.logProb / Math.pow(e.tokens.length + 1, alpha) }))
    .sort((a, b) => b.score - a.score);
  const [got] = await beamSearch(createFakeBackend(V, fn), [Int32Array.from(src)], {
    maxLength: 3,
    width: 27,
    nbest: 5,
    alpha,
  });
  assert.deepEqual(got.map((h) => h.tokens), all.slice(0, 5).map((e) => e.tokens));
  // A length penalty moves longer outputs up compared with alpha = 0.
  const [plain] = await beamSearch(createFakeBackend(V, fn), [Int32Array.from(src)], {
    maxLength: 3,
    width: 27,
    nbest: 5,
  });
  const meanLength = (hs: { tokens: number[] }[]) =>
    hs.reduce((a, h) => a + h.tokens.length, 0) / hs.length;
  assert.ok(meanLength(got) >= meanLength(plain));
});

Deno.test("beamSearch() finds a better output than greedy when greedy is misled", async () => {
  // Token 3 looks best first but leads to a flat distribution; token 4 leads to a sure EOS.
  const fn: LogitsFn = (_src, prefix) => {
    if (prefix.length === 0) return [0, 0, 0, 1, 0.8, -9];
    if (prefix[0] === 3) return [0, 0, 0, 0, 0, 0];
    return [0, 0, 12, -9, -9, -9];
  };
  const [g] = await greedy(createFakeBackend(V, fn), [Int32Array.of(3, 2)], { maxLength: 2 });
  const [[b]] = await beamSearch(createFakeBackend(V, fn), [Int32Array.of(3, 2)], {
    maxLength: 2,
    width: 2,
  });
  assert.deepEqual(g.tokens.slice(0, 1), [3]);
  assert.deepEqual(b.tokens, [4]);
  assert.ok(b.logProb > g.logProb);
});

Deno.test("beamSearch() decodes a batch as it decodes each source alone", async () => {
  const { fn } = bigram(8, 11);
  const sources = [[3, 2], [4, 6, 5, 2], [7, 2], [5, 5, 2]].map((s) => Int32Array.from(s));
  const options = { maxLength: [4, 6, 3, 5], width: 3, nbest: 3, attention: true };
  const batch = await beamSearch(createFakeBackend(8, fn), sources, options);
  for (let i = 0; i < sources.length; i++) {
    const [alone] = await beamSearch(createFakeBackend(8, fn), [sources[i]], {
      ...options,
      maxLength: options.maxLength[i],
    });
    assert.deepEqual(alone, batch[i]);
  }
});

Deno.test("beamSearch() returns distinct n-best hypotheses with attention per step", async () => {
  const { fn } = bigram(8, 12);
  const src = Int32Array.of(3, 4, 2);
  const [list] = await beamSearch(createFakeBackend(8, fn), [src], {
    maxLength: 5,
    width: 4,
    nbest: 4,
    alpha: 0, // rank by probability, so logProb is sorted
    attention: true,
  });
  assert.equal(list.length, 4);
  assert.equal(new Set(list.map((h) => h.tokens.join())).size, 4);
  for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].logProb >= list[i].logProb);
  for (const h of list) {
    assert.ok(h.tokens.length >= 1, "EOS is banned at the first step");
    assert.ok(h.tokens.every((v) => v > 2), "no special token is emitted");
    assert.equal(h.attention!.length, h.tokens.length + 1);
    h.attention!.forEach((row, t) => assert.equal(row[Math.min(t, src.length - 1)], 1));
  }
});

Deno.test("beamSearch() flags hypotheses closed at the maximum length", async () => {
  // EOS is nearly impossible before 3 tokens, and still not the best token after 3.
  const fn: LogitsFn = (_s, p) => (p.length < 3 ? [0, 0, -30, 2, 1, 0] : [0, 0, 1.5, 2, 1, 0]);
  const [list] = await beamSearch(createFakeBackend(V, fn), [Int32Array.of(3, 2)], {
    maxLength: 3,
    width: 3,
    nbest: 3,
  });
  assert.deepEqual(list[0].tokens, [3, 3, 3]);
  for (const h of list) {
    assert.equal(h.tokens.length, 3);
    assert.equal(h.incomplete, true);
  }
  // With a longer limit, the same outputs end with EOS as the best token: complete.
  const done: LogitsFn = (_s, p) => (p.length < 3 ? [0, 0, -30, 2, 1, 0] : [0, 0, 5, 2, 1, 0]);
  const [[h]] = await beamSearch(createFakeBackend(V, done), [Int32Array.of(3, 2)], {
    maxLength: 3,
    width: 3,
  });
  assert.deepEqual(h.tokens, [3, 3, 3]);
  assert.equal(h.incomplete, false);
});

Deno.test("beamSearch() stops early and drops finished sources from the batch", async () => {
  // After one token, EOS is certain: the search ends after two steps, not maxLength + 1.
  const fn: LogitsFn = (_s, p) => (p.length === 0 ? [0, 0, 0, 1, 0, 0] : [0, 0, 30, 0, 0, 0]);
  const backend = createFakeBackend(V, fn);
  const [[h]] = await beamSearch(backend, [Int32Array.of(3, 2)], { maxLength: 20, width: 3 });
  assert.deepEqual(h.tokens, [3]);
  assert.equal(h.incomplete, false);
  assert.deepEqual(backend.stats.rowsPerStep, [1, 3]);
});

Deno.test("beamSearch() rejects bad options", async () => {
  const { fn } = bigram(V, 1);
  const b = createFakeBackend(V, fn);
  const src = [Int32Array.of(3, 2)];
  await assert.rejects(() => beamSearch(b, src, { maxLength: 3, width: 0 }), /beam width: 0/);
  await assert.rejects(() => beamSearch(b, src, { maxLength: 3, alpha: -1 }), /alpha: -1/);
  await assert.rejects(() => beamSearch(b, src, { maxLength: 3, width: 2, nbest: 3 }), /nbest: 3/);
  await assert.rejects(() => beamSearch(b, src, { maxLength: 0 }), /maxLength: 0/);
});
