/**
 * An independent, deliberately naive re-implementation of the network in `model_spec.ts`, for
 * tests: float64 arrays of rows, the whole target sequence at once with explicit -1e9 masks,
 * no cache and no batching. The decoders (CPU, WebGPU) are checked against it.
 *
 * @module
 */

import type { ModelConfig } from "./model_spec.ts";

type Mat = number[][];

/** What {@link naiveForward} returns. */
export interface NaiveOutput {
  /** (Lt, Vt) logits at every target position. */
  logits: Mat;
  /** (Lt, Ls) cross-attention weights of the last decoder layer, mean over heads. */
  cross: Mat;
}

function lin(t: Map<string, Float32Array>, name: string, x: Mat): Mat {
  const w = t.get(`${name}.w`)!, b = t.get(`${name}.b`)!;
  const n = x[0].length, d = b.length;
  return x.map((row) => {
    const out: number[] = Array.from(b);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j] += row[i] * w[i * d + j];
    return out;
  });
}

function norm(t: Map<string, Float32Array>, name: string, x: Mat): Mat {
  const g = t.get(`${name}.g`)!, b = t.get(`${name}.b`)!;
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[j] + b[j]);
  });
}

function mha(
  t: Map<string, Float32Array>,
  name: string,
  heads: number,
  a: Mat,
  c: Mat,
  masked: (i: number, j: number) => boolean,
): { out: Mat; weights: Mat[] } {
  const q = lin(t, `${name}.q`, a), k = lin(t, `${name}.k`, c), v = lin(t, `${name}.v`, c);
  const d = q[0].length, dh = d / heads;
  const ctx: Mat = a.map(() => new Array(d).fill(0));
  const weights: Mat[] = [];
  for (let h = 0; h < heads; h++) {
    const cols = [...Array(dh).keys()].map((c) => h * dh + c);
    const p: Mat = q.map((qi, i) => {
      const s = k.map((kj, j) =>
        cols.reduce((acc, c) => acc + qi[c] * kj[c], 0) / Math.sqrt(dh) + (masked(i, j) ? -1e9 : 0)
      );
      const max = Math.max(...s);
      const e = s.map((x) => Math.exp(x - max));
      const sum = e.reduce((x, y) => x + y, 0);
      return e.map((x) => x / sum);
    });
    weights.push(p);
    p.forEach((pi, i) => pi.forEach((pij, j) => cols.forEach((c) => (ctx[i][c] += pij * v[j][c]))));
  }
  return { out: lin(t, `${name}.o`, ctx), weights };
}

function ff(t: Map<string, Float32Array>, prefix: string, act: string, x: Mat): Mat {
  const h = lin(t, `${prefix}.ff1`, x).map((row) =>
    row.map((a) =>
      act === "relu"
        ? Math.max(a, 0)
        : 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a ** 3)))
    )
  );
  return lin(t, `${prefix}.ff2`, h);
}

const addTo = (x: Mat, y: Mat) => x.forEach((row, i) => row.forEach((_, j) => (row[j] += y[i][j])));

function embed(table: Float32Array, pos: Float32Array, ids: number[], d: number): Mat {
  return ids.map((id, p) =>
    Array.from({ length: d }, (_, j) => table[id * d + j] + pos[p * d + j])
  );
}

/**
 * Runs the whole network on one source and one target prefix.
 *
 * @param c The config.
 * @param t The tensors by name.
 * @param src Source ids (PAD-padded, EOS after the symbols).
 * @param tgt Decoder input ids (SOS first).
 * @returns Logits and last-layer cross-attention at every target position.
 */
export function naiveForward(
  c: ModelConfig,
  t: Map<string, Float32Array>,
  src: number[],
  tgt: number[],
): NaiveOutput {
  const d = c.dModel;
  const padKey = (_i: number, j: number) => src[j] === 0;
  const x = embed(t.get("src_embed")!, t.get("src_pos")!, src, d);
  for (let l = 0; l < c.encLayers; l++) {
    const a = norm(t, `enc.${l}.ln1`, x);
    addTo(x, mha(t, `enc.${l}.attn`, c.heads, a, a, padKey).out);
    addTo(x, ff(t, `enc.${l}`, c.activation, norm(t, `enc.${l}.ln2`, x)));
  }
  const mem = norm(t, "enc.ln", x);
  let y = embed(t.get("tgt_embed")!, t.get("tgt_pos")!, tgt, d);
  let cross: Mat[] = [];
  for (let l = 0; l < c.decLayers; l++) {
    const a = norm(t, `dec.${l}.ln1`, y);
    addTo(y, mha(t, `dec.${l}.self`, c.heads, a, a, (i, j) => j > i).out);
    const r = mha(t, `dec.${l}.cross`, c.heads, norm(t, `dec.${l}.ln2`, y), mem, padKey);
    addTo(y, r.out);
    cross = r.weights;
    addTo(y, ff(t, `dec.${l}`, c.activation, norm(t, `dec.${l}.ln3`, y)));
  }
  y = norm(t, "dec.ln", y);

  return {
    logits: lin(t, "out", y),
    cross: tgt.map((_, i) =>
      src.map((_, j) => cross.reduce((a, p) => a + p[i][j], 0) / cross.length)
    ),
  };
}
