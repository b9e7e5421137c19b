/**
 * The app both edge entries serve: the HTTP handler with the models and the page carried in
 * the bundle itself, so that nothing is read from a file system at the edge.
 *
 * Each entry lists its files as `() => import(…, { with: { type: "bytes" | "text" } })`.
 * Deno runs that with `--unstable-raw-imports`, and `deno bundle --unstable-raw-imports`
 * inlines each file into the one JavaScript file that is deployed (as base64, decoded on first
 * use). The imports are dynamic so that type checking needs no flag, the model files need not
 * exist to check the code, and a model is decoded only when a request first needs it. They
 * sit in the entries, as literals, so that each entry bundles only the models it names.
 *
 * @module
 */

import type { Hono } from "hono";
import { type Converter, loadConverter, type LoadOptions } from "../infer/converter.ts";
import { type Asset, createApp, type Limits } from "../infer/http.ts";

/** A file brought in by a dynamic import with a `bytes` or `text` attribute. */
export type Embedded<T> = () => Promise<{ default: T }>;

/** What an entry carries. */
export interface EdgeFiles {
  /** Model files by name, e.g. `{ c2k: () => import("../models/c2k.safetensors", …) }`. */
  models: Record<string, Embedded<Uint8Array>>;
  /** web/index.html as text. */
  html: Embedded<string>;
  /** web/dist/app.js as text. */
  script: Embedded<string>;
}

/** Options of {@link createEdgeApp}. */
export interface EdgeOptions {
  /** How the models are loaded; Cloudflare Workers need `{ kernels: "ts" }`. */
  load?: LoadOptions;
  /** Limits on requests. */
  limits?: Partial<Limits>;
  /** Origins allowed by CORS; default any. */
  corsOrigins?: "*" | string[];
}

/**
 * Creates the edge app: `/v1/*`, `/healthz`, the page at `/` and the model files it fetches.
 *
 * @param files The embedded models and page.
 * @param options Loading options, limits and CORS origins.
 * @returns The Hono app; models load on first use.
 * @throws {TypeError} When no model is given.
 */
export function createEdgeApp(files: EdgeFiles, options: EdgeOptions = {}): Hono {
  const html: Asset = {
    body: async () => (await files.html()).default,
    type: "text/html; charset=utf-8",
  };
  const assets: Record<string, Asset> = {
    "/": html,
    "/index.html": html,
    "/app.js": {
      body: async () => (await files.script()).default,
      type: "text/javascript; charset=utf-8",
    },
  };
  const models: Record<string, () => Promise<Converter>> = {};
  for (const [name, file] of Object.entries(files.models)) {
    const bytes = async () => (await file()).default;
    assets[`/models/${name}.safetensors`] = { body: bytes, type: "application/octet-stream" };
    models[name] = async () => loadConverter(await bytes(), options.load);
  }
  return createApp({ models, limits: options.limits, corsOrigins: options.corsOrigins, assets });
}
