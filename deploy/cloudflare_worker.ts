/**
 * Cloudflare Workers entry: the HTTP handler and the page, with both models inside the
 * bundle, so the Worker needs no storage binding.
 *
 * ```sh
 * deno task bundle:web      # the page's script, web/dist/app.js
 * deno bundle --unstable-raw-imports --platform browser \
 *   --output deploy/dist/cloudflare_worker.js deploy/cloudflare_worker.ts
 * npx wrangler deploy --config deploy/wrangler.toml
 * ```
 *
 * Workers refuse `WebAssembly.instantiate` on bytes (it counts as code generation, like
 * `eval`; https://developers.cloudflare.com/workers/runtime-apis/web-standards/), so the
 * models run on the plain TypeScript kernels here.
 *
 * @module
 */

import type { ExecutionContext, Hono } from "hono";
import { createEdgeApp } from "./_edge_app.ts";

// Built on the first request: Workers allow no I/O or heavy work at global scope.
let app: Hono | undefined;

/** The Worker: every request goes to the Hono app. */
export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext): Response | Promise<Response> {
    app ??= createEdgeApp({ load: { kernels: "ts" } });
    return app.fetch(request, env, ctx);
  },
};
