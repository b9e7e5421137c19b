import { assert } from "../deps/assert.ts";
import { randomModel, tinyConfig, tinyP2kConfig } from "./_test_model.ts";
import {
  type Converter,
  defaultMaxLength,
  IncompleteConversionError,
  loadConverter,
} from "./converter.ts";
import { createCpuBackend } from "./cpu_backend.ts";
import { greedy } from "./greedy.ts";
import { writeModel } from "./model_file.ts";
import type { ModelConfig } from "./model_spec.ts";
import { encodeSource } from "./normalize.ts";
import { indexOf, TARGET } from "./vocab.ts";

const KATAKANA = /^[\u30a1-\u30f4\u30fc]*$/;

function modelBytes(config: ModelConfig, seed = 3): Uint8Array {
  return writeModel(config, randomModel(config, seed), { dtype: "F32" });
}

// A longer target limit than the fixture's default, so most outputs of the random model end.
const C2K = tinyConfig({ maxSrcLen: 24, maxTgtLen: 24 });
const P2K = tinyP2kConfig({ maxSrcLen: 24, maxTgtLen: 24 });

async function withConverter(
  config: ModelConfig,
  body: (c: Converter) => Promise<void>,
): Promise<void> {
  const c = await loadConverter(modelBytes(config), { kernels: "ts" });
  try {
    await body(c);
  } finally {
    c.dispose();
  }
}

Deno.test("loadConverter() reads model bytes and describes the model", async () => {
  await withConverter(C2K, (c) => {
    assert.equal(c.task, "c2k");
    assert.equal(c.meta.config.dModel, C2K.dModel);
    assert.equal(typeof c.backend, "string");
    return Promise.resolve();
  });
});

Deno.test("convert() gives the katakana of greedy decoding on the backend", async () => {
  const bytes = modelBytes(C2K);
  const c = await loadConverter(bytes, { kernels: "ts" });
  const out = await c.convert("Cat");
  assert.equal(out.input, "Cat");
  assert.equal(out.source, "model");
  assert.match(out.kana, KATAKANA);
  assert.ok(out.kana.length >= 1, "EOS is banned at the first step");
  const backend = createCpuBackend(C2K, randomModel(C2K, 3), { kernels: "ts" });
  const ids = encodeSource([..."cat"], indexOf(C2K.srcVocab), C2K.maxSrcLen, "cat");
  const [h] = await greedy(backend, [ids], { maxLength: defaultMaxLength("c2k", 3, C2K) });
  assert.equal(out.kana, h.tokens.map((t) => TARGET[t]).join(""));
  assert.ok(Math.abs(out.logProb - h.logProb) < 1e-5);
  assert.equal(out.incomplete, h.incomplete);
  c.dispose();
});

Deno.test("convertBatch() returns the same conversions as one word at a time", async () => {
  await withConverter(C2K, async (c) => {
    const words = ["computer", "cat", "New York", "FBI", "東京", "R2D2", "cat", "strength"];
    for (const options of [{}, { strategy: "beam" as const, nbest: 2 }]) {
      const batch = await c.convertBatch(words, { ...options, batchSize: 3 });
      assert.equal(batch.length, words.length);
      for (let i = 0; i < words.length; i++) {
        const one = await c.convert(words[i], options);
        assert.equal(batch[i].kana, one.kana, words[i]);
        assert.ok(Math.abs(batch[i].logProb - one.logProb) < 1e-4);
      }
      assert.deepEqual(batch[1], batch[6], "identical words give identical results");
    }
  });
});

Deno.test("convertBatch() labels model, letter, passthrough and mixed results", async () => {
  await withConverter(C2K, async (c) => {
    const [model, letters, pass, mixed] = await c.convertBatch(["cat", "FBI", "東京", "R2D2"]);
    assert.equal(model.source, "model");
    assert.deepEqual(
      { ...letters },
      { input: "FBI", kana: "エフビーアイ", logProb: 0, incomplete: false, source: "letters" },
    );
    assert.deepEqual(
      { ...pass },
      { input: "東京", kana: "東京", logProb: 0, incomplete: false, source: "passthrough" },
    );
    assert.equal(mixed.source, "mixed");
    assert.match(mixed.kana, /^アール2ディー2$/);
    const read = await c.convert("FBI", { acronyms: "model" });
    assert.equal(read.source, "model");
  });
});

