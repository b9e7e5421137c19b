/**
 * The HTTP handler end to end: every route and every refusal through `app.request()`, then
 * over real sockets (`Deno.serve` on a loopback port), the `deno task serve` command, and a
 * seeded fuzz of bad input that may only ever get 4xx answers, promptly.
 *
 * The models are small random networks, so the katakana is checked against the converter
 * itself (called directly), not against real readings.
 */

import { assert } from "../deps/assert.ts";
import { seededRandom } from "../infer/_test_model.ts";
import { type Converter, loadConverter } from "../infer/converter.ts";
import { type AppOptions, createApp, DEFAULT_LIMITS } from "../infer/http.ts";
import { KATAKANA } from "../infer/vocab.ts";
import { randomModelBytes, serveOnLoopback, TEST_INFO } from "./_http_fixture.ts";

const C2K_BYTES = randomModelBytes("c2k");
const P2K_BYTES = randomModelBytes("p2k");
const c2k: Converter = await loadConverter(C2K_BYTES, { backend: "cpu" });
const p2k: Converter = await loadConverter(P2K_BYTES, { backend: "cpu" });

function app(options: Partial<AppOptions> = {}) {
  return createApp({ models: { c2k, p2k }, ...options });
}

const JSON_HEADERS = { "Content-Type": "application/json" };

function post(body: unknown, headers: Record<string, string> = JSON_HEADERS): RequestInit {
  return { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) };
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** Asserts a refusal: its status, JSON shape, code, no caching; returns the message. */
async function refused(res: Response, status: number, code: string): Promise<string> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.equal(body.error.code, code, text);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 10 && body.error.message.length < 400, body.error.message);
  return body.error.message;
}

function isKatakana(s: string): boolean {
  return [...s].every((ch) => KATAKANA.includes(ch));
}

Deno.test("GET /healthz answers ok with each model's status, uncached", async () => {
  const res = await app({ models: { c2k, lazy: C2K_BYTES } }).request("/healthz");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(await res.json(), {
    status: "ok",
    models: { c2k: "loaded", lazy: "not_loaded" },
  });
});

Deno.test("HEAD /healthz answers 200 without a body", async () => {
  const res = await app().request("/healthz", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
});

Deno.test("GET /v1/models describes every model: shape, size and metrics from the file", async () => {
  const res = await app().request("/v1/models");
  assert.equal(res.status, 200);
  const body: Json = await res.json();
  assert.equal(body.default, "c2k");
  assert.deepEqual(body.limits, { ...DEFAULT_LIMITS });
  assert.deepEqual(body.models.map((m: Json) => m.name), ["c2k", "p2k"]);
  const [m] = body.models;
  assert.equal(m.status, "loaded");
  assert.equal(m.task, "c2k");
  assert.equal(m.backend, c2k.backend);
  assert.equal(m.crc32, c2k.meta.crc32);
  assert.deepEqual(m.info, TEST_INFO);
  assert.equal(m.config.dModel, 16);
  assert.equal(m.config.srcVocabSize, c2k.meta.config.srcVocab.length);
  // 4 embeddings + per layer weights: counted independently from the file's tensors.
  const cfg = c2k.meta.config, d = cfg.dModel, f = cfg.dFF;
  const attn = 4 * (d * d + d), ff = d * f + f + f * d + d, ln = 2 * d;
  const want = (cfg.srcVocab.length + cfg.maxSrcLen + cfg.tgtVocab.length + cfg.maxTgtLen) * d +
    cfg.encLayers * (2 * ln + attn + ff) + ln + cfg.decLayers * (3 * ln + 2 * attn + ff) + ln +
    d * cfg.tgtVocab.length + cfg.tgtVocab.length;
  assert.equal(m.parameters, want);
  assert.equal(body.models[1].task, "p2k");
});

Deno.test("GET /v1/models loads lazy models and reports a model that fails to load", async () => {
  const lazy = app({ models: { c2k: C2K_BYTES, broken: new Uint8Array([1, 2, 3]) } });
  const body: Json = await (await lazy.request("/v1/models")).json();
  assert.equal(body.models[0].status, "loaded");
  assert.equal(body.models[1].status, "failed");
  assert.match(body.models[1].error, /\S/);
  const health: Json = await (await lazy.request("/healthz")).json();
  assert.deepEqual(health.models, { c2k: "loaded", broken: "failed" });
});

Deno.test("GET /v1/convert?text= converts like the converter and may be cached", async () => {
  const res = await app().request("/v1/convert?text=computer");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("cache-control")!, /^public, max-age=86400$/);
  const body: Json = await res.json();
  const direct = await c2k.convertText("computer");
  assert.equal(body.model, "c2k");
  assert.equal(body.strategy, "greedy");
  assert.equal(body.text, "computer");
  assert.equal(body.kana, direct.kana);
  assert.equal(body.words.length, 1);
  const [w] = body.words;
  assert.equal(w.input, "computer");
  assert.equal(w.kana, direct.words[0].kana);
  assert.ok(isKatakana(w.kana) && w.kana.length > 0, w.kana);
  assert.ok(Math.abs(w.score - direct.words[0].logProb) < 1e-5);
  assert.ok(w.score <= 0);
  assert.equal(w.incomplete, direct.words[0].incomplete);
});

