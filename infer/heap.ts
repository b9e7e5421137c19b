/**
 * One growable block of float memory with a first-fit allocator. The WASM kernels can only reach
 * their own linear memory, so weights and scratch buffers live in one heap; the plain
 * TypeScript kernels use the same heap so that both paths share one forward pass.
 *
 * Growing may replace the underlying buffer (WebAssembly memory detaches its old buffer), so
 * code keeps offsets and rebuilds its views when {@link Heap.f32} returns a new array.
 *
 * @module
 */

/** A float heap: offsets and lengths count floats (4 bytes), aligned to 4 floats (16 bytes). */
export interface Heap {
  /**
   * Reserves `n` zeroed floats.
   *
   * @param n How many floats.
   * @returns The offset of the first float.
   */
  alloc(n: number): number;
  /**
   * Returns a block to the heap.
   *
   * @param offset An offset returned by {@link Heap.alloc} and not freed since.
   * @throws {RangeError} When `offset` is not a live block.
   */
  free(offset: number): void;
  /** The whole heap as floats; a new array after the heap grew. */
  f32(): Float32Array;
  /** Floats in use (live blocks, alignment included). */
  used(): number;
}

/** The storage under a heap: a buffer that can grow, keeping its contents. */
export interface HeapStorage {
  /** The current buffer. */
  buffer(): ArrayBuffer;
  /** Grows to at least `bytes` bytes. */
  grow(bytes: number): void;
}

const ALIGN = 4;

/** Rounds up to the alignment. */
function aligned(n: number): number {
  return Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;
}

/**
 * Storage over a plain ArrayBuffer that is copied into a larger one when it grows.
 *
 * @param bytes The initial size in bytes.
 * @returns The storage.
 */
export function arrayStorage(bytes = 1 << 16): HeapStorage {
  let buf = new ArrayBuffer(bytes);
  return {
    buffer: () => buf,
    grow(want) {
      if (want <= buf.byteLength) return;
      // Growing copies everything, so grow by a quarter at least.
      const next = new ArrayBuffer(Math.max(want, buf.byteLength + (buf.byteLength >> 2)));
      new Uint8Array(next).set(new Uint8Array(buf));
      buf = next;
    },
  };
}

/**
 * Storage over a WebAssembly memory (grown by whole 64 KiB pages).
 *
 * @param memory The memory the WASM kernels use.
 * @returns The storage.
 */
export function memoryStorage(memory: WebAssembly.Memory): HeapStorage {
  return {
    buffer: () => memory.buffer as ArrayBuffer,
    grow(want) {
      const have = memory.buffer.byteLength;
      if (want <= have) return;
      // WebAssembly memory grows in place (engines reserve its address space), so grow to what
      // is needed plus a little slack rather than geometrically: the slack is resident memory.
      const target = want + Math.max(1 << 20, want >> 4);
      memory.grow(Math.ceil((target - have) / 65536));
    },
  };
}

/**
 * Creates a heap over growable storage. Offset 0 is never handed out, so 0 can mean "none".
 *
 * @param storage Where the floats live.
 * @returns The heap.
 */
export function createHeap(storage: HeapStorage = arrayStorage()): Heap {
  // Free ranges sorted by offset, and the sizes of live blocks.
  const free: { at: number; n: number }[] = [];
  const live = new Map<number, number>();
  let top = ALIGN;
  let view = new Float32Array(storage.buffer());
  let inUse = 0;
  const f32 = () => {
    const buf = storage.buffer();
    if (view.buffer !== buf || view.length * 4 !== buf.byteLength) view = new Float32Array(buf);
    return view;
  };
  return {
    alloc(n) {
      if (!Number.isInteger(n) || n < 0) {
        throw new RangeError(`Cannot allocate ${n} floats: need a non-negative integer`);
      }
      const size = aligned(n);
      let at = -1;
      const i = free.findIndex((r) => r.n >= size);
      if (i >= 0) {
        at = free[i].at;
        if (free[i].n === size) free.splice(i, 1);
        else free[i] = { at: at + size, n: free[i].n - size };
        f32().fill(0, at, at + size);
      } else {
        at = top;
        top += size;
        storage.grow(top * 4);
        // Memory past the old top is zero in fresh storage, but a freed tail may be reused.
        f32().fill(0, at, at + size);
      }
      live.set(at, size);
      inUse += size;
      return at;
    },
    free(at) {
      const size = live.get(at);
      if (size === undefined) throw new RangeError(`Cannot free offset ${at}: not a live block`);
      live.delete(at);
      inUse -= size;
      let i = 0;
      while (i < free.length && free[i].at < at) i++;
      free.splice(i, 0, { at, n: size });
      // Coalesce with the neighbours, then give a free tail back to the top.
      if (i + 1 < free.length && free[i].at + free[i].n === free[i + 1].at) {
        free[i].n += free[i + 1].n;
        free.splice(i + 1, 1);
      }
      if (i > 0 && free[i - 1].at + free[i - 1].n === free[i].at) {
        free[i - 1].n += free[i].n;
        free.splice(i, 1);
      }
      const last = free[free.length - 1];
      if (last && last.at + last.n === top) {
        top = last.at;
        free.pop();
      }
    },
    f32,
    used: () => inUse,
  };
}

/**
 * Hands out consecutive aligned views of one heap block, so a struct of buffers can be laid out
 * once and rebuilt at the same offsets after the heap grows.
 */
export class Carver {
  #f32: Float32Array;
  #at: number;
  /**
   * @param f32 The heap's floats (or an empty array to only measure).
   * @param at The block's offset.
   */
  constructor(f32: Float32Array, at: number) {
    this.#f32 = f32;
    this.#at = at;
  }
  /** Takes the next `n` floats. */
  take(n: number): Float32Array {
    const v = this.#f32.subarray(this.#at, this.#at + n);
    this.#at += aligned(n);
    return v;
  }
  /** The offset after the last view taken. */
  get end(): number {
    return this.#at;
  }
}

/**
 * Measures how many floats a layout function takes.
 *
 * @param layout Builds views by calling `take` on the carver it receives.
 * @returns The floats to allocate for it.
 */
export function measure<T>(layout: (c: Carver) => T): number {
  const c = new Carver(new Float32Array(0), 0);
  layout(c);
  return c.end;
}
