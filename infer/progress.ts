/**
 * A progress bar for long work (dataset builds, training epochs, large conversions):
 * done/total, rate, ETA and free-form fields, redrawn at most every 100 ms on one line.
 * Dependency-free: it writes through a callback, so it runs anywhere.
 *
 * @module
 */

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Units counted, shown after the rate ("words", "tokens", "steps"). */
  unit?: string;
  /** Where to draw; defaults to nothing (a silent bar). Receives text with "\r" redraws. */
  write?: (text: string) => void;
  /** Width of the bar in characters. */
  width?: number;
  /** Clock in milliseconds (injectable for tests). */
  now?: () => number;
}

/** A running progress bar. */
export interface Progress {
  /** Advances by `n` units and sets fields such as `{ loss: "1.23" }` shown after the bar. */
  tick(n?: number, fields?: Record<string, string>): void;
  /** Draws the final state and a newline. */
  done(): void;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, "0");
  return s >= 3600
    ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`
    : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/**
 * Starts a progress bar over `total` units.
 *
 * @example Counting words
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const bar = createProgress(3, { unit: "words", write: (t) => lines.push(t) });
 * bar.tick(3);
 * bar.done();
 * ```
 */
export function createProgress(total: number, options: ProgressOptions = {}): Progress {
  const { unit = "it", write = () => {}, width = 24, now = () => performance.now() } = options;
  const start = now();
  let count = 0;
  let last = -Infinity;
  let extra = "";
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    const elapsed = (t - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const frac = total > 0 ? Math.min(1, count / total) : 0;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const eta = rate > 0 ? (total - count) / rate : Infinity;
    const rateText = rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
    write(
      `\r${bar} ${count}/${total} ${(frac * 100).toFixed(0)}% ${rateText} ${unit}/s ` +
        `${duration(elapsed)}<${duration(eta)}${extra}\x1b[K`,
    );
  };
  return {
    tick(n = 1, fields) {
      count += n;
      if (fields) extra = " " + Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(" ");
      draw(false);
    },
    done() {
      draw(true);
      write("\n");
    },
  };
}
