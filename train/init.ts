/**
 * Seeded initial parameters: Xavier/Glorot uniform for every matrix (embeddings and position
 * tables included, treated as (rows, d) matrices), zeros for biases, ones for LayerNorm gains.
 *
 * @module
 */

import { type ModelConfig, tensorSpecs } from "../infer/model_spec.ts";
import { makeRng } from "./rng.ts";

/**
 * Initial parameters of a model, by `tensorSpecs()` name, drawn in spec order from one
 * seeded generator: equal seeds give equal parameters on every machine.
 *
 * @param c the model config
 * @param seed any integer
 * @returns name → values (row-major, the spec's shape)
 * @example
 * ```ts
 * import { initParams } from "./init.ts";
 * import { C2K_SOURCE, TARGET } from "../infer/vocab.ts";
 * const p = initParams({
 *   task: "c2k", dModel: 8, heads: 2, encLayers: 1, decLayers: 1, dFF: 16,
 *   activation: "relu", maxSrcLen: 4, maxTgtLen: 4,
 *   srcVocab: [...C2K_SOURCE], tgtVocab: [...TARGET],
 * }, 1);
 * p.get("enc.ln.g"); // all ones
 * ```
 */
export function initParams(c: ModelConfig, seed: number): Map<string, Float32Array> {
  const rng = makeRng(seed);
  const out = new Map<string, Float32Array>();
  for (const s of tensorSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.shape.length === 2) {
      const a = Math.sqrt(6 / (s.shape[0] + s.shape[1]));
      for (let i = 0; i < n; i++) data[i] = (2 * rng.next() - 1) * a;
    } else if (s.name.endsWith(".g")) {
      data.fill(1);
    }
    out.set(s.name, data);
  }
  return out;
}
