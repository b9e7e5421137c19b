/**
 * Test fixtures: small model configs and seeded random weights, so that every area can test
 * against a real network before a trained model exists.
 *
 * @module
 */

import type { ModelConfig } from "./model_spec.ts";
import { tensorSpecs } from "./model_spec.ts";
import { C2K_SOURCE, P2K_SOURCE, TARGET } from "./vocab.ts";
import { createRandom } from "./sample.ts";

/**
 * A tiny config (d 16, 2 heads, 2+2 layers) for fast tests.
 *
 * @param overrides Fields to change.
 * @returns The config.
 */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    task: "c2k",
    dModel: 16,
    heads: 2,
    encLayers: 2,
    decLayers: 2,
    dFF: 32,
    activation: "gelu",
    maxSrcLen: 12,
    maxTgtLen: 10,
    srcVocab: [...C2K_SOURCE],
    tgtVocab: [...TARGET],
    ...overrides,
  };
}

/**
 * The default model size (d 256, 4 heads, 3+3 layers, dFF 1024), for benchmarks.
 *
 * @param overrides Fields to change.
 * @returns The config.
 */
export function defaultConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return tinyConfig({
    dModel: 256,
    heads: 4,
    encLayers: 3,
    decLayers: 3,
    dFF: 1024,
    maxSrcLen: 32,
    maxTgtLen: 32,
    ...overrides,
  });
}

/** A P2K variant of {@link tinyConfig}. */
export function tinyP2kConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return tinyConfig({ task: "p2k", srcVocab: [...P2K_SOURCE], ...overrides });
}

/** A seeded generator of uniform numbers in [0, 1): the decoder's own mulberry32. */
export const seededRandom: (seed: number) => () => number = createRandom;

/**
 * Random weights for `config`: matrices scaled by 1/sqrt(fan-in), LayerNorm gains near 1, and
 * small non-zero biases so that every term of the math is exercised.
 *
 * @param config The network's shape.
 * @param seed Seed of the generator; the same seed gives the same model.
 * @returns Every tensor of `tensorSpecs(config)`, by name.
 */
export function randomModel(config: ModelConfig, seed = 1): Map<string, Float32Array> {
  const rand = seededRandom(seed);
  const normal = () => {
    const u = 1 - rand(), v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const tensors = new Map<string, Float32Array>();
  for (const { name, shape } of tensorSpecs(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = new Float32Array(n);
    const last = name.slice(name.lastIndexOf(".") + 1);
    const isNorm = /(^|\.)ln\d?\.[gb]$/.test(name);
    for (let i = 0; i < n; i++) {
      if (isNorm) t[i] = last === "g" ? 1 + 0.1 * normal() : 0.1 * normal();
      else if (shape.length === 1) t[i] = 0.1 * normal();
      else if (name.includes("embed") || name.includes("pos")) t[i] = 0.5 * normal();
      else t[i] = normal() / Math.sqrt(shape[0]);
    }
    tensors.set(name, t);
  }
  return tensors;
}
