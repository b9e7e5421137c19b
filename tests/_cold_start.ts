/**
 * The child process of the cold-start benchmark (`tests/bench.ts`): in a fresh Deno process,
 * import `mod.ts`, load a model, convert one word, and print one JSON line with the times of
 * each phase and the memory in use before and after.
 *
 * ```sh
 * deno run -A tests/_cold_start.ts                 # the shipped C2K model
 * deno run -A tests/_cold_start.ts file:///tmp/m.safetensors
 * ```
 *
 * @module
 */

/** What the child prints. */
export interface ColdStart {
  /** Milliseconds from the process's time origin to this module's first line. */
  runtimeMs: number;
  /** Milliseconds to import mod.ts (and everything it imports). */
  importMs: number;
  /** Milliseconds to fetch, read and validate the model and create its backend. */
  loadMs: number;
  /** Milliseconds to convert the first word (weights into the kernels' memory, then decoding). */
  firstWordMs: number;
  /** The first word's katakana. */
  kana: string;
  /** Deno.memoryUsage() at the start, after loading, and after the first word. */
  memory: { start: Deno.MemoryUsage; loaded: Deno.MemoryUsage; firstWord: Deno.MemoryUsage };
}

if (import.meta.main) {
  const runtimeMs = performance.now();
  const start = Deno.memoryUsage();
  const source = Deno.args[0];
  const t0 = performance.now();
  const { loadConverter } = await import("../mod.ts");
  const t1 = performance.now();
  const converter = await loadConverter(source ? new URL(source) : "c2k");
  const t2 = performance.now();
  const loaded = Deno.memoryUsage();
  const { kana } = await converter.convert("computer");
  const t3 = performance.now();
  const report: ColdStart = {
    runtimeMs,
    importMs: t1 - t0,
    loadMs: t2 - t1,
    firstWordMs: t3 - t2,
    kana,
    memory: { start, loaded, firstWord: Deno.memoryUsage() },
  };
  console.log(JSON.stringify(report));
}
