import { assert } from "../deps/assert.ts";
import { bigram, createFakeBackend, enumerate, type LogitsFn } from "./_fake_backend.ts";
import { greedy } from "./greedy.ts";
import { createRandom, drawToken, mixSeed, sample, type SampleOptions } from "./sample.ts";

const V = 8;
// First-step logits of the frequency tests (tokens 3..7); EOS is banned there anyway.
const FIRST = [0, 0, 0, 2.0, 1.2, 0.9, 0.1, -0.5];
const firstStep: LogitsFn = (_s, p) => (p.length === 0 ? FIRST : [0, 0, 40, 0, 0, 0, 0, 0]);

/** Expected probabilities: softmax(FIRST / T) over tokens 3..7, cut to `keep` tokens. */
function expected(T: number, keep: number): number[] {
  const e = FIRST.slice(3).map((x) => Math.exp(x / T));
  const cut = e.map((x, i) => (i < keep ? x : 0)); // FIRST is sorted, best first
  const z = cut.reduce((a, b) => a + b, 0);
  return cut.map((x) => x / z);
}

/** Frequencies of the first token over `n` single-sample sources with distinct seeds. */
async function frequencies(options: Omit<SampleOptions, "seeds" | "maxLength">, n = 3000) {
  const sources = Array.from({ length: n }, () => Int32Array.of(3, 2));
  const seeds = sources.map((_, i) => mixSeed(99, i));
  const out = await sample(createFakeBackend(V, firstStep), sources, {
    ...options,
    seeds,
    maxLength: 2,
  });
  const counts = new Array(5).fill(0);
  for (const [h] of out) counts[h.tokens[0] - 3]++;
  return counts.map((c) => c / n);
}

function near(got: number[], want: number[], tol: number): void {
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]) < tol, `token ${i + 3}: ${g} vs ${want[i]}`)
  );
}

Deno.test("sample() top_k draws among the k best by probability, not uniformly", async () => {
  const got = await frequencies({ method: "top_k", k: 3 });
  near(got, expected(1, 3), 0.03);
  assert.equal(got[3] + got[4], 0, "tokens outside the top 3 are never drawn");
});

Deno.test("sample() top_p keeps the smallest nucleus reaching p", async () => {
  // softmax(FIRST) = 0.497, 0.223, 0.165, 0.074, 0.041: p = 0.7 keeps 2 tokens, 0.75 keeps 3.
  near(await frequencies({ method: "top_p", p: 0.7 }), expected(1, 2), 0.03);
  near(await frequencies({ method: "top_p", p: 0.75 }), expected(1, 3), 0.03);
  const all = await frequencies({ method: "top_p", p: 1 });
  near(all, expected(1, 5), 0.03);
});

Deno.test("sample() applies the temperature to the logits before the softmax", async () => {
  for (const T of [0.5, 2]) {
    near(await frequencies({ method: "top_k", k: 5, temperature: T }), expected(T, 5), 0.03);
    near(await frequencies({ method: "top_p", p: 1, temperature: T }), expected(T, 5), 0.03);
  }
  const cold = await frequencies({ method: "top_p", p: 1, temperature: 0.05 }, 300);
  assert.equal(cold[0], 1, "a low temperature approaches greedy");
});

Deno.test("sample() is reproducible from a seed and independent of batching", async () => {
  const { fn } = bigram(V, 21, 1);
  const sources = [[3, 2], [4, 5, 2], [6, 2]].map((s) => Int32Array.from(s));
  const options = { method: "top_p" as const, p: 0.95, seeds: [1, 2, 3], maxLength: 6, samples: 4 };
  const a = await sample(createFakeBackend(V, fn), sources, options);
  const b = await sample(createFakeBackend(V, fn), sources, options);
  assert.deepEqual(a, b);
  const [alone] = await sample(createFakeBackend(V, fn), [sources[1]], {
    ...options,
    seeds: [2],
  });
  assert.deepEqual(alone, a[1]);
  const other = await sample(createFakeBackend(V, fn), sources, { ...options, seeds: [7, 8, 9] });
  assert.notDeepEqual(other, a);
});

