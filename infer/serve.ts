/**
 * `deno task serve`: the HTTP handler on a local port, with the browser page at `/`.
 *
 * ```sh
 * deno task serve --port 8000 --max-words 32
 * curl 'http://127.0.0.1:8000/v1/convert?text=computer'
 * ```
 *
 * Models are read from `models/c2k.safetensors` and `models/p2k.safetensors` (those that
 * exist) unless `--model NAME=PATH` names others. Ctrl-C (SIGINT) or SIGTERM stops taking new
 * connections, lets the requests in flight finish, and exits 0.
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import { type Converter, loadConverter } from "./converter.ts";
import { type Asset, createApp, DEFAULT_LIMITS, type Limits } from "./http.ts";

const ROOT = new URL("../", import.meta.url);

const USAGE = `Usage: deno task serve [options]

Serves /v1/convert, /v1/models, /healthz and the page at / over HTTP.

Options:
  --port N               port to listen on; 0 picks a free one (default 8000)
  --hostname H           address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
  --model NAME=PATH      a model file to serve under NAME (repeatable; default: the shipped
                         models/c2k.safetensors and models/p2k.safetensors that exist)
  --backend B            cpu, webgpu or auto (default cpu)
  --cors-origin O        an origin allowed by CORS (repeatable; default: any origin)
  --cache-max-age S      seconds caches may keep greedy/beam results (default 86400)
  --no-page              do not serve the browser page and the model files
${
  Object.entries(DEFAULT_LIMITS).map(([k, v]) => `  --${kebab(k).padEnd(21)}limit (default ${v})`)
    .join("\n")
}
  -h, --help             show this help
`;

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** What the command line asks for. */
export interface ServeConfig {
  /** The port; 0 lets the system pick one. */
  port: number;
  /** The address to bind. */
  hostname: string;
  /** Model files by name. */
  models: Record<string, URL>;
  /** The compute backend for every model. */
  backend: "cpu" | "webgpu" | "auto";
  /** Limits given on the command line. */
  limits: Partial<Limits>;
  /** CORS origins, or "*". */
  corsOrigins: "*" | string[];
  /** Cache lifetime of deterministic results, in seconds. */
  cacheMaxAge: number;
  /** Whether to serve the page, its script and the model files. */
  page: boolean;
}

function positiveInt(flag: string, text: string, min = 1): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < min) {
    throw new TypeError(`Invalid --${flag} "${text}": give an integer of at least ${min}`);
  }
  return Number(text);
}

/**
 * Parses the command line.
 *
 * @param args The arguments after the script name.
 * @param exists Whether a file exists (for the default models); injectable for tests.
 * @returns The configuration, or "help" when help was asked for.
 * @throws {TypeError} With an actionable message for any bad flag or value.
 */
export function parseServeArgs(
  args: string[],
  exists: (url: URL) => boolean = fileExists,
): ServeConfig | "help" {
  const limitFlags = Object.fromEntries(
    Object.keys(DEFAULT_LIMITS).map((k) => [kebab(k), { type: "string" as const }]),
  );
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "8000" },
      hostname: { type: "string", default: "127.0.0.1" },
      model: { type: "string", multiple: true },
      backend: { type: "string", default: "cpu" },
      "cors-origin": { type: "string", multiple: true },
      "cache-max-age": { type: "string", default: "86400" },
      "no-page": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...limitFlags,
    },
  });
  if (values.help) return "help";
  if (positionals.length > 0) {
    throw new TypeError(`Unexpected argument "${positionals[0]}": see --help`);
  }
  const backend = values.backend as string;
  if (backend !== "cpu" && backend !== "webgpu" && backend !== "auto") {
    throw new TypeError(`Invalid --backend "${backend}": use cpu, webgpu or auto`);
  }
  const limits: Partial<Limits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const text = (values as Record<string, unknown>)[kebab(key)];
    if (typeof text === "string") limits[key] = positiveInt(kebab(key), text);
  }
  return {
    port: positiveInt("port", values.port as string, 0),
    hostname: values.hostname as string,
    models: modelPaths((values.model ?? []) as string[], exists),
    backend,
    limits,
    corsOrigins: values["cors-origin"]?.length ? values["cors-origin"] as string[] : "*",
    cacheMaxAge: positiveInt("cache-max-age", values["cache-max-age"] as string, 0),
    page: !values["no-page"],
  };
}

