/**
 * The app both edge entries serve: the HTTP handler with the models and the page carried in
 * the bundle itself, so that nothing is read from a file system at the edge.
 *
 * The files are brought in by `import(…, { with: { type: "bytes" | "text" } })`. Deno runs
 * that with `--unstable-raw-imports`, and `deno bundle --unstable-raw-imports` inlines each
 * file into the one JavaScript file that is deployed (as base64, decoded on first use). The
 * imports are dynamic so that type checking does not need the flag, the model files need not
 * exist to check the code, and a model is decoded only when a request first needs it.
 *
 * @module
 */

import type { Hono } from "hono";
import { type Converter, loadConverter, type LoadOptions } from "../infer/converter.ts";
import { type Asset, createApp, type Limits } from "../infer/http.ts";

/** Options of {@link createEdgeApp}. */
export interface EdgeOptions {
  /** How the models are loaded; Cloudflare Workers need `{ kernels: "ts" }`. */
  load?: LoadOptions;
  /** Limits on requests. */
  limits?: Partial<Limits>;
  /** Origins allowed by CORS; default any. */
  corsOrigins?: "*" | string[];
}

// One literal import per file, so that the bundler can see and inline each.
const files = {
  c2k: () => import("../models/c2k.safetensors", { with: { type: "bytes" } }),
  p2k: () => import("../models/p2k.safetensors", { with: { type: "bytes" } }),
  html: () => import("../web/index.html", { with: { type: "text" } }),
  script: () => import("../web/dist/app.js", { with: { type: "text" } }),
};

function bytes(name: "c2k" | "p2k"): () => Promise<Uint8Array> {
  return async () => (await files[name]()).default as Uint8Array;
}

/**
 * Creates the edge app: `/v1/*`, `/healthz`, the page at `/` and the model files it fetches.
 *
 * @param options Loading options, limits and CORS origins.
 * @returns The Hono app; models load on first use.
 */
export function createEdgeApp(options: EdgeOptions = {}): Hono {
  const model = (name: "c2k" | "p2k") => async (): Promise<Converter> =>
    loadConverter(await bytes(name)(), options.load);
  const html: Asset = {
    body: async () => (await files.html()).default as string,
    type: "text/html; charset=utf-8",
  };
  const assets: Record<string, Asset> = {
    "/": html,
    "/index.html": html,
    "/app.js": {
      body: async () => (await files.script()).default as string,
      type: "text/javascript; charset=utf-8",
    },
    "/models/c2k.safetensors": { body: bytes("c2k"), type: "application/octet-stream" },
    "/models/p2k.safetensors": { body: bytes("p2k"), type: "application/octet-stream" },
  };
  return createApp({
    models: { c2k: model("c2k"), p2k: model("p2k") },
    limits: options.limits,
    corsOrigins: options.corsOrigins,
    assets,
  });
}
