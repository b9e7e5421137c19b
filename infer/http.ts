/**
 * The HTTP handler: a Hono app that converts English to katakana over HTTP, serves the
 * models' descriptions, a health check, and (optionally) the browser page and its files.
 *
 * It uses only web standards (`Request`, `Response`, streams), so the same app runs under
 * `Deno.serve`, on Deno Deploy and on Cloudflare Workers. Every refusal is JSON of the form
 * `{ "error": { "code", "message" } }`, written by one `onError`.
 *
 * | Route                | Answers                                                        |
 * | -------------------- | -------------------------------------------------------------- |
 * | `GET /v1/convert`    | `?text=…&model=&strategy=&nbest=…` → per-word katakana         |
 * | `POST /v1/convert`   | `{ "words": [...] }` or `{ "text": "..." }` plus options       |
 * | `GET /v1/models`     | the models, their shape, size and test metrics                 |
 * | `GET /healthz`       | `{ "status": "ok" }`                                           |
 * | `GET /…`             | the files given as `assets` (the page, its script, the models) |
 *
 * @example Serving the shipped C2K model
 * ```ts ignore
 * import { createApp } from "@e2k/e2k/http";
 *
 * const app = createApp({ models: { c2k: "c2k" }, limits: { maxWords: 32 } });
 * Deno.serve({ port: 8000 }, app.fetch);
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import {
  type Conversion,
  type Converter,
  type ConvertOptions,
  IncompleteConversionError,
  type LoadOptions,
  type TextConversion,
} from "./converter.ts";
import { describeModel, type ModelEntry, ModelRegistry } from "./_http_models.ts";
import { QueueFullError } from "./_http_queue.ts";
import {
  checkJsonType,
  type ConvertRequest,
  DEFAULT_LIMITS,
  isDeterministic,
  type Limits,
  parseJsonRequest,
  parseQueryRequest,
  readBody,
  RequestError,
} from "./_http_request.ts";

export { DEFAULT_LIMITS, type Limits, type ModelEntry, RequestError };

/** A file the app serves as is, such as the page, its script or a model file. */
export interface Asset {
  /** The bytes or text, or a function that returns them (called on every request). */
  body: Uint8Array | string | (() => Promise<Uint8Array | string>);
  /** The Content-Type, e.g. "text/html; charset=utf-8". */
  type: string;
  /** The Cache-Control header; default "public, max-age=300". */
  cacheControl?: string;
  /** More headers, e.g. a Content-Security-Policy for the page. */
  headers?: Record<string, string>;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * The models by name, e.g. `{ c2k: converter, p2k: "p2k" }`: a loaded converter, or a source
   * ("c2k", "p2k", a URL or the file's bytes) or loader that is loaded on first use.
   */
  models: Record<string, ModelEntry>;
  /** The model used when a request names none; default: the first in `models`. */
  defaultModel?: string;
  /** How models given as sources are loaded (backend, kernels). */
  load?: LoadOptions;
  /** Limits on requests; unnamed ones keep {@link DEFAULT_LIMITS}. */
  limits?: Partial<Limits>;
  /** Origins allowed by CORS: "*" (the default) or a list such as ["https://example.com"]. */
  corsOrigins?: "*" | string[];
  /** Seconds that caches may keep deterministic results (greedy, beam); default 86400. */
  cacheMaxAge?: number;
  /** Files served at their paths, e.g. `{ "/": { body: html, type: "text/html" } }`. */
  assets?: Record<string, Asset>;
  /** Called with every unexpected error (answered 500), e.g. to log it. */
  onInternalError?: (error: unknown, request: Request) => void;
}

/** A JSON error body, as every refusal is written. */
export interface ErrorBody {
  /** A stable snake_case `code` (e.g. "body_too_large") and a `message` for people. */
  error: { code: string; message: string };
}

const API_METHODS: Record<string, string> = {
  "/v1/convert": "GET, HEAD, POST, OPTIONS",
  "/v1/models": "GET, HEAD, OPTIONS",
  "/healthz": "GET, HEAD, OPTIONS",
};

// A code for refusals that Hono itself raises as HTTPException.
const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  404: "not_found",
  405: "method_not_allowed",
  413: "body_too_large",
  415: "unsupported_media_type",
  422: "invalid_option",
  503: "unavailable",
};

