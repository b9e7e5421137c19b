/**
 * Int8 quantisation with one scale per row, as I8 model files store it and as the int8 kernels
 * read it: s[i] = max |w[i, :]| / 127 and q[i, j] = round(w[i, j] / s[i]), so w ≈ q * s.
 * One function for both, so that quantising the weights of an I8 file again gives back the
 * same integers.
 *
 * @module
 */

/**
 * Quantises a matrix row by row.
 *
 * @param w (rows, cols) row-major values.
 * @param rows Rows of w.
 * @param cols Columns of w.
 * @param q Receives (rows, cols) integers in -127..127.
 * @param scales Receives (rows) scales (0 for an all-zero row).
 * @example
 * ```ts
 * import { quantizeRows } from "./quantize.ts";
 * const q = new Int8Array(2), s = new Float32Array(1);
 * quantizeRows(new Float32Array([0.5, -1]), 1, 2, q, s); // q is [64, -127], s[0] is 1 / 127
 * ```
 */
export function quantizeRows(
  w: Float32Array,
  rows: number,
  cols: number,
  q: Int8Array,
  scales: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = 0;
    for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(w[o + j]));
    const s = Math.fround(max / 127);
    scales[r] = s;
    for (let j = 0; j < cols; j++) {
      q[o + j] = s === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(w[o + j] / s)));
    }
  }
}