Deno.test("GET /v1/convert takes model, strategy, beamWidth and nbest from the query", async () => {
  const res = await app().request("/v1/convert?text=data&strategy=beam&beamWidth=5&nbest=3");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("cache-control")!, /^public/);
  const body: Json = await res.json();
  const direct = await c2k.convert("data", { strategy: "beam", beamWidth: 5, nbest: 3 });
  const [w] = body.words;
  assert.equal(w.nbest.length, 3);
  assert.deepEqual(w.nbest.map((n: Json) => n.kana), direct.nbest!.map((n) => n.kana));
  assert.equal(w.nbest[0].kana, w.kana);
  // Ranked by score / (length + 1): beam search's default length normalisation (alpha 1).
  const ranked = w.nbest.map((n: Json) => n.score / ([...n.kana].length + 1));
  for (let i = 1; i < 3; i++) assert.ok(ranked[i - 1] >= ranked[i] - 1e-9);
  const p = await app().request("/v1/convert?text=K%20AH0%20M&model=p2k");
  assert.equal(p.status, 200, await p.clone().text());
  assert.equal((await p.json()).model, "p2k");
});

Deno.test("POST /v1/convert converts a list of words in order, like convertBatch", async () => {
  const words = ["computer", "data", "a", "internationalization"];
  const res = await app().request("/v1/convert", post({ words }));
  assert.equal(res.status, 200);
  const body: Json = await res.json();
  const direct = await c2k.convertBatch(words);
  assert.equal(body.text, undefined);
  assert.deepEqual(
    body.words.map((w: Json) => [w.input, w.kana, w.incomplete]),
    direct.map((d) => [d.input, d.kana, d.incomplete]),
  );
});

Deno.test("POST /v1/convert converts a text and returns its words and joined katakana", async () => {
  const res = await app().request("/v1/convert", post({ text: "hello world" }));
  const body: Json = await res.json();
  const direct = await c2k.convertText("hello world");
  assert.equal(body.kana, direct.kana);
  assert.equal(body.words.length, direct.words.length);
});

Deno.test("POST /v1/convert takes P2K words as ARPAbet strings or arrays", async () => {
  const res = await app().request(
    "/v1/convert",
    post({ model: "p2k", words: ["K AH0 M P Y UW1 T ER0", ["D EY1 T AH0"][0].split(" ")] }),
  );
  assert.equal(res.status, 200, await res.clone().text());
  const body: Json = await res.json();
  const direct = await p2k.convertBatch([["K", "AH0", "M", "P", "Y", "UW1", "T", "ER0"], [
    "D",
    "EY1",
    "T",
    "AH0",
  ]]);
  assert.deepEqual(body.words.map((w: Json) => w.kana), direct.map((d) => d.kana));
  await refused(
    await app().request("/v1/convert", post({ model: "p2k", words: ["K XX0"] })),
    400,
    "invalid_input",
  );
});

Deno.test("sampled results are never cached, and a seed makes them reproducible", async () => {
  const url = "/v1/convert?text=banana&strategy=top_k&k=5&temperature=1.5&seed=42";
  const a = await app().request(url);
  assert.equal(a.headers.get("cache-control"), "no-store");
  const b = await app().request(url);
  assert.deepEqual(await a.json(), await b.json());
  const top = await app().request(
    "/v1/convert",
    post({ text: "banana", strategy: "top_p", p: 0.9 }),
  );
  assert.equal(top.status, 200);
  assert.equal(top.headers.get("cache-control"), "no-store");
});

