import { assert } from "../deps/assert.ts";
import { bigram, createFakeBackend, enumerate, type LogitsFn } from "./_fake_backend.ts";
import { greedy } from "./greedy.ts";
import { EOS, PAD, SOS } from "./vocab.ts";

const V = 7;

/** Greedy by hand: the allowed argmax at each step, from the logits function itself. */
function reference(fn: LogitsFn, src: number[], maxLength: number) {
  const tokens: number[] = [];
  for (let t = 0;; t++) {
    const logits = fn(src, tokens);
    let best = t === 0 ? 3 : 2;
    for (let v = best; v < V; v++) if (logits[v] > logits[best]) best = v;
    if (t === maxLength) return { tokens, incomplete: best !== EOS };
    if (best === EOS) return { tokens, incomplete: false };
    tokens.push(best);
  }
}

Deno.test("greedy() follows the allowed argmax for every source of a batch", async () => {
  const { fn } = bigram(V, 1);
  const backend = createFakeBackend(V, fn);
  const sources = [[3, 2], [4, 5, 6, 2], [5, 2], [6, 6, 2], [9, 2]].map((s) => Int32Array.from(s));
  const out = await greedy(backend, sources, { maxLength: 6 });
  sources.forEach((s, i) => {
    const want = reference(fn, [...s], 6);
    assert.deepEqual(out[i].tokens, want.tokens, `source ${i}`);
    assert.equal(out[i].incomplete, want.incomplete);
    const exact = enumerate(fn, V, [...s], 6).find((e) => e.tokens.join() === want.tokens.join());
    assert.ok(exact, "the output is one of the enumerated outputs");
    assert.ok(
      Math.abs(out[i].logProb - exact.logProb) < 1e-4,
      `${out[i].logProb} vs ${exact.logProb}`,
    );
  });
  assert.equal(backend.stats.starts, 1);
  assert.equal(backend.stats.disposed, 1);
});

Deno.test("greedy() gives each source the same result alone as in a batch", async () => {
  const { fn } = bigram(V, 2);
  const sources = [[3, 2], [4, 4, 2], [8, 2]].map((s) => Int32Array.from(s));
  const batch = await greedy(createFakeBackend(V, fn), sources, { maxLength: [3, 5, 7] });
  for (let i = 0; i < sources.length; i++) {
    const [alone] = await greedy(createFakeBackend(V, fn), [sources[i]], {
      maxLength: [3, 5, 7][i],
    });
    assert.deepEqual(alone, batch[i]);
  }
});

Deno.test("greedy() never emits EOS first, nor PAD or SOS", async () => {
  // EOS, PAD and SOS dominate; token 5 is the best allowed one at the first step.
  const fn: LogitsFn = (_src, prefix) => {
    const l = [0, 0, 0, 0, 0, 0, 0];
    l[PAD] = 50;
    l[SOS] = 40;
    l[EOS] = 30;
    l[5] = prefix.length === 0 ? 1 : -1;
    return l;
  };
  const [out] = await greedy(createFakeBackend(V, fn), [Int32Array.of(3, 2)], { maxLength: 4 });
  assert.deepEqual(out.tokens, [5]);
  assert.equal(out.incomplete, false);
  // log P(5 | first step, EOS banned) + log P(EOS | after 5) under the allowed softmax.
  const first = 1 - Math.log(Math.exp(1) + 3);
  const second = 30 - Math.log(Math.exp(30) + 3 * 1 + Math.exp(-1));
  assert.ok(Math.abs(out.logProb - (first + second)) < 1e-5);
});

Deno.test("greedy() flags an output cut at its maximum length as incomplete", async () => {
  const never: LogitsFn = () => [0, 0, -5, 1, 0, 0, 0]; // always token 3, never EOS
  const [cut] = await greedy(createFakeBackend(V, never), [Int32Array.of(3, 2)], { maxLength: 4 });
  assert.deepEqual(cut.tokens, [3, 3, 3, 3]);
  assert.equal(cut.incomplete, true);
  const lse0 = Math.log(Math.exp(1) + 3); // EOS banned at the first step
  const lse = Math.log(Math.exp(-5) + Math.exp(1) + 3);
  const want = (1 - lse0) + 3 * (1 - lse) + (-5 - lse);
  assert.ok(Math.abs(cut.logProb - want) < 1e-5, "ends with log P(EOS)");
  // Exactly at the limit, EOS is the best token: complete.
  const ends: LogitsFn = (_s, p) => (p.length < 4 ? [0, 0, -5, 1, 0, 0, 0] : [0, 0, 9, 0, 0, 0, 0]);
  const [done] = await greedy(createFakeBackend(V, ends), [Int32Array.of(3, 2)], { maxLength: 4 });
  assert.deepEqual(done.tokens, [3, 3, 3, 3]);
  assert.equal(done.incomplete, false);
});

Deno.test("greedy() drops finished rows from the batch", async () => {
  // Source [3 + n, EOS] stops after n tokens.
  const fn: LogitsFn = (src, prefix) =>
    prefix.length < src[0] - 3 ? [0, 0, -9, 5, 0, 0, 0] : [0, 0, 9, 0, 0, 0, 0];
  const backend = createFakeBackend(V, fn);
  const sources = [1, 4, 2, 3].map((n) => Int32Array.of(3 + n, 2));
  const out = await greedy(backend, sources, { maxLength: 10 });
  assert.deepEqual(out.map((h) => h.tokens.length), [1, 4, 2, 3]);
  assert.deepEqual(backend.stats.rowsPerStep, [4, 4, 3, 2, 1]); // n tokens, then EOS
});

Deno.test("greedy() returns cross-attention rows per output step over source + EOS", async () => {
  const { fn } = bigram(V, 3);
  const sources = [Int32Array.of(3, 4, 5, 2), Int32Array.of(6, 2)];
  const out = await greedy(createFakeBackend(V, fn), sources, { maxLength: 5, attention: true });
  out.forEach((h, i) => {
    assert.equal(h.attention!.length, h.tokens.length + 1);
    h.attention!.forEach((row, t) => {
      assert.equal(row.length, sources[i].length);
      assert.equal(row[Math.min(t, sources[i].length - 1)], 1); // the fake's diagonal
    });
  });
  const plain = await greedy(createFakeBackend(V, fn), sources, { maxLength: 5 });
  assert.equal(plain[0].attention, undefined);
});

Deno.test("greedy() rejects a bad maximum length and handles no sources", async () => {
  const { fn } = bigram(V, 4);
  const backend = createFakeBackend(V, fn);
  await assert.rejects(() => greedy(backend, [Int32Array.of(3, 2)], { maxLength: 0 }), RangeError);
  await assert.rejects(
    () => greedy(backend, [Int32Array.of(3, 2)], { maxLength: [2, 3] }),
    RangeError,
  );
  assert.deepEqual(await greedy(backend, [], { maxLength: 3 }), []);
  assert.equal(backend.stats.starts, 0);
});
