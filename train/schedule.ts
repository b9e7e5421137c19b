/**
 * The learning-rate schedule: linear warm-up, then exponential decay (PyTorch's ExponentialLR
 * applied smoothly: the rate falls by `gamma` over each epoch instead of in one jump at its end),
 * with a floor.
 *
 * ```text
 * w = warmupEpochs × stepsPerEpoch
 * lr(step) = peak × step / w                                    for step ≤ w
 *          = max(minLr, peak × gamma^((step − w) / stepsPerEpoch))  after
 * ```
 *
 * @module
 */

/** The schedule's settings. */
export interface Schedule {
  /** Peak rate, reached at the end of warm-up. */
  peak: number;
  /** Warm-up length in epochs (fractions allowed); 0 = none. */
  warmupEpochs: number;
  /** Decay factor per epoch after warm-up (ExponentialLR's gamma). */
  gamma: number;
  /** Lowest rate after decay. */
  minLr: number;
  /** Optimiser steps in one epoch. */
  stepsPerEpoch: number;
}

/**
 * The learning rate for a 1-based step.
 *
 * @param step Optimiser step, counting from 1.
 * @param s The schedule.
 * @returns The learning rate to use for that step.
 * @throws {RangeError} When `step` is below 1 or `stepsPerEpoch` is not positive.
 * @example Warm-up over one epoch of 100 steps
 * ```ts
 * import { learningRate } from "./schedule.ts";
 * const s = { peak: 1e-3, warmupEpochs: 1, gamma: 0.9, minLr: 0, stepsPerEpoch: 100 };
 * learningRate(50, s); // 5e-4
 * learningRate(200, s); // 9e-4
 * ```
 */
export function learningRate(step: number, s: Schedule): number {
  if (!(step >= 1)) throw new RangeError(`Invalid step ${step}: steps count from 1`);
  if (!(s.stepsPerEpoch > 0)) {
    throw new RangeError(
      `Invalid schedule: "stepsPerEpoch" must be positive, got ${s.stepsPerEpoch}`,
    );
  }
  const warm = s.warmupEpochs * s.stepsPerEpoch;
  if (step <= warm) return (s.peak * step) / warm;
  return Math.max(s.minLr, s.peak * s.gamma ** ((step - warm) / s.stepsPerEpoch));
}