Deno.test("sample() returns distinct samples, most likely first, with exact log-probs", async () => {
  const { fn } = bigram(V, 22, 1);
  const src = [3, 2];
  const [list] = await sample(createFakeBackend(V, fn), [Int32Array.from(src)], {
    method: "top_k",
    k: 4,
    seeds: [5],
    samples: 12,
    maxLength: 3,
    attention: true,
  });
  assert.ok(list.length > 1 && list.length <= 12);
  assert.equal(new Set(list.map((h) => h.tokens.join())).size, list.length);
  const all = enumerate(fn, V, src, 3);
  for (let i = 0; i < list.length; i++) {
    if (i > 0) assert.ok(list[i - 1].logProb >= list[i].logProb);
    const exact = all.find((e) => e.tokens.join() === list[i].tokens.join())!;
    assert.ok(Math.abs(exact.logProb - list[i].logProb) < 1e-4);
    assert.equal(list[i].attention!.length, list[i].tokens.length + 1);
  }
});

Deno.test("sample() with k = 1 equals greedy decoding", async () => {
  const { fn } = bigram(V, 23);
  const sources = [[3, 2], [4, 2], [7, 7, 2]].map((s) => Int32Array.from(s));
  const s = await sample(createFakeBackend(V, fn), sources, {
    method: "top_k",
    k: 1,
    seeds: [1, 2, 3],
    maxLength: 6,
  });
  const g = await greedy(createFakeBackend(V, fn), sources, { maxLength: 6 });
  assert.deepEqual(s.map(([h]) => h), g);
});

Deno.test("sample() bans EOS first and flags outputs cut at the maximum length", async () => {
  const eosFirst: LogitsFn = () => [0, 0, 50, 1, 0, 0, 0, 0];
  const [[h]] = await sample(createFakeBackend(V, eosFirst), [Int32Array.of(3, 2)], {
    method: "top_p",
    p: 1,
    seeds: [3],
    maxLength: 5,
  });
  assert.equal(h.tokens.length, 1);
  assert.equal(h.incomplete, false);
  const never: LogitsFn = () => [0, 0, -40, 1, 0, 0, 0, 0];
  const [[cut]] = await sample(createFakeBackend(V, never), [Int32Array.of(3, 2)], {
    method: "top_k",
    k: 3,
    seeds: [3],
    maxLength: 5,
  });
  assert.equal(cut.tokens.length, 5);
  assert.equal(cut.incomplete, true);
});

Deno.test("drawToken() walks the sorted distribution by the uniform number", () => {
  const logits = Float32Array.from([9, 9, 9, 0, 3, 1, 2, -1]); // specials are never drawn
  const scratch = { prob: new Float64Array(V), order: new Int32Array(V) };
  const o = { method: "top_k" as const, k: 3, p: 1, temperature: 1 };
  assert.equal(drawToken(logits, 0, V, 0, o, 0, scratch), 4);
  assert.equal(drawToken(logits, 0, V, 0, o, 0.9999, scratch), 5);
  const nucleus = { ...o, method: "top_p" as const, p: 0.01 };
  assert.equal(drawToken(logits, 0, V, 0, nucleus, 0.9999, scratch), 4);
  const big = Float32Array.from([0, 0, 0, 1e4, 1e4 - 1, 0, 0, 0]); // no overflow: max subtracted
  assert.equal(drawToken(big, 0, V, 0, o, 0.5, scratch), 3);
});

Deno.test("createRandom() is uniform and mixSeed() separates nearby seeds", () => {
  const r = createRandom(7);
  const n = 20000;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r() / n;
  assert.ok(Math.abs(mean - 0.5) < 0.01);
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => mixSeed(1, i)));
  assert.equal(seeds.size, 1000);
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
});

Deno.test("sample() rejects bad options", async () => {
  const b = createFakeBackend(V, firstStep);
  const src = [Int32Array.of(3, 2)];
  const base = { seeds: [1], maxLength: 3 };
  await assert.rejects(() => sample(b, src, { ...base, method: "top_k", k: 0 }), /Invalid k: 0/);
  await assert.rejects(() => sample(b, src, { ...base, method: "top_p", p: 0 }), /Invalid p: 0/);
  await assert.rejects(() => sample(b, src, { ...base, method: "top_p", p: 1.5 }), /Invalid p/);
  await assert.rejects(
    () => sample(b, src, { ...base, method: "top_k", temperature: 0 }),
    /Invalid temperature: 0/,
  );
  await assert.rejects(() => sample(b, src, { ...base, method: "top_k", seeds: [] }), /seeds/);
});