Deno.test("attention: true returns the cross-attention rows of each word", async () => {
  const res = await app().request("/v1/convert", post({ words: ["cat"], attention: true }));
  const [w]: Json[] = (await res.json()).words;
  assert.equal(w.attention.length, [...w.kana].length + 1);
  for (const row of w.attention) {
    assert.equal(row.length, 4); // c, a, t, EOS
    assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-3);
  }
});

Deno.test("malformed input gets 400 with a code that says what is wrong", async () => {
  const a = app();
  const cases: [RequestInit | string, string][] = [
    [post("{not json"), "invalid_json"],
    [post("[1, 2]"), "invalid_json"],
    [post('"computer"'), "invalid_json"],
    [post(""), "invalid_json"],
    [post({ words: "computer" }), "invalid_type"],
    [post({ words: [42] }), "invalid_type"],
    [post({ words: [["K", ["AH0"]]] }), "invalid_type"],
    [post({ text: 7 }), "invalid_type"],
    [post({ words: ["a"], nbest: "3" }), "invalid_type"],
    [post({ words: ["a"], attention: "yes" }), "invalid_type"],
    [post({ words: ["a"], model: 1 }), "invalid_type"],
    [post({ words: [] }), "empty_input"],
    [post({ words: ["  "] }), "empty_input"],
    [post({ text: "" }), "empty_input"],
    [post({ words: ["a"], text: "a" }), "invalid_input"],
    [post({ model: "c2k" }), "invalid_input"],
    [post({ words: ["com\u0000puter"] }), "invalid_input"],
    [post({ words: ["tab\there"] }), "invalid_input"],
    [post({ text: "bell\u0007" }), "invalid_input"],
    [post({ text: "c1 \u0085 control" }), "invalid_input"],
    [post('{"text": "lone \\ud800 surrogate"}'), "invalid_input"],
    [{ ...post(""), body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }, "invalid_json"],
    [post({ words: Array(65).fill("a") }), "too_many_words"],
    [post({ text: "a ".repeat(65) }), "too_many_words"],
    [post({ words: ["a".repeat(65)] }), "word_too_long"],
    [post({ text: `see ${"b".repeat(10_000)}` }), "text_too_long"],
    [post({ text: `see ${"b".repeat(100)}` }), "word_too_long"],
    ["/v1/convert", "empty_input"],
    ["/v1/convert?text=", "empty_input"],
    ["/v1/convert?text=a&text=b", "invalid_input"],
    ["/v1/convert?text=a&nbest=three", "invalid_type"],
    ["/v1/convert?text=a&nbest=1e3", "invalid_type"],
    ["/v1/convert?text=a&attention=maybe", "invalid_type"],
    ["/v1/convert?text=%01", "invalid_input"],
    ["/v1/convert?text=%E0%A4%A", "invalid_input"],
    ["/v1/convert?text=%FF", "invalid_input"],
  ];
  for (const [init, code] of cases) {
    const res = typeof init === "string"
      ? await a.request(init)
      : await a.request("/v1/convert", init);
    await refused(res, 400, code);
  }
  assert.match(
    await refused(
      await a.request("/v1/convert", post({ words: ["a\u0001"] })),
      400,
      "invalid_input",
    ),
    /U\+0001 at index 1/,
  );
});

Deno.test("unknown models, unknown options and values out of range get 422", async () => {
  const a = app();
  const cases: [RequestInit | string, string, RegExp][] = [
    [post({ words: ["a"], model: "k2c" }), "unknown_model", /"k2c".*c2k, p2k/],
    ["/v1/convert?text=a&model=large", "unknown_model", /"large"/],
    [post({ words: ["a"], beam: 4 }), "unknown_option", /"beam"/],
    ["/v1/convert?text=a&strategi=beam", "unknown_option", /"strategi"/],
    [post({ words: ["a"], strategy: "fast" }), "invalid_option", /"fast".*greedy, beam/],
    [post({ words: ["a"], beamWidth: 99 }), "invalid_option", /1 to 16, got 99/],
    [post({ words: ["a"], beamWidth: 2.5 }), "invalid_option", /integer/],
    [post({ words: ["a"], nbest: 0 }), "invalid_option", /nbest/],
    [post({ words: ["a"], p: 0 }), "invalid_option", /greater than 0/],
    [post({ words: ["a"], p: 1.5 }), "invalid_option", /at most 1/],
    [post({ words: ["a"], temperature: -1 }), "invalid_option", /temperature/],
    [post({ words: ["a"], seed: -1 }), "invalid_option", /seed/],
    [post({ words: ["a"], onInvalid: "drop" }), "invalid_option", /pass, error/],
    ["/v1/convert?text=a&maxLength=1000", "invalid_option", /maxLength/],
  ];
  for (const [init, code, message] of cases) {
    const res = typeof init === "string"
      ? await a.request(init)
      : await a.request("/v1/convert", init);
    assert.match(await refused(res, 422, code), message);
  }
});