/**
 * Creates the Hono app. Options are checked and merged once here; each request only parses
 * and validates its own input.
 *
 * @param options Models, limits, CORS origins, cache lifetime and assets.
 * @returns The app; call `app.fetch(request)` or pass `app.fetch` to a server.
 * @throws {TypeError} When no model is given, a name is malformed or `defaultModel` is unknown.
 * @throws {RangeError} When a limit is not a positive integer.
 * @example Converting through `app.request()`
 * ```ts
 * import { createApp } from "./http.ts";
 * import { loadConverter } from "./converter.ts";
 *
 * const app = createApp({ models: { c2k: await loadConverter("c2k") } });
 * const res = await app.request("/v1/convert?text=computer");
 * console.log((await res.json()).words[0].kana); // "コンピューター"
 * ```
 */
export function createApp(options: AppOptions): Hono {
  const limits = mergeLimits(options.limits);
  const registry = new ModelRegistry(options.models, limits.maxQueue, options.load);
  const defaultModel = options.defaultModel ?? registry.names[0];
  if (!registry.has(defaultModel)) {
    throw new TypeError(
      `Unknown default model "${defaultModel}": use one of ${registry.names.join(", ")}`,
    );
  }
  const cacheable = `public, max-age=${options.cacheMaxAge ?? 86400}`;
  const assets = new Map(Object.entries(options.assets ?? {}));

  const app = new Hono();
  app.use(
    "*",
    cors({
      origin: options.corsOrigins ?? "*",
      allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
      allowHeaders: ["Content-Type"],
      maxAge: 86400,
    }),
  );
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("X-Content-Type-Options", "nosniff");
  });

  app.get("/healthz", (c) => {
    c.header("Cache-Control", "no-store");
    const models = Object.fromEntries(registry.names.map((n) => [n, registry.status(n)]));
    return c.json({ status: "ok", models });
  });

  app.get("/v1/models", async (c) => {
    const models = await Promise.all(registry.names.map(async (name) => {
      try {
        return { name, status: "loaded", ...describeModel(await registry.get(name)) };
      } catch {
        return { name, status: "failed", error: registry.error(name) };
      }
    }));
    c.header("Cache-Control", "no-store");
    return c.json({ default: defaultModel, limits, models });
  });

  const convert = async (c: Context, req: ConvertRequest) => {
    const name = req.model ?? defaultModel;
    if (!registry.has(name)) {
      throw new RequestError(
        422,
        "unknown_model",
        `Unknown model "${name.slice(0, 40)}": use one of ${registry.names.join(", ")}`,
      );
    }
    const converter = await registry.get(name).catch((e: Error) => {
      throw new RequestError(
        503,
        "model_unavailable",
        `Model "${name}" could not be loaded: ${e.message}`,
      );
    });
    checkMaxLength(converter, req.options);
    const result = await registry.queue(name).run(() => run(converter, req)).catch(convertError);
    c.header("Cache-Control", isDeterministic(req.options) ? cacheable : "no-store");
    return c.json(responseBody(name, req.options, result));
  };

  app.get("/v1/convert", (c) => {
    return convert(c, parseQueryRequest(new URL(c.req.url).search, limits));
  });

  app.post("/v1/convert", async (c) => {
    checkJsonType(c.req.header("content-type") ?? null);
    const bytes = await readBody(c.req.raw, limits.maxBodyBytes);
    return convert(c, parseJsonRequest(bytes, limits));
  });

  for (const [path, allow] of Object.entries(API_METHODS)) {
    app.all(path, (c) => {
      c.header("Allow", allow);
      throw new RequestError(
        405,
        "method_not_allowed",
        `Method ${c.req.method} is not allowed on ${path}: use ${allow}`,
      );
    });
  }

  app.get("*", async (c) => {
    const asset = assets.get(c.req.path);
    if (!asset) return c.notFound();
    const body = typeof asset.body === "function" ? await asset.body() : asset.body;
    const headers = new Headers(asset.headers);
    headers.set("Content-Type", asset.type);
    headers.set("Cache-Control", asset.cacheControl ?? "public, max-age=300");
    return c.body(body as Uint8Array<ArrayBuffer> | string, 200, Object.fromEntries(headers));
  });

  app.notFound((c) =>
    errorJson(
      c,
      404,
      "not_found",
      `No route for ${c.req.method} ${
        c.req.path.slice(0, 100)
      }: see /v1/convert, /v1/models, /healthz`,
    )
  );

  app.onError((err, c) => {
    if (err instanceof RequestError) {
      if (err.status === 503) c.header("Retry-After", "1");
      return errorJson(c, err.status, err.code, err.message);
    }
    if (err instanceof HTTPException) {
      const code = STATUS_CODES[err.status] ?? "error";
      return errorJson(c, err.status, code, err.message || code.replaceAll("_", " "));
    }
    options.onInternalError?.(err, c.req.raw);
    return errorJson(
      c,
      500,
      "internal_error",
      "The server failed on this request; try again, and report it if it persists",
    );
  });
  return app;
}

