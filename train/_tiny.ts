/**
 * Tiny model configs and batches for tests of the training engine.
 *
 * @module
 */

import type { ModelConfig } from "../infer/model_spec.ts";
import type { StepOptions } from "./step.ts";

/** A config small enough for float64 finite differences over every tensor. */
export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    task: "c2k",
    dModel: 8,
    heads: 2,
    encLayers: 1,
    decLayers: 1,
    dFF: 12,
    activation: "relu",
    maxSrcLen: 6,
    maxTgtLen: 6,
    srcVocab: ["<pad>", "<s>", "</s>", "a", "b", "c"],
    tgtVocab: ["<pad>", "<s>", "</s>", "A", "B", "C", "D"],
    ...over,
  };
}

/** Step options with everything off but AdamW. */
export function plainOptions(over: Partial<StepOptions> = {}): StepOptions {
  return {
    labelSmoothing: 0,
    dropout: 0,
    weightDecay: 0,
    beta1: 0.9,
    beta2: 0.98,
    eps: 1e-9,
    clipNorm: 0,
    tasks: 2,
    taskWeighting: "fixed",
    ...over,
  };
}

/** A batch of 3 rows: src (3, 5), tgt_in / tgt_out (3, 4), padded with 0; tasks 0, 1, 0. */
export const TINY_BATCH = {
  B: 3,
  S: 5,
  T: 4,
  src: [3, 4, 5, 2, 0, 5, 2, 0, 0, 0, 4, 4, 3, 3, 2],
  tgtIn: [1, 3, 4, 5, 1, 6, 0, 0, 1, 4, 4, 3],
  tgtOut: [3, 4, 5, 2, 6, 2, 0, 0, 4, 4, 3, 2],
  task: [0, 1, 0],
};
