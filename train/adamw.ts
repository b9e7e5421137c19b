/**
 * AdamW (Loshchilov & Hutter) as graph nodes, in PyTorch's arithmetic:
 * p ← p·(1 − lr·wd); m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 * p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps).
 * The bias corrections are folded into two scalars per step (step size and eps), and a
 * global-norm clip scale c into the moment coefficients ((1 − β1)c and (1 − β2)c²), so each
 * parameter costs about a dozen element-wise passes and nothing else.
 *
 * @module
 */

import type { Graph, Tensor } from "./onnx/graph.ts";

/** Per-step scalars shared by every parameter update. */
export interface AdamWScalars {
  /** β1 as a constant. */
  beta1: Tensor;
  /** β2 as a constant. */
  beta2: Tensor;
  /** (1 − β1)·clip scale. */
  c1: Tensor;
  /** (1 − β2)·clip scale². */
  c2: Tensor;
  /** lr·√(1 − β2ᵗ)/(1 − β1ᵗ). */
  stepSize: Tensor;
  /** eps·√(1 − β2ᵗ). */
  epsHat: Tensor;
  /** 1 − lr·wd (null: no decay configured). */
  decay: Tensor | null;
}

/** Hyper-parameters of {@link adamwScalars}. */
export interface AdamWConfig {
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Denominator epsilon. */
  eps: number;
  /** Decoupled weight decay (0 = none). */
  weightDecay: number;
}

/**
 * The per-step scalars from the learning rate, the 1-based step and the clip scale.
 *
 * @param g the graph
 * @param cfg hyper-parameters
 * @param lr scalar tensor
 * @param step scalar tensor, 1 for the first update
 * @param clipScale scalar tensor multiplying the gradients (1 when not clipping)
 * @returns the scalars
 */
export function adamwScalars(
  g: Graph,
  cfg: AdamWConfig,
  lr: Tensor,
  step: Tensor,
  clipScale: Tensor,
): AdamWScalars {
  const f = g.float;
  const s = (op: string, a: Tensor, b: Tensor) => g.node(op, [a, b], [{ dtype: f, shape: [] }])[0];
  const k = (v: number) => g.constant(v);
  const bc1 = s("Sub", k(1), s("Pow", k(cfg.beta1), step));
  const sqrtBc2 = g.node("Sqrt", [s("Sub", k(1), s("Pow", k(cfg.beta2), step))], [{
    dtype: f,
    shape: [],
  }])[0];
  return {
    beta1: k(cfg.beta1),
    beta2: k(cfg.beta2),
    c1: s("Mul", k(1 - cfg.beta1), clipScale),
    c2: s("Mul", k(1 - cfg.beta2), s("Mul", clipScale, clipScale)),
    stepSize: s("Div", s("Mul", lr, sqrtBc2), bc1),
    epsHat: s("Mul", k(cfg.eps), sqrtBc2),
    decay: cfg.weightDecay > 0 ? s("Sub", k(1), s("Mul", lr, k(cfg.weightDecay))) : null,
  };
}

/**
 * One parameter's update.
 *
 * @param g the graph
 * @param k the step's scalars
 * @param p parameter
 * @param grad its gradient (unclipped: the clip scale is in k)
 * @param m first moment
 * @param v second moment
 * @param decayed whether weight decay applies to this parameter
 * @param names output names for the new parameter and moments (fresh names by default)
 * @returns the new parameter and moments
 */
export function adamwUpdate(
  g: Graph,
  k: AdamWScalars,
  p: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  decayed: boolean,
  names: { p?: string; m?: string; v?: string } = {},
): { p: Tensor; m: Tensor; v: Tensor } {
  const t = (name?: string) => [{ dtype: p.dtype, shape: p.shape, name }];
  const op = (kind: string, a: Tensor, b: Tensor, name?: string) =>
    g.node(kind, [a, b], t(name))[0];
  const m1 = op("Add", op("Mul", m, k.beta1), op("Mul", grad, k.c1), names.m);
  const v1 = op("Add", op("Mul", v, k.beta2), op("Mul", op("Mul", grad, grad), k.c2), names.v);
  const denom = op("Add", g.node("Sqrt", [v1], t())[0], k.epsHat);
  const delta = op("Mul", op("Div", m1, denom), k.stepSize);
  const base = decayed && k.decay ? op("Mul", p, k.decay) : p;
  return { p: op("Sub", base, delta, names.p), m: m1, v: v1 };
}
