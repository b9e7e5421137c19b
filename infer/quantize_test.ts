import { assert } from "../deps/assert.ts";
import { quantizeRows } from "./quantize.ts";
import { seededRandom } from "./_test_model.ts";

Deno.test("quantizeRows() maps each row's largest magnitude to ±127 and rounds halves up", () => {
  const q = new Int8Array(8), s = new Float32Array(2);
  quantizeRows(new Float32Array([0.5, -1, 0.25, 0, 0, 0, 0, 0]), 2, 4, q, s);
  assert.deepEqual([...q], [64, -127, 32, 0, 0, 0, 0, 0]);
  assert.deepEqual([...s], [Math.fround(1 / 127), 0]);
});

Deno.test("quantizeRows() gives back the same integers for weights it dequantised", () => {
  const rand = seededRandom(3);
  const rows = 64, cols = 48;
  const w = new Float32Array(rows * cols).map(() => (rand() - 0.5) * 3);
  const q = new Int8Array(w.length), s = new Float32Array(rows);
  quantizeRows(w, rows, cols, q, s);
  const back = new Float32Array(w.length).map((_, i) => q[i] * s[Math.floor(i / cols)]);
  const q2 = new Int8Array(w.length), s2 = new Float32Array(rows);
  quantizeRows(back, rows, cols, q2, s2);
  assert.deepEqual(q2, q);
  assert.deepEqual(s2, s);
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs(back[i] - w[i]) <= s[Math.floor(i / cols)] / 2 + 1e-7, `${i}`);
  }
});

Deno.test("quantizeRows() writes panels of columns when asked", () => {
  const w = new Float32Array([1, 2, 3, -4, 5, 6]); // (2, 3)
  const rowMajor = new Int8Array(6), panels = new Int8Array(8).fill(99);
  const s = new Float32Array(2);
  quantizeRows(w, 2, 3, rowMajor, s);
  quantizeRows(w, 2, 3, panels, s, 2);
  // Panel 0: columns 0-1 of rows 0 and 1; panel 1: column 2 and a pad column left alone.
  const [a, b, c, d, e, f] = rowMajor;
  assert.deepEqual([...panels], [a, b, d, e, c, 99, f, 99]);
});
