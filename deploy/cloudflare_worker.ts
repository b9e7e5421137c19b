/**
 * Cloudflare Workers entry: the HTTP handler and the page, with the C2K model inside the
 * bundle, so the Worker needs no storage binding.
 *
 * Workers limit a script's size (after compression: 3 MB on the free plan, 10 MB on paid
 * plans), and model weights hardly compress. A model of the default size (d 256, 3+3 layers)
 * takes about 11 MB in fp16 and 5.6 MB in int8, so this entry carries one model, and a paid
 * plan needs it in int8 (`deno task export RUN --dtype I8`); add the P2K line below only
 * where the limit allows.
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
    app ??= createEdgeApp({
      models: {
        c2k: () => import("../models/c2k.safetensors", { with: { type: "bytes" } }),
        // p2k: () => import("../models/p2k.safetensors", { with: { type: "bytes" } }),
      },
      html: () => import("../web/index.html", { with: { type: "text" } }),
      script: () => import("../web/dist/app.js", { with: { type: "text" } }),
    }, { load: { kernels: "ts" } });
    return app.fetch(request, env, ctx);
  },
};
