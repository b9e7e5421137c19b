/**
 * The model contract between `train/` and `infer/`: the config type and every tensor's name
 * and shape. Export (train) and the readers (infer) both import this file, so the two sides
 * cannot drift apart silently.
 *
 * The network is a Pre-LN Transformer encoder–decoder. In the notation below, `d` = dModel,
 * `h` = heads, `dh` = d / h, `f` = dFF, `Vs`/`Vt` = source/target vocabulary sizes,
 * `Ls`/`Lt` = maxSrcLen/maxTgtLen. Matrices are stored (in, out): y = x @ W + b.
 *
 * ```text
 * source ids s (Ls)   = symbols, then EOS, then PAD
 * x  = src_embed[s] + src_pos[0..]                       (Ls, d)
 * per encoder layer:  x += MHA(LN1(x), LN1(x), key mask = s != PAD)
 *                     x += FF(LN2(x))
 * mem = enc.ln(x)                                         (Ls, d)
 * target in t (Lt)    = SOS, then katakana ids
 * y  = tgt_embed[t] + tgt_pos[0..]                       (Lt, d)
 * per decoder layer:  y += MHA(LN1(y), LN1(y), causal mask)
 *                     y += MHA(LN2(y), mem, key mask = s != PAD)   (cross-attention)
 *                     y += FF(LN3(y))
 * logits = dec.ln(y) @ out.w + out.b                      (Lt, Vt)
 * MHA(a, c): q = a@wq+bq, k = c@wk+bk, v = c@wv+bv, split into h heads of dh columns
 *            (head i = columns i*dh … (i+1)*dh-1), softmax(q k^T / sqrt(dh) + mask) v,
 *            heads concatenated, then @wo + bo. Masked scores are -1e9 before the softmax.
 * FF(a) = act(a@w1 + b1) @ w2 + b2, act = relu, or gelu in its tanh form:
 *         0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))
 * LN(a) = (a - mean) / sqrt(var + 1e-5) * g + b, over the last axis (population variance)
 * ```
 *
 * @module
 */

/** Which input a model reads. */
export type Task = "c2k" | "p2k";

/** The feed-forward activation. */
export type Activation = "relu" | "gelu";

/** Everything needed to build the network, stored in the model file's metadata. */
export interface ModelConfig {
  /** Which input the model reads: spelling (c2k) or ARPAbet phonemes (p2k). */
  task: Task;
  /** Width of every residual stream vector. */
  dModel: number;
  /** Attention heads; dModel must be divisible by it. */
  heads: number;
  /** Encoder layers. */
  encLayers: number;
  /** Decoder layers. */
  decLayers: number;
  /** Hidden width of the feed-forward blocks. */
  dFF: number;
  /** Feed-forward activation. */
  activation: Activation;
  /** Longest source, EOS included: the rows of src_pos. */
  maxSrcLen: number;
  /** Longest decoder input, SOS included: the rows of tgt_pos. */
  maxTgtLen: number;
  /** Source symbols by id (0..2 are <pad>, <s>, </s>). */
  srcVocab: string[];
  /** Target symbols by id (0..2 are <pad>, <s>, </s>). */
  tgtVocab: string[];
}

/** Version of the model file layout; readers reject other versions. */
export const FORMAT_VERSION = 1;

/** The `__metadata__` key under which the JSON-encoded {@link ModelMeta} is stored. */
export const META_KEY = "e2k";

/** What a model file's metadata holds (JSON under {@link META_KEY}). */
export interface ModelMeta {
  /** Always "e2k-model". */
  format: "e2k-model";
  /** {@link FORMAT_VERSION} at the time of writing. */
  version: number;
  /** The network's shape and vocabularies. */
  config: ModelConfig;
  /** CRC-32 of the tensor payload (all bytes after the header), as 8 lower-case hex digits. */
  crc32: string;
  /** Free-form facts: data hash, training run, metrics on the test split. */
  info?: Record<string, unknown>;
}

