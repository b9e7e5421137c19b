/**
 * Int8 quantisation with one scale per row, as I8 model files store it and as the int8 kernels
 * read it: s[i] = max |w[i, :]| / 127 and q[i, j] = round(w[i, j] / s[i]) (halves up), so
 * w ≈ q * s.
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
 * @param q Receives (rows, cols) integers in -127..127: row-major, or in panels of `panel`
 *   columns (panel p holds columns p*panel … of every row, contiguous, as the WASM kernels
 *   read them; pad columns past `cols` are left as they are).
 * @param scales Receives (rows) scales (0 for an all-zero row).
 * @param panel Columns per panel, or 0 for row-major.
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
  panel = 0,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = 0;
    for (let j = 0; j < cols; j++) {
      const v = w[o + j], a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
    const s = Math.fround(max / 127);
    scales[r] = s;
    // Multiplying by the inverse and rounding with floor(v + 0.5) is several times faster than
    // dividing and Math.round, which matters at load; q * s still quantises back to q.
    const inv = s === 0 ? 0 : 1 / s;
    for (let j = 0; j < cols; j++) {
      let v = Math.floor(w[o + j] * inv + 0.5);
      if (v > 127) v = 127;
      else if (v < -127) v = -127;
      q[panel ? Math.floor(j / panel) * rows * panel + r * panel + (j % panel) : o + j] = v;
    }
  }
}
