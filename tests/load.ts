/**
 * A load test of the HTTP handler on loopback (a script, not a test file): N clients send
 * `GET /v1/convert?text=WORD` back to back for a fixed time against `deno task serve` started
 * in a child process (or against `--url`), and the report gives requests/s, latency
 * percentiles, errors (non-2xx answers) and lost responses (requests that got no answer).
 *
 * ```sh
 * deno run -A tests/load.ts                      # 50 clients, 20 s, shipped model if present
 * deno run -A tests/load.ts --clients 10 --duration 5 --json
 * deno run -A tests/load.ts --model tiny        # a tiny random model: the handler's overhead
 * deno run -A tests/load.ts --url http://127.0.0.1:8000
 * ```
 *
 * `deno task bench` can call {@link runLoadBench}. The loop is bounded by time and by a
 * per-request timeout, so it always ends.
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import { randomModelBytes, shippedModelBytes } from "./_http_fixture.ts";

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The server's origin, e.g. "http://127.0.0.1:8000". */
  origin: string;
  /** Clients sending requests back to back; default 50. */
  clients?: number;
  /** How long to send, in milliseconds; default 20,000. */
  durationMs?: number;
  /** How long one request may take before it counts as lost; default 10,000 ms. */
  timeoutMs?: number;
  /** Words to convert, taken in turn; default a list of 64 common loanwords. */
  words?: readonly string[];
}

/** What a load run measured. */
export interface LoadReport {
  /** Clients. */
  clients: number;
  /** Seconds from the first request to the last answer. */
  seconds: number;
  /** Requests sent. */
  requests: number;
  /** Answers with status 2xx and a JSON body holding katakana. */
  ok: number;
  /** Answers with another status or an unreadable body. */
  errors: number;
  /** Requests that got no answer: connection failures and timeouts. */
  lost: number;
  /** Completed answers per second. */
  requestsPerSecond: number;
  /** Latency percentiles of answered requests, in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Answers by status code. */
  statuses: Record<string, number>;
}

const WORDS = (
  "computer keyboard internet server network software hardware printer monitor mouse " +
  "camera video audio music piano guitar coffee orange banana tomato lemon chocolate " +
  "cheese butter bread pizza pasta salad hotel taxi bus train ticket energy battery " +
  "robot rocket engine motor sensor laser radio stereo speaker cable signal data memory " +
  "cloud cluster kernel driver module package version update download upload password " +
  "account message service"
).split(" ");

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Runs the load: every client sends one request, waits for the whole answer, and sends the
 * next, until the time is up.
 *
 * @param options Target, clients, duration, timeout and words.
 * @returns The report.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { origin, clients = 50, durationMs = 20_000, timeoutMs = 10_000 } = options;
  const words = options.words ?? WORDS;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0, ok = 0, errors = 0, lost = 0, next = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const word = words[next++ % words.length];
      requests++;
      const start = performance.now();
      try {
        const res = await fetch(`${origin}/v1/convert?text=${encodeURIComponent(word)}`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await res.text();
        latencies.push(performance.now() - start);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        let good = false;
        try {
          good = res.ok && typeof JSON.parse(body).kana === "string";
        } catch { /* counted below */ }
        if (good) ok++;
        else errors++;
      } catch {
        lost++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    clients,
    seconds: round(seconds),
    requests,
    ok,
    errors,
    lost,
    requestsPerSecond: round((ok + errors) / seconds),
    latencyMs: {
      p50: round(percentile(latencies, 0.5)),
      p90: round(percentile(latencies, 0.9)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? NaN),
    },
    statuses,
  };
}

