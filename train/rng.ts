/**
 * A small seeded random number generator (mulberry32), so that initialisation, shuffling and
 * tests give the same numbers on every machine.
 *
 * @module
 */

import { createRandom } from "../infer/sample.ts";

/** A seeded source of uniform and normal numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Creates a generator from a 32-bit seed.
 *
 * @param seed any integer; equal seeds give equal sequences
 * @returns the generator
 * @example
 * ```ts
 * const r = makeRng(42);
 * const u = r.next(); // in [0, 1)
 * ```
 */
export function makeRng(seed: number): Rng {
  const next = createRandom(seed);
  return {
    next,
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    int: (n) => Math.floor(next() * n),
  };
}