/** A tensor's name with its shape. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

function linear(prefix: string, rows: number, cols: number): TensorSpec[] {
  return [{ name: `${prefix}.w`, shape: [rows, cols] }, { name: `${prefix}.b`, shape: [cols] }];
}

function layerNorm(prefix: string, d: number): TensorSpec[] {
  return [{ name: `${prefix}.g`, shape: [d] }, { name: `${prefix}.b`, shape: [d] }];
}

function attention(prefix: string, d: number): TensorSpec[] {
  return ["q", "k", "v", "o"].flatMap((p) => linear(`${prefix}.${p}`, d, d));
}

function feedForward(prefix: string, d: number, f: number): TensorSpec[] {
  return [...linear(`${prefix}.ff1`, d, f), ...linear(`${prefix}.ff2`, f, d)];
}

/**
 * Every parameter tensor of a model, in a fixed order, with its shape.
 *
 * Names: `src_embed` (Vs, d), `src_pos` (Ls, d), `tgt_embed` (Vt, d), `tgt_pos` (Lt, d);
 * `enc.{i}.ln1|ln2.{g,b}`, `enc.{i}.attn.{q,k,v,o}.{w,b}`, `enc.{i}.ff1|ff2.{w,b}`, `enc.ln`;
 * `dec.{i}.ln1|ln2|ln3`, `dec.{i}.self.*`, `dec.{i}.cross.*`, `dec.{i}.ff1|ff2`, `dec.ln`;
 * `out.{w,b}` (d, Vt).
 */
export function tensorSpecs(c: ModelConfig): TensorSpec[] {
  const d = c.dModel;
  const specs: TensorSpec[] = [
    { name: "src_embed", shape: [c.srcVocab.length, d] },
    { name: "src_pos", shape: [c.maxSrcLen, d] },
    { name: "tgt_embed", shape: [c.tgtVocab.length, d] },
    { name: "tgt_pos", shape: [c.maxTgtLen, d] },
  ];
  for (let i = 0; i < c.encLayers; i++) {
    const p = `enc.${i}`;
    specs.push(...layerNorm(`${p}.ln1`, d), ...attention(`${p}.attn`, d));
    specs.push(...layerNorm(`${p}.ln2`, d), ...feedForward(p, d, c.dFF));
  }
  specs.push(...layerNorm("enc.ln", d));
  for (let i = 0; i < c.decLayers; i++) {
    const p = `dec.${i}`;
    specs.push(...layerNorm(`${p}.ln1`, d), ...attention(`${p}.self`, d));
    specs.push(...layerNorm(`${p}.ln2`, d), ...attention(`${p}.cross`, d));
    specs.push(...layerNorm(`${p}.ln3`, d), ...feedForward(p, d, c.dFF));
  }
  specs.push(...layerNorm("dec.ln", d), ...linear("out", d, c.tgtVocab.length));
  return specs;
}

/** Checks a config's numbers; throws a RangeError naming the first bad field. */
export function validateConfig(c: ModelConfig): void {
  const positive = ["dModel", "heads", "encLayers", "decLayers", "dFF", "maxSrcLen", "maxTgtLen"];
  for (const key of positive) {
    const v = (c as unknown as Record<string, unknown>)[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`Invalid model config: "${key}" must be a positive integer, got ${v}`);
    }
  }
  if (c.dModel % c.heads !== 0) {
    throw new RangeError(
      `Invalid model config: dModel ${c.dModel} is not divisible by heads ${c.heads}`,
    );
  }
  if (c.task !== "c2k" && c.task !== "p2k") {
    throw new RangeError(`Invalid model config: unknown task "${c.task}"`);
  }
  if (c.activation !== "relu" && c.activation !== "gelu") {
    throw new RangeError(`Invalid model config: unknown activation "${c.activation}"`);
  }
  for (const key of ["srcVocab", "tgtVocab"] as const) {
    if (!Array.isArray(c[key]) || c[key].length < 4) {
      throw new RangeError(`Invalid model config: "${key}" must list at least 4 symbols`);
    }
  }
}
