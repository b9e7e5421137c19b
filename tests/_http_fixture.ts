/**
 * Test fixtures for the HTTP handler, the page and the load script: small random models as
 * file bytes, the shipped models when they exist, and a server on a loopback port.
 *
 * @module
 */

import { defaultConfig, randomModel, tinyConfig, tinyP2kConfig } from "../infer/_test_model.ts";
import { P2K_SOURCE } from "../infer/vocab.ts";
import { writeModel } from "../infer/model_file.ts";
import type { Hono } from "hono";

/** Facts stored in the random models' metadata, to check that `/v1/models` passes them on. */
export const TEST_INFO = { purpose: "random test model", metrics: { test: { exact: 0.25 } } };

/**
 * A random model's file: by default small (d 16, 2 heads, 2+2 layers), long enough for
 * 32-letter words; `"default"` gives the default model size (d 256, 4 heads, 3+3 layers,
 * fp16) for timings that stand for a real model's.
 *
 * @param task Which model.
 * @param seed The weights' seed.
 * @param size "tiny" (default) or "default".
 * @returns The safetensors bytes.
 */
export function randomModelBytes(
  task: "c2k" | "p2k",
  seed = 7,
  size: "tiny" | "default" = "tiny",
): Uint8Array {
  if (size === "default") {
    const config = defaultConfig(task === "p2k" ? { task, srcVocab: [...P2K_SOURCE] } : {});
    return writeModel(config, randomModel(config, seed), { dtype: "F16", info: TEST_INFO });
  }
  const lengths = { maxSrcLen: 40, maxTgtLen: 48 };
  const config = task === "c2k" ? tinyConfig(lengths) : tinyP2kConfig(lengths);
  return writeModel(config, randomModel(config, seed), { dtype: "F32", info: TEST_INFO });
}

/**
 * The shipped model's file if it exists (the lead adds it), else undefined.
 *
 * @param task Which model.
 * @returns The bytes or undefined.
 */
export function shippedModelBytes(task: "c2k" | "p2k"): Uint8Array | undefined {
  try {
    return Deno.readFileSync(new URL(`../models/${task}.safetensors`, import.meta.url));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** A server on a loopback port and how to stop it. */
export interface TestServer {
  /** e.g. "http://127.0.0.1:40123". */
  origin: string;
  /** Stops accepting, waits for requests in flight, and resolves when closed. */
  close(): Promise<void>;
}

/**
 * Serves an app on 127.0.0.1 on a port the system picks.
 *
 * @param app The app.
 * @returns The server's origin and a close function.
 */
export function serveOnLoopback(app: Hono): TestServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const { port } = server.addr as Deno.NetAddr;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.shutdown();
    },
  };
}
