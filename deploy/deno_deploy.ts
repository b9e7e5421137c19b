/**
 * Deno Deploy entry: the HTTP handler and the page, with both models inside the bundle.
 *
 * ```sh
 * deno task bundle:web      # the page's script, web/dist/app.js
 * deno bundle --unstable-raw-imports --platform deno \
 *   --output deploy/dist/deno_deploy.js deploy/deno_deploy.ts
 * deno deploy --prod        # new Deno Deploy: the app's entrypoint is deploy/dist/deno_deploy.js
 * # Deploy Classic: deployctl deploy --entrypoint deploy/dist/deno_deploy.js
 * ```
 *
 * The bundle holds both models (about 4/3 of their size, as base64) and the page; nothing is
 * read from disk, so it runs with `--allow-net --allow-env` only.
 *
 * To try it locally without bundling:
 * `deno run -A --unstable-raw-imports deploy/deno_deploy.ts` (listens on $PORT, default 8000).
 *
 * @module
 */

import { createEdgeApp } from "./_edge_app.ts";

const app = createEdgeApp({
  models: {
    c2k: () => import("../models/c2k.safetensors", { with: { type: "bytes" } }),
    p2k: () => import("../models/p2k.safetensors", { with: { type: "bytes" } }),
  },
  html: () => import("../web/index.html", { with: { type: "text" } }),
  script: () => import("../web/dist/app.js", { with: { type: "text" } }),
});

// Deno Deploy chooses the address itself; elsewhere PORT (default 8000) picks the port.
Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8000) }, app.fetch);