Deno.test("a body over the limit gets 413, by Content-Length or by the bytes streamed", async () => {
  const a = app({ limits: { maxBodyBytes: 1000 } });
  const big = JSON.stringify({ words: ["a".repeat(2000)] });
  await refused(await a.request("/v1/convert", post(big)), 413, "body_too_large");
  await refused(
    await a.request("/v1/convert", {
      ...post("{}"),
      headers: { ...JSON_HEADERS, "Content-Length": "1000000" },
    }),
    413,
    "body_too_large",
  );
  // No Content-Length: a stream that would never end is cut off after the limit.
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled += 256;
      c.enqueue(new Uint8Array(256).fill(0x20));
    },
  });
  const res = await a.request("/v1/convert", {
    method: "POST",
    headers: JSON_HEADERS,
    body: endless,
    // @ts-ignore: Deno's RequestInit takes duplex for streamed bodies
    duplex: "half",
  });
  await refused(res, 413, "body_too_large");
  assert.ok(pulled <= 1000 + 2 * 256 + 256 * 4, `read ${pulled} bytes of an endless body`);
  await refused(
    await a.request("/v1/convert", {
      ...post("{}"),
      headers: { ...JSON_HEADERS, "Content-Length": "x" },
    }),
    400,
    "bad_request",
  );
});

Deno.test("a body that is not JSON in UTF-8 gets 415", async () => {
  const a = app();
  for (
    const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "",
    ]
  ) {
    const headers: Record<string, string> = type ? { "Content-Type": type } : {};
    const init = { method: "POST", headers, body: JSON.stringify({ words: ["a"] }) };
    await refused(await a.request("/v1/convert", init), 415, "unsupported_media_type");
  }
  const ok = await a.request(
    "/v1/convert",
    post({ words: ["a"] }, { "Content-Type": "Application/JSON; charset=UTF-8" }),
  );
  assert.equal(ok.status, 200);
});

Deno.test("limits are configurable", async () => {
  const a = app({ limits: { maxWords: 2, maxWordLength: 5, maxTextLength: 12, maxNbest: 2 } });
  await refused(
    await a.request("/v1/convert", post({ words: ["a", "b", "c"] })),
    400,
    "too_many_words",
  );
  await refused(await a.request("/v1/convert", post({ words: ["abcdef"] })), 400, "word_too_long");
  await refused(await a.request("/v1/convert?text=abc%20def%20ghi"), 400, "too_many_words");
  await refused(
    await a.request("/v1/convert?text=abcd%20%20%20%20%20%20%20%20%20e"),
    400,
    "text_too_long",
  );
  await refused(
    await a.request("/v1/convert", post({ words: ["a"], strategy: "beam", nbest: 3 })),
    422,
    "invalid_option",
  );
  assert.equal((await a.request("/v1/convert", post({ words: ["ab", "abcde"] }))).status, 200);
  assert.throws(() => app({ limits: { maxWords: 0 } }), RangeError);
  assert.throws(() => app({ limits: { maxWordz: 3 } as never }), /Unknown limit "maxWordz"/);
});

Deno.test("unknown routes get 404 and wrong methods 405, both as JSON", async () => {
  const a = app();
  await refused(await a.request("/v2/convert"), 404, "not_found");
  await refused(await a.request("/"), 404, "not_found");
  const res = await a.request("/v1/convert", { method: "PUT", body: "{}" });
  assert.equal(res.headers.get("allow"), "GET, HEAD, POST, OPTIONS");
  await refused(res, 405, "method_not_allowed");
  await refused(await a.request("/v1/models", { method: "DELETE" }), 405, "method_not_allowed");
});