Deno.test("convert() reports errors clearly", async () => {
  await withConverter(C2K, async (c) => {
    await assert.rejects(() => c.convert(""), TypeError, 'Cannot convert "": input is empty');
    await assert.rejects(
      () => c.convert("cat!", { onInvalid: "error" }),
      TypeError,
      'unsupported characters "!"',
    );
    await assert.rejects(() => c.convert("cat", { maxLength: 99 }), RangeError, "1 to 23");
    await assert.rejects(() => c.convert("cat", { strategy: "greedy", nbest: 2 }), RangeError);
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => c.convert("cat", { strategy: "nope" as any }),
      RangeError,
      'Invalid strategy "nope"',
    );
    await assert.rejects(() => c.convert("a".repeat(30)), RangeError, "limit of 23");
    await assert.rejects(() => c.convert(["K", "AE1", "T"]), TypeError, "pass a string");
  });
});

Deno.test("convert() with nbest returns a ranked beam list whose head is the answer", async () => {
  await withConverter(C2K, async (c) => {
    const out = await c.convert("computer", { nbest: 3 });
    assert.equal(out.nbest!.length, 3);
    assert.equal(out.nbest![0].kana, out.kana);
    assert.equal(out.nbest![0].logProb, out.logProb);
    for (let i = 1; i < 3; i++) assert.ok(out.nbest![i - 1].logProb >= out.nbest![i].logProb);
    assert.equal(new Set(out.nbest!.map((x) => x.kana)).size, 3);
    const greedyOut = await c.convert("computer");
    assert.ok(out.logProb >= greedyOut.logProb - 1e-5, "beam is at least as likely as greedy");
  });
});

Deno.test("convert() sampling is reproducible with a seed", async () => {
  await withConverter(C2K, async (c) => {
    for (const strategy of ["top_k", "top_p"] as const) {
      const a = await c.convertBatch(["cat", "dog", "house"], {
        strategy,
        seed: 11,
        temperature: 1.5,
      });
      const b = await c.convertBatch(["house", "cat"], { strategy, seed: 11, temperature: 1.5 });
      assert.equal(a[0].kana, b[1].kana, "a word's sample does not depend on the batch");
      assert.equal(a[2].kana, b[0].kana);
      const runs = new Set<string>();
      for (let seed = 0; seed < 12; seed++) {
        runs.add((await c.convert("house", { strategy, seed, temperature: 2 })).kana);
      }
      assert.ok(runs.size > 1, "different seeds give different samples");
    }
    const list = await c.convert("house", { strategy: "top_p", nbest: 4, seed: 1, temperature: 2 });
    assert.ok(list.nbest!.length >= 1 && list.nbest!.length <= 4);
  });
});

Deno.test("convert() flags cut outputs and can throw on them instead", async () => {
  await withConverter(C2K, async (c) => {
    const cut =
      (await c.convertBatch(["cat", "dog", "sun", "moon", "tree", "fish"], { maxLength: 1 }))
        .find((x) => x.incomplete);
    assert.ok(cut, "a random model rarely ends after one katakana");
    assert.equal([...cut.kana].length, 1);
    await assert.rejects(
      () => c.convert(cut.input, { maxLength: 1, errorOnIncomplete: true }),
      (e: Error) =>
        e instanceof IncompleteConversionError && e.conversion.kana === cut.kana &&
        /maximum length of 1/.test(e.message),
    );
  });
});

Deno.test("convert() returns attention over the source symbols and EOS", async () => {
  await withConverter(C2K, async (c) => {
    const out = await c.convert("cats", { attention: true });
    assert.equal(out.attention!.length, [...out.kana].length + 1);
    for (const row of out.attention!) {
      assert.equal(row.length, 5); // c a t s EOS
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `attention rows sum to 1, got ${sum}`);
    }
    assert.equal((await c.convert("cats")).attention, undefined);
  });
});

