/**
 * The train / valid / test split: decided by a stable hash of the normalised key, so that a key
 * always lands in the same split, in every task (C2K and P2K) and in every rebuild.
 *
 * @module
 */

/** The three splits. */
export type Split = "train" | "valid" | "test";

/** Fractions of the key space given to train and valid; test takes the rest (90/5/5). */
export const SPLIT_FRACTIONS: Readonly<{ train: number; valid: number }> = {
  train: 0.9,
  valid: 0.05,
};

/**
 * FNV-1a, 32-bit, over the UTF-8 bytes of `text`.
 *
 * @param text Any string.
 * @returns An unsigned 32-bit hash.
 * @example
 * ```ts
 * import { fnv1a32 } from "./split.ts";
 * fnv1a32(""); // 0x811c9dc5
 * fnv1a32("a"); // 0xe40c292c
 * ```
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The split of a normalised key: the hash divided by 2³² is a point in [0, 1); the first 90%
 * is train, the next 5% valid, the last 5% test.
 *
 * @param key A normalised key (lower-case English or romaji).
 * @returns Its split.
 * @example
 * ```ts
 * import { splitOf } from "./split.ts";
 * splitOf("computer") === splitOf("computer"); // true, always
 * ```
 */
export function splitOf(key: string): Split {
  const u = fnv1a32(key) / 2 ** 32;
  if (u < SPLIT_FRACTIONS.train) return "train";
  return u < SPLIT_FRACTIONS.train + SPLIT_FRACTIONS.valid ? "valid" : "test";
}