// A P2K model reads one ARPAbet pronunciation, not running text: its `text` is one input.
async function run(converter: Converter, req: ConvertRequest) {
  const input = req.input;
  if ("words" in input) return await converter.convertBatch(input.words, req.options);
  if (converter.task === "c2k") return await converter.convertText(input.text, req.options);
  const [word] = await converter.convertBatch([input.text.trim()], req.options);
  return { text: input.text, kana: word.kana, words: [word] };
}

// maxLength is bounded by each model's own limit, which only the loaded model knows.
function checkMaxLength(converter: Converter, options: ConvertOptions): void {
  const limit = converter.meta.config.maxTgtLen - 1;
  if (options.maxLength !== undefined && options.maxLength > limit) {
    throw new RequestError(
      422,
      "invalid_option",
      `Option "maxLength" must be at most ${limit} for this model, got ${options.maxLength}`,
    );
  }
}

function mergeLimits(given: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in DEFAULT_LIMITS)) {
      throw new RangeError(
        `Unknown limit "${key}": use one of ${Object.keys(DEFAULT_LIMITS).join(", ")}`,
      );
    }
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`Invalid limit "${key}": must be a positive integer, got ${value}`);
    }
    limits[key as keyof Limits] = value;
  }
  return limits;
}

// Conversion errors: the converter throws TypeError/RangeError for input it cannot convert
// (unknown symbols, empty words, input longer than the model reads), and
// IncompleteConversionError for a cut output when the request said errorOnIncomplete.
function convertError(e: unknown): never {
  if (e instanceof QueueFullError) throw new RequestError(503, "busy", e.message);
  if (e instanceof RequestError) throw e;
  if (e instanceof IncompleteConversionError) {
    throw new RequestError(422, "incomplete", e.message);
  }
  if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError) {
    throw new RequestError(400, "invalid_input", e.message);
  }
  throw e;
}

function errorJson(c: Context, status: number, code: string, message: string): Response {
  c.header("Cache-Control", "no-store");
  const body: ErrorBody = { error: { code, message } };
  return c.json(body, status as 400);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function wordJson(w: Conversion): Record<string, unknown> {
  const out: Record<string, unknown> = {
    input: w.input,
    kana: w.kana,
    score: round(w.logProb, 6),
    incomplete: w.incomplete,
    source: w.source,
  };
  if (w.nbest) {
    out.nbest = w.nbest.map((n) => ({
      kana: n.kana,
      score: round(n.logProb, 6),
      incomplete: n.incomplete,
    }));
  }
  if (w.attention) out.attention = w.attention.map((row) => row.map((a) => round(a, 4)));
  return out;
}

function responseBody(
  model: string,
  options: ConvertOptions,
  result: Conversion[] | TextConversion,
): Record<string, unknown> {
  const strategy = options.strategy ?? ((options.nbest ?? 1) > 1 ? "beam" : "greedy");
  const head = { model, strategy };
  if (Array.isArray(result)) return { ...head, words: result.map(wordJson) };
  return { ...head, text: result.text, kana: result.kana, words: result.words.map(wordJson) };
}
