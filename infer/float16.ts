/**
 * IEEE 754 half-precision conversion, written out so that it runs where `Float16Array` does not
 * exist yet.
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Rounds a number to the nearest half-precision value (ties to even) and returns its bits.
 *
 * @param x The value; out-of-range values become ±Infinity, NaN stays NaN.
 * @returns The 16 bits.
 */
export function toHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit, rounding to even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && (out & 1))) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Rounding may carry into the exponent, which is still the right answer (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1))) out++;
  return sign | out;
}

/**
 * Converts half-precision bits to a number.
 *
 * @param h The 16 bits.
 * @returns The value.
 */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | undefined;

/**
 * Converts many half-precision values at once (a 65536-entry table, built on first use, makes
 * this a lookup per value: loading an f16 model is dominated by it).
 *
 * @param halves The 16-bit patterns.
 * @param out Receives the values; at least as long as `halves`.
 * @returns `out`.
 */
export function halvesToFloats(halves: Uint16Array, out: Float32Array): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromHalf(h);
  }
  const t = table;
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]];
  return out;
}