Deno.test("a model that cannot be loaded gets 503, and the next request tries again", async () => {
  let calls = 0;
  const a = app({
    models: {
      c2k: () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error("disk on fire")) : Promise.resolve(c2k);
      },
    },
  });
  const res = await a.request("/v1/convert?text=a");
  assert.equal(res.headers.get("retry-after"), "1");
  assert.match(await refused(res, 503, "model_unavailable"), /disk on fire/);
  assert.equal((await a.request("/v1/convert?text=a")).status, 200);
  assert.equal(calls, 2);
});

Deno.test("a lazy model is loaded once for concurrent first requests", async () => {
  let loads = 0;
  const a = app({
    models: {
      c2k: async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 20));
        return await loadConverter(C2K_BYTES);
      },
    },
  });
  const all = await Promise.all(Array.from({ length: 8 }, () => a.request("/v1/convert?text=a")));
  assert.deepEqual(all.map((r) => r.status), Array(8).fill(200));
  assert.equal(loads, 1);
});

Deno.test("a full queue answers 503 busy at once instead of piling up work", async () => {
  const a = app({ limits: { maxQueue: 1 } });
  const [first, second] = await Promise.all([
    a.request("/v1/convert?text=first"),
    a.request("/v1/convert?text=second"),
  ]);
  assert.equal(first.status, 200);
  assert.equal(second.headers.get("retry-after"), "1");
  await refused(second, 503, "busy");
});

Deno.test("CORS: preflight and responses carry the allowed origin, errors included", async () => {
  const any = app();
  const pre = await any.request("/v1/convert", {
    method: "OPTIONS",
    headers: {
      Origin: "https://example.com",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type",
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  assert.match(pre.headers.get("access-control-allow-methods")!, /POST/);
  assert.match(pre.headers.get("access-control-allow-headers")!, /Content-Type/i);
  const err = await any.request("/v1/convert?text=", { headers: { Origin: "https://x.org" } });
  assert.equal(err.headers.get("access-control-allow-origin"), "*");
  await refused(err, 400, "empty_input");

  const listed = app({ corsOrigins: ["https://good.example"] });
  const good = await listed.request("/v1/convert?text=a", {
    headers: { Origin: "https://good.example" },
  });
  assert.equal(good.headers.get("access-control-allow-origin"), "https://good.example");
  assert.match(good.headers.get("vary")!, /Origin/);
  const bad = await listed.request("/v1/convert?text=a", {
    headers: { Origin: "https://evil.example" },
  });
  assert.equal(bad.headers.get("access-control-allow-origin"), null);
});

Deno.test("assets are served at their paths with their type and cache headers", async () => {
  const page = "<!doctype html><title>e2k</title>";
  const a = app({
    assets: {
      "/": { body: page, type: "text/html; charset=utf-8", headers: { "X-Test": "1" } },
      "/models/c2k.safetensors": {
        body: () => Promise.resolve(C2K_BYTES),
        type: "application/octet-stream",
        cacheControl: "public, max-age=3600",
      },
    },
  });
  const html = await a.request("/");
  assert.equal(html.status, 200);
  assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(html.headers.get("x-test"), "1");
  assert.equal(html.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await html.text(), page);
  const model = await a.request("/models/c2k.safetensors");
  assert.equal(model.headers.get("cache-control"), "public, max-age=3600");
  assert.deepEqual(new Uint8Array(await model.arrayBuffer()), C2K_BYTES);
  await refused(await a.request("/models/p2k.safetensors"), 404, "not_found");
});

Deno.test("createApp() refuses options it cannot serve", () => {
  assert.throws(() => createApp({ models: {} }), /no model given/);
  assert.throws(() => app({ defaultModel: "x" }), /Unknown default model "x"/);
  assert.throws(() => createApp({ models: { "bad name": c2k } }), /Invalid model name/);
});

Deno.test("an unexpected failure is a 500 without internals, and is reported", async () => {
  const failing = { ...c2k, convertText: () => Promise.reject(new Error("secret detail")) };
  const seen: unknown[] = [];
  const a = createApp({ models: { c2k: failing }, onInternalError: (e) => seen.push(e) });
  const msg = await refused(await a.request("/v1/convert?text=a"), 500, "internal_error");
  assert.ok(!msg.includes("secret"));
  assert.equal((seen[0] as Error).message, "secret detail");
});

Deno.test("concurrent requests each get their own answer", async () => {
  const a = app();
  const words = Array.from(
    { length: 40 },
    (_, i) => `word${"abcdefghij"[i % 10]}${"klmnop"[i % 6]}`,
  );
  const want = await c2k.convertBatch(words);
  const got = await Promise.all(words.map(async (w) => {
    const res = await a.request(`/v1/convert?text=${w}`);
    return (await res.json()).words[0].kana;
  }));
  assert.deepEqual(got, want.map((w) => w.kana));
});

Deno.test("over a real loopback socket: every route, refusals, and 50 concurrent clients", async () => {
  const server = serveOnLoopback(app({ limits: { maxBodyBytes: 4096 } }));
  try {
    const get = (path: string, init?: RequestInit) => fetch(`${server.origin}${path}`, init);
    assert.equal((await (await get("/healthz")).json()).status, "ok");
    assert.equal((await (await get("/v1/models")).json()).models.length, 2);
    const one = await get("/v1/convert?text=computer");
    assert.equal((await one.json()).kana, (await c2k.convertText("computer")).kana);
    const many = await get("/v1/convert", post({ words: ["a", "b"] }));
    assert.equal((await many.json()).words.length, 2);
    await refused(await get("/nope"), 404, "not_found");
    await refused(await get("/v1/convert", post("{")), 400, "invalid_json");
    await refused(await get("/v1/convert", post({ words: ["a"], x: 1 })), 422, "unknown_option");
    await refused(await get("/v1/convert", post("{}", {})), 415, "unsupported_media_type");
    await refused(await get("/v1/convert", post("x".repeat(100_000))), 413, "body_too_large");
    // Chunked upload without Content-Length: refused on the bytes streamed.
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 64; i++) c.enqueue(new TextEncoder().encode(" ".repeat(1024)));
        c.close();
      },
    });
    await refused(
      await get("/v1/convert", { method: "POST", headers: JSON_HEADERS, body: chunks }),
      413,
      "body_too_large",
    );
    const words = Array.from(
      { length: 50 },
      (_, i) => `client${String.fromCharCode(97 + (i % 26))}`,
    );
    const want = await c2k.convertBatch(words);
    const got = await Promise.all(words.map(async (w) => {
      const res = await get(`/v1/convert?text=${w}`);
      assert.equal(res.status, 200);
      return (await res.json()).words[0].kana;
    }));
    assert.deepEqual(got, want.map((w) => w.kana));
  } finally {
    await server.close();
  }
});