Deno.test("convertText() replaces words and keeps the rest of the text", async () => {
  await withConverter(C2K, async (c) => {
    const out = await c.convertText("I love JavaScript, 本当に!");
    const [i, love, java, script] = out.words;
    assert.equal(i.kana, "アイ");
    assert.equal(love.source, "model");
    assert.equal(out.kana, `アイ ${love.kana} ${java.kana}${script.kana}, 本当に!`);
    assert.deepEqual(out.words.map((w) => w.input), [
      "I",
      "love",
      "Java",
      "Script",
      ",",
      "本当に!",
    ]);
    const same = await c.convert("love");
    assert.equal(love.kana, same.kana);
    await assert.rejects(() => c.convertText("  "), TypeError, "input is empty");
    await assert.rejects(() => c.convertText("hi, you", { onInvalid: "error" }), TypeError, '","');
  });
});

Deno.test("a p2k converter reads ARPAbet strings and arrays", async () => {
  await withConverter(P2K, async (c) => {
    assert.equal(c.task, "p2k");
    const a = await c.convert("K AH0 M P Y UW1 T ER0");
    const b = await c.convert(["K", "AH0", "M", "P", "Y", "UW1", "T", "ER0"]);
    assert.equal(a.kana, b.kana);
    assert.equal(b.input, "K AH0 M P Y UW1 T ER0");
    assert.match(a.kana, KATAKANA);
    await assert.rejects(() => c.convert("K AH M"), TypeError, "AH0, AH1 or AH2");
    await assert.rejects(() => c.convertText("hello"), TypeError, "p2k");
  });
});

Deno.test("loadConverter() explains a model that cannot be fetched or read", async () => {
  const url = new URL("./no_such_model.safetensors", import.meta.url);
  await assert.rejects(() => loadConverter(url), Error, "could not be read");
  await assert.rejects(() => loadConverter(new Uint8Array(4)), SyntaxError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(() => loadConverter("x2k" as any), TypeError, 'use "c2k", "p2k"');
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => loadConverter(modelBytes(C2K), { backend: "tpu" as any }),
    RangeError,
    'Invalid backend "tpu"',
  );
});

Deno.test("a disposed converter refuses to convert", async () => {
  const c = await loadConverter(modelBytes(C2K), { kernels: "ts" });
  c.dispose();
  await assert.rejects(() => c.convert("cat"), TypeError, "disposed");
});

Deno.test("defaultMaxLength() is generous for short inputs and capped by the model", () => {
  assert.equal(defaultMaxLength("c2k", 1, C2K), 6);
  assert.equal(defaultMaxLength("c2k", 8, C2K), 20);
  assert.equal(defaultMaxLength("c2k", 40, C2K), C2K.maxTgtLen - 1);
  assert.equal(defaultMaxLength("p2k", 3, P2K), 8);
});

// WebGPU needs an adapter (a software one will do); without one the GPU test is skipped.
const gpu = (navigator as { gpu?: GPU }).gpu;
const noAdapter = !(await gpu?.requestAdapter().catch(() => null));

Deno.test({
  name: "loadConverter() on WebGPU converts as the CPU does",
  ignore: noAdapter,
  async fn() {
    const bytes = modelBytes(C2K);
    const cpu = await loadConverter(bytes, { kernels: "ts" });
    const webgpu = await loadConverter(bytes, { backend: "webgpu" });
    try {
      assert.equal(webgpu.backend, "webgpu");
      const words = ["cat", "computer", "New York"];
      const [a, b] = [await cpu.convertBatch(words), await webgpu.convertBatch(words)];
      a.forEach((x, i) => {
        assert.equal(b[i].kana, x.kana);
        assert.ok(Math.abs(b[i].logProb - x.logProb) < 1e-3);
      });
    } finally {
      cpu.dispose();
      webgpu.dispose();
    }
  },
});

Deno.test("loadConverter() explains a missing WebGPU and falls back to the CPU on auto", async () => {
  const bytes = modelBytes(C2K);
  Object.defineProperty(navigator, "gpu", { value: undefined, configurable: true });
  try {
    await assert.rejects(
      () => loadConverter(bytes, { backend: "webgpu" }),
      Error,
      "Cannot use the WebGPU backend: WebGPU is not available",
    );
    const auto = await loadConverter(bytes, { backend: "auto", kernels: "ts" });
    assert.notEqual(auto.backend, "webgpu");
    assert.match((await auto.convert("cat")).kana, KATAKANA);
    auto.dispose();
  } finally {
    delete (navigator as { gpu?: GPU }).gpu; // uncovers the prototype's getter again
  }
});