function modelPaths(given: string[], exists: (url: URL) => boolean): Record<string, URL> {
  const models: Record<string, URL> = {};
  for (const spec of given) {
    const eq = spec.indexOf("=");
    if (eq < 1 || eq === spec.length - 1) {
      throw new TypeError(
        `Invalid --model "${spec}": write NAME=PATH, e.g. c2k=models/c2k.safetensors`,
      );
    }
    models[spec.slice(0, eq)] = new URL(spec.slice(eq + 1), `file://${Deno.cwd()}/`);
  }
  if (given.length > 0) return models;
  for (const name of ["c2k", "p2k"]) {
    const url = new URL(`models/${name}.safetensors`, ROOT);
    if (exists(url)) models[name] = url;
  }
  if (Object.keys(models).length === 0) {
    throw new TypeError(
      "No model to serve: models/c2k.safetensors and models/p2k.safetensors are missing; " +
        "run `deno task export` or pass --model c2k=PATH",
    );
  }
  return models;
}

function fileExists(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

/**
 * The page's files: `/` (web/index.html), `/app.js` (web/dist/app.js, built by
 * `deno task bundle:web`) and `/models/NAME.safetensors` for every model served. The page
 * and script are read on each request, so a rebuilt bundle shows on reload.
 *
 * @param models Each model's bytes by name.
 * @returns The assets for {@link createApp}.
 */
export function pageAssets(models: Record<string, Uint8Array>): Record<string, Asset> {
  const read = (path: string) => () => Deno.readFile(new URL(path, ROOT));
  const html: Asset = {
    body: read("web/index.html"),
    type: "text/html; charset=utf-8",
    cacheControl: "no-cache",
    headers: {
      // WebAssembly needs 'wasm-unsafe-eval'; models may come from another https origin.
      "Content-Security-Policy":
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src 'self' https:; img-src 'self' data:",
    },
  };
  const assets: Record<string, Asset> = {
    "/": html,
    "/index.html": html,
    "/app.js": {
      body: read("web/dist/app.js"),
      type: "text/javascript; charset=utf-8",
      cacheControl: "no-cache",
    },
  };
  for (const [name, bytes] of Object.entries(models)) {
    assets[`/models/${name}.safetensors`] = {
      body: bytes,
      type: "application/octet-stream",
      cacheControl: "public, max-age=3600",
    };
  }
  return assets;
}

/**
 * Loads the models, serves until SIGINT or SIGTERM, then shuts down gracefully.
 *
 * @param args The command line.
 * @returns The exit code: 0 after a clean shutdown, 1 for bad usage or a model that fails to
 *   load, 2 when the port cannot be bound.
 */
export async function main(args: string[]): Promise<number> {
  let config: ServeConfig | "help";
  try {
    config = parseServeArgs(args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  const bytes: Record<string, Uint8Array> = {};
  const converters: Record<string, Converter> = {};
  for (const [name, url] of Object.entries(config.models)) {
    try {
      bytes[name] = await Deno.readFile(url);
      converters[name] = await loadConverter(bytes[name], { backend: config.backend });
    } catch (e) {
      console.error(
        `error: cannot load model "${name}" from ${url.pathname}: ${(e as Error).message}`,
      );
      return 1;
    }
  }
  const app = createApp({
    models: converters,
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    cacheMaxAge: config.cacheMaxAge,
    assets: config.page ? pageAssets(bytes) : {},
    onInternalError: (e, req) => console.error(`error: ${req.method} ${req.url}:`, e),
  });
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      port: config.port,
      hostname: config.hostname,
      onListen: ({ hostname, port }) => {
        const host = hostname.includes(":") ? `[${hostname}]` : hostname;
        console.log(
          `Listening on http://${host}:${port}/ (models: ${Object.keys(converters).join(", ")})`,
        );
      },
    }, app.fetch);
  } catch (e) {
    console.error(
      `error: cannot listen on ${config.hostname}:${config.port}: ${(e as Error).message}`,
    );
    return 2;
  }
  const stop = () => {
    console.error("Shutting down: finishing the requests in flight");
    server.shutdown();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  await server.finished;
  for (const s of signals) Deno.removeSignalListener(s, stop);
  for (const c of Object.values(converters)) c.dispose();
  console.error("Stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