/** A seeded source of hostile request bodies and query strings. */
function fuzzInputs(seed: number): { name: string; init: RequestInit | string }[] {
  const rand = seededRandom(seed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const word = (n: number) =>
    Array.from({ length: n }, () => "abcxyz'-"[Math.floor(rand() * 8)]).join("");
  const inputs: { name: string; init: RequestInit | string }[] = [];
  for (let i = 0; i < 12; i++) {
    const body = bytes(1 + Math.floor(rand() * 3000));
    inputs.push({
      name: `random bytes ${i}`,
      init: { method: "POST", headers: JSON_HEADERS, body },
    });
  }
  const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("");
  inputs.push(
    { name: "1 MB of JSON", init: post({ words: Array(100_000).fill("computer") }) },
    { name: "1 MB string", init: post({ text: "a".repeat(1_000_000) }) },
    { name: "deep arrays", init: post(`{"words":${"[".repeat(50_000)}${"]".repeat(50_000)}}`) },
    { name: "deep objects", init: post(`${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`) },
    { name: "deep unclosed", init: post("[".repeat(60_000)) },
    { name: "control characters", init: post({ words: [controls] }) },
    { name: "control text", init: post({ text: `a${controls}b` }) },
    { name: "10,000-letter word", init: post({ words: ["a".repeat(10_000)] }) },
    { name: "10,000-letter text", init: post({ text: word(10_000) }) },
    { name: "10,000-letter query", init: `/v1/convert?text=${"e".repeat(10_000)}` },
    { name: "emoji word, error", init: post({ words: ["😀🎉"], onInvalid: "error" }) },
    { name: "emoji only", init: post({ words: ["\u{1F600}"], onInvalid: "error" }) },
    { name: "NUL in query", init: "/v1/convert?text=a%00b" },
    { name: "bad percent", init: "/v1/convert?text=%E0%A4%A" },
    { name: "many params", init: `/v1/convert?text=a&${"x=1&".repeat(500)}` },
    { name: "null body", init: post("null") },
    { name: "huge numbers", init: post({ words: ["a"], beamWidth: 1e308, nbest: -1e308 }) },
    { name: "proto pollution", init: post('{"words":["a"],"__proto__":{"x":1}}') },
    { name: "phoneme arrays nested", init: post({ model: "p2k", words: [[["AH0"]]] }) },
  );
  for (let i = 0; i < 12; i++) {
    const junk = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => {
      const c = Math.floor(rand() * 0x3000);
      return c >= 0xd800 && c < 0xe000 ? "x" : String.fromCharCode(c);
    }).join("");
    inputs.push({
      name: `random query ${i}`,
      init: `/v1/convert?text=${encodeURIComponent(junk)}&nbest=${junk}`,
    });
  }
  return inputs;
}