/** A `deno task serve` child process. */
export interface ServerProcess {
  /** Its origin. */
  origin: string;
  /** Which model it serves: "shipped" or "random (test fixture)". */
  model: string;
  /** Sends SIGINT and waits for a clean exit; returns the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `infer/serve.ts` on a free loopback port with the shipped C2K model, or a random
 * one of the default size when none is shipped yet (its outputs are noise, its cost is real).
 *
 * @param extraArgs More flags for the server.
 * @param size The shipped model (default; a default-size random one until it exists), or a
 *   random "tiny" or "default"-size one.
 * @returns The running server.
 * @throws {Error} When it does not print its address within 30 s.
 */
export async function startServer(
  extraArgs: string[] = [],
  size: "shipped" | "tiny" | "default" = "shipped",
): Promise<ServerProcess> {
  const shipped = size === "shipped" ? shippedModelBytes("c2k") : undefined;
  const random = size === "tiny" ? "tiny" : "default";
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c2k.safetensors`;
  await Deno.writeFile(path, shipped ?? randomModelBytes("c2k", 7, random));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "infer/serve.ts", "--port", "0", "--model", `c2k=${path}`, ...extraArgs],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let origin: string | undefined;
  while (!(origin = /Listening on (http:\/\/[^/\s]+)/.exec(out)?.[1])) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  clearTimeout(timer);
  if (!origin) throw new Error(`The server did not start: ${out}`);
  // Keep draining stdout so that the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    origin,
    model: shipped
      ? "shipped models/c2k.safetensors"
      : random === "tiny"
      ? "random tiny model (d 16, 2+2 layers): the handler's own overhead"
      : "random model of the default size (d 256, 3+3 layers, fp16)",
    stop: async () => {
      child.kill("SIGINT");
      const { code } = await child.status;
      await Deno.remove(dir, { recursive: true });
      return code;
    },
  };
}

/**
 * Starts a server, runs the load against it, and stops it: the entry for `deno task bench`.
 *
 * @param options Clients and duration (default 50 clients for 20 s), and the model: the
 *   shipped one (default; a default-size random one until it exists), or a random "tiny" or
 *   "default"-size one.
 * @returns The report, the model used, and the server's exit code after SIGINT (0 = clean).
 */
export async function runLoadBench(
  options: Omit<LoadOptions, "origin"> & { model?: "shipped" | "tiny" | "default" } = {},
): Promise<LoadReport & { model: string; serverExit: number }> {
  const server = await startServer([], options.model);
  try {
    const report = await runLoad({ ...options, origin: server.origin });
    return { ...report, model: server.model, serverExit: await server.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

function format(r: LoadReport & { model?: string }): string {
  return [
    `model            ${r.model ?? "(external server)"}`,
    `clients          ${r.clients}`,
    `duration         ${r.seconds} s`,
    `requests         ${r.requests}`,
    `answered ok      ${r.ok}`,
    `errors           ${r.errors}`,
    `lost responses   ${r.lost}`,
    `requests/s       ${r.requestsPerSecond}`,
    `latency p50      ${r.latencyMs.p50} ms`,
    `latency p90      ${r.latencyMs.p90} ms`,
    `latency p99      ${r.latencyMs.p99} ms`,
    `latency max      ${r.latencyMs.max} ms`,
    `statuses         ${JSON.stringify(r.statuses)}`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      clients: { type: "string", default: "50" },
      duration: { type: "string", default: "20" },
      url: { type: "string" },
      model: { type: "string", default: "shipped" },
      json: { type: "boolean", default: false },
    },
  });
  const clients = Number(values.clients), durationMs = Number(values.duration) * 1000;
  const model = values.model as "shipped" | "tiny" | "default";
  if (
    !Number.isInteger(clients) || clients < 1 || !(durationMs > 0) || durationMs > 600_000 ||
    !["shipped", "tiny", "default"].includes(model)
  ) {
    console.error(
      "error: --clients must be a positive integer, --duration 1..600 seconds, " +
        "--model shipped, tiny or default",
    );
    Deno.exit(1);
  }
  const report = values.url
    ? await runLoad({ origin: values.url.replace(/\/$/, ""), clients, durationMs })
    : await runLoadBench({ clients, durationMs, model });
  console.log(values.json ? JSON.stringify(report) : format(report));
  Deno.exit(report.errors === 0 && report.lost === 0 ? 0 : 1);
}
