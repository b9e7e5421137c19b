/**
 * What a compute backend (CPU, WebGPU) offers the decoding strategies: encode a batch of
 * sources once, then step the decoder one token at a time with a key/value cache.
 *
 * @module
 */

/** A batch being decoded: one row per hypothesis, each with its own key/value cache. */
export interface DecoderState {
  /** Number of rows being decoded now. */
  readonly rows: number;
  /**
   * Feeds one token per row at the next position and returns the logits (rows, Vt).
   * The returned buffer may be reused by the next call: copy what must be kept.
   */
  step(tokens: Int32Array): Promise<Float32Array>;
  /**
   * Re-arranges the rows (for beam search): new row i continues old row `from[i]`, with its
   * cache and its source. `from` may repeat rows and its length sets the new row count.
   */
  select(from: Int32Array): Promise<void>;
  /** Cross-attention weights of the last step, (rows, srcLen), mean over the last layer's heads. */
  crossAttention(): Promise<Float32Array>;
  /** Releases buffers (GPU memory); the state must not be used afterwards. */
  dispose(): void;
}

/** A loaded model on one compute backend. */
export interface Backend {
  /** "cpu", "wasm", "webgpu", "onnxruntime", … for reports. */
  readonly name: string;
  /**
   * Encodes `rows` sources of `srcLen` ids each (row-major, PAD-padded, EOS after the symbols)
   * and returns a decoder state positioned before the first target token.
   */
  start(src: Int32Array, rows: number, srcLen: number): Promise<DecoderState>;
}

/**
 * The precondition every {@link DecoderState.step} shares: one token per row, and a free
 * target position left.
 *
 * @param tokens The tokens given to `step`.
 * @param rows Rows being decoded.
 * @param pos Target positions already used.
 * @param maxTgtLen The model's target positions.
 * @throws {RangeError} When the token count is wrong or every position is used.
 */
export function checkStep(tokens: Int32Array, rows: number, pos: number, maxTgtLen: number): void {
  if (tokens.length !== rows) {
    throw new RangeError(`Cannot step the decoder: ${tokens.length} tokens given for ${rows} rows`);
  }
  if (pos >= maxTgtLen) {
    throw new RangeError(
      `Cannot step the decoder: all ${maxTgtLen} target positions are used`,
    );
  }
}