Deno.test("bad input (random bytes, huge or deep bodies, controls, emoji, 10,000-letter words) gets only 4xx, promptly", async () => {
  const server = serveOnLoopback(app());
  try {
    for (const { name, init } of fuzzInputs(20240611)) {
      const t0 = performance.now();
      const res = typeof init === "string"
        ? await fetch(`${server.origin}${init}`, { signal: AbortSignal.timeout(10_000) })
        : await fetch(`${server.origin}/v1/convert`, {
          ...init,
          signal: AbortSignal.timeout(10_000),
        });
      const text = await res.text();
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${name}: ${res.status} ${text.slice(0, 200)}`,
      );
      const body = JSON.parse(text);
      assert.equal(typeof body.error.code, "string", name);
      assert.ok(performance.now() - t0 < 5000, `${name} took ${performance.now() - t0} ms`);
    }
    // Still serving after all that.
    assert.equal((await fetch(`${server.origin}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("emoji and Japanese in otherwise good input pass through, never a 5xx", async () => {
  const res = await app().request("/v1/convert", post({ text: "I ❤️ computer 東京 😀" }));
  assert.equal(res.status, 200, await res.clone().text());
  const body: Json = await res.json();
  assert.ok(body.kana.includes("東京"), body.kana);
});

/**
 * A child process that outlives this is killed (SIGTERM), so that a server that hangs fails its
 * test instead of stalling the suite; it ends in well under a second when all is well.
 */
const CHILD_LIMIT_MS = 60_000;

Deno.test("deno task serve: listens on a free port, serves the page, stops cleanly on SIGINT", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/c2k.safetensors`, C2K_BYTES);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "infer/serve.ts",
        "--port",
        "0",
        "--model",
        `c2k=${dir}/c2k.safetensors`,
        "--max-words",
        "3",
      ],
      cwd: new URL("../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_LIMIT_MS),
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/Listening on (\S+)/.test(out)) {
      const { value, done } = await lines.read();
      if (done) break;
      out += value;
    }
    const origin = /Listening on (http:\/\/\S+?)\/? /.exec(out)?.[1];
    assert.ok(origin, `no address in: ${out}`);
    const res = await fetch(`${origin}/v1/convert?text=computer`);
    assert.equal((await res.json()).kana, (await c2k.convertText("computer")).kana);
    await refused(await fetch(`${origin}/v1/convert?text=a%20b%20c%20d`), 400, "too_many_words");
    const page = await fetch(`${origin}/`);
    assert.match(await page.text(), /<title>e2k/);
    assert.match(page.headers.get("content-security-policy")!, /wasm-unsafe-eval/);
    const model = await fetch(`${origin}/models/c2k.safetensors`);
    assert.equal((await model.arrayBuffer()).byteLength, C2K_BYTES.byteLength);
    child.kill("SIGINT");
    const status = await child.status;
    lines.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, err);
    assert.match(err, /Stopped/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task serve: bad flags exit 1 with a message that says what to do", async () => {
  for (
    const [args, message] of [
      [["--port", "eighty"], /Invalid --port "eighty"/],
      [["--model", "c2k"], /write NAME=PATH/],
      [["--backend", "tpu"], /cpu, webgpu or auto/],
      [["--max-words", "0"], /Invalid --max-words "0"/],
      [["--model", "c2k=/nonexistent/x.safetensors"], /cannot load model "c2k"/],
      [["--frobnicate"], /frobnicate/],
    ] as [string[], RegExp][]
  ) {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "infer/serve.ts", ...args],
      cwd: new URL("../", import.meta.url),
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_LIMIT_MS),
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 1, `${args}: ${err}`);
    assert.match(err, message);
  }
});
