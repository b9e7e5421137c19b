/**
 * The command line: `deno task convert [options] [WORD...]` converts words given as
 * arguments, in a file (`--file`), or on stdin, one per line, and prints one line per input
 * line in the same order: the word, a tab, the katakana (`--json`: one JSON object a line).
 *
 * @example
 * ```sh
 * deno task convert computer "New York" FBI
 * deno task convert --model p2k "K AH0 M P Y UW1 T ER0"
 * deno task convert --model both "florida F L AO1 R AH0 D AH0"
 * deno task convert --strategy beam --nbest 3 --json < words.txt
 * ```
 *
 * @module
 */

import { parseArgs } from "../deps/args.ts";
import {
  type Conversion,
  type ConvertOptions,
  loadConverter,
  type LoadOptions,
  type ModelSource,
  type TextConversion,
} from "./converter.ts";
import { convertWithPhones } from "./combine.ts";
import { createProgress } from "./progress.ts";

const HELP = `Usage: deno task convert [options] [WORD...]

Converts English words to katakana. Words come from the arguments, else from --file, else
from stdin (one per line). Prints one line per input line, in order: the word, a tab, the
katakana (more tabs and candidates with --nbest); a line that cannot be converted gets an
empty reading and a message on stderr, and the exit status is 1. A reading cut at the
maximum length is reported on stderr ("incomplete": true with --json).

Options:
  -m, --model NAME|PATH|URL  c2k (default, spelling), p2k (ARPAbet: "K AH0 M P Y UW1 T ER0"),
                             both (each line: a word, then its ARPAbet; both models
                             re-rank each other's beams), or a model file
  -f, --file FILE            read words from FILE, one per line
      --text                 treat each line as running text (split into words; c2k only)
      --json                 print one JSON object per line
  -s, --strategy NAME        greedy (default), beam, top_k or top_p
      --beam N               beam width (default 4)
      --alpha A              beam length normalisation (default 1)
      --nbest N              candidates per word (beam, or distinct samples)
      --k N                  top_k: candidates per step (default 5)
      --p P                  top_p: probability mass kept (default 0.9)
      --temperature T        sampling temperature (default 1)
      --seed N               sampling seed (default: random)
      --max-length N         most katakana per word (default: from the word's length)
      --on-invalid MODE      pass (default) or error: characters the model cannot read
      --acronyms MODE        spell (default: FBI → エフビーアイ) or model
      --attention            include cross-attention weights (with --json)
      --backend NAME         cpu (default), webgpu or auto
      --kernels NAME         wasm (default) or ts
      --batch N              words decoded together (default 64)
      --progress             always show a progress bar (default: on a terminal, 100+ lines)
      --no-progress          never show it
  -h, --help                 show this help
`;

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIO {
  /** Standard input, read when no words or file are given. */
  stdin: ReadableStream<Uint8Array>;
  /** Writes to standard output (synchronously, so that output keeps its order). */
  stdout: (text: string) => void;
  /** Writes to standard error (synchronously). */
  stderr: (text: string) => void;
  /** Whether standard error is a terminal (for the default progress bar). */
  stderrIsTerminal: boolean;
}

/** A command-line mistake: printed with the usage hint, exit status 2. */
class UsageError extends Error {}

interface Flags {
  source: string;
  load: LoadOptions;
  convert: ConvertOptions;
  file?: string;
  text: boolean;
  json: boolean;
  progress?: boolean;
  words: string[];
}

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`Invalid --${name} "${value}": expected an integer ≥ ${min}`);
  }
  return Number(value);
}

function number(name: string, value: string | undefined, ok: (x: number) => boolean, want: string) {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || !ok(x)) {
    throw new UsageError(`Invalid --${name} "${value}": expected ${want}`);
  }
  return x;
}

function choice<T extends string>(name: string, value: string | undefined, values: T[]) {
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) {
    throw new UsageError(`Invalid --${name} "${value}": use ${values.join(", ")}`);
  }
  return value as T;
}

function parseFlags(args: string[]): Flags | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: "string", short: "m" },
        file: { type: "string", short: "f" },
        text: { type: "boolean" },
        json: { type: "boolean" },
        strategy: { type: "string", short: "s" },
        beam: { type: "string" },
        alpha: { type: "string" },
        nbest: { type: "string" },
        k: { type: "string" },
        p: { type: "string" },
        temperature: { type: "string" },
        seed: { type: "string" },
        "max-length": { type: "string" },
        "on-invalid": { type: "string" },
        acronyms: { type: "string" },
        attention: { type: "boolean" },
        backend: { type: "string" },
        kernels: { type: "string" },
        batch: { type: "string" },
        progress: { type: "boolean" },
        "no-progress": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.file !== undefined && parsed.positionals.length > 0) {
    throw new UsageError("Give words as arguments or --file, not both");
  }
  if (v.progress && v["no-progress"]) {
    throw new UsageError("Give --progress or --no-progress, not both");
  }
  if (v.model === "both" && v.text) {
    throw new UsageError(
      "--text reads running text with c2k; --model both reads word + ARPAbet lines",
    );
  }
  return {
    source: v.model ?? "c2k",
    load: {
      backend: choice("backend", v.backend, ["cpu", "webgpu", "auto"]),
      kernels: choice("kernels", v.kernels, ["wasm", "ts"]),
    },
    convert: {
      strategy: choice("strategy", v.strategy, ["greedy", "beam", "top_k", "top_p"]),
      beamWidth: integer("beam", v.beam, 1),
      alpha: number("alpha", v.alpha, (x) => x >= 0, "a number ≥ 0"),
      nbest: integer("nbest", v.nbest, 1),
      k: integer("k", v.k, 1),
      p: number("p", v.p, (x) => x > 0 && x <= 1, "a number in (0, 1]"),
      temperature: number("temperature", v.temperature, (x) => x > 0, "a number > 0"),
      seed: integer("seed", v.seed, 0),
      maxLength: integer("max-length", v["max-length"], 1),
      onInvalid: choice("on-invalid", v["on-invalid"], ["pass", "error"]),
      acronyms: choice("acronyms", v.acronyms, ["spell", "model"]),
      attention: v.attention,
      batchSize: integer("batch", v.batch, 1),
    },
    file: v.file,
    text: v.text ?? false,
    json: v.json ?? false,
    progress: v.progress ? true : v["no-progress"] ? false : undefined,
    words: parsed.positionals,
  };
}

async function modelSource(model: string): Promise<ModelSource> {
  if (model === "c2k" || model === "p2k") return model;
  if (/^(https?|file):/.test(model)) return new URL(model);
  try {
    return await Deno.readFile(model);
  } catch (e) {
    throw new Error(
      `Cannot read model file "${model}": ${(e as Error).message}; ` +
        "use --model c2k, --model p2k, a model file or a URL",
    );
  }
}

async function readLines(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(stream).text();
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop(); // the final newline ends the last line
  return lines;
}

async function inputLines(flags: Flags, io: CliIO): Promise<string[]> {
  if (flags.words.length > 0) return flags.words;
  if (flags.file !== undefined) {
    try {
      return await readLines((await Deno.open(flags.file)).readable);
    } catch (e) {
      throw new Error(`Cannot read --file "${flags.file}": ${(e as Error).message}`);
    }
  }
  return await readLines(io.stdin);
}

/** What one line gives: a conversion, a text conversion, or an empty reading of a blank line. */
type Result = Conversion | TextConversion | { input: string; kana: string };
type Outcome = { ok: true; result: Result } | { ok: false; error: string };

function incomplete(r: Result): boolean {
  return "words" in r ? r.words.some((w) => w.incomplete) : "incomplete" in r && r.incomplete;
}

function format(line: string, outcome: Outcome, json: boolean): string {
  if (!outcome.ok) {
    return json ? JSON.stringify({ input: line, error: outcome.error }) : `${line}\t`;
  }
  const r = outcome.result;
  if (json) return JSON.stringify(r);
  if (line.trim() === "") return line;
  const list = "nbest" in r && r.nbest && r.nbest.length > 1 ? r.nbest : undefined;
  return `${line}\t${list ? list.map((x) => x.kana).join("\t") : r.kana}`;
}

/** What the command converts lines with: one model, or both (`--model both`). */
interface Lines {
  one(line: string): Promise<Result>;
  many(lines: string[]): Promise<Result[]>;
  dispose(): void;
}

async function modelLines(flags: Flags): Promise<Lines> {
  const c = await loadConverter(await modelSource(flags.source), flags.load);
  const one = (line: string): Promise<Result> =>
    flags.text ? c.convertText(line, flags.convert) : c.convert(line, flags.convert);
  return {
    one,
    many: (lines) =>
      flags.text ? Promise.all(lines.map(one)) : c.convertBatch(lines, flags.convert),
    dispose: () => c.dispose(),
  };
}

// `--model both`: each line is a word, then its ARPAbet ("florida F L AO1 R AH0 D AH0").
async function bothLines(flags: Flags): Promise<Lines> {
  const [c2k, p2k] = await Promise.all([
    loadConverter("c2k", flags.load),
    loadConverter("p2k", flags.load),
  ]);
  const one = async (line: string): Promise<Result> => {
    const [word, ...phones] = line.trim().split(/\s+/);
    if (phones.length === 0) {
      throw new TypeError(
        `Cannot convert "${line}" with both models: give the word, then its ARPAbet ` +
          '("florida F L AO1 R AH0 D AH0")',
      );
    }
    const { beamWidth, nbest } = flags.convert;
    const r = await convertWithPhones(c2k, p2k, word, phones, { beamWidth });
    // Candidates only when asked for, as with one model.
    return nbest === undefined
      ? { ...r, nbest: undefined }
      : { ...r, nbest: r.nbest?.slice(0, nbest) };
  };
  return {
    one,
    many: async (lines) => {
      const out: Result[] = [];
      for (const line of lines) out.push(await one(line));
      return out;
    },
    dispose: () => (c2k.dispose(), p2k.dispose()),
  };
}

// Converts one chunk of lines; if the batch fails, line by line, so one bad line costs only
// its own output.
async function convertChunk(c: Lines, lines: string[]): Promise<Outcome[]> {
  const todo = lines.map((line, i) => ({ line, i })).filter((x) => x.line.trim() !== "");
  const out: Outcome[] = lines.map((input) => ({ ok: true, result: { input, kana: "" } }));
  try {
    const results = await c.many(todo.map((x) => x.line));
    todo.forEach((x, k) => (out[x.i] = { ok: true, result: results[k] }));
  } catch {
    for (const x of todo) {
      try {
        out[x.i] = { ok: true, result: await c.one(x.line) };
      } catch (e) {
        out[x.i] = { ok: false, error: (e as Error).message };
      }
    }
  }
  return out;
}

/**
 * Runs the command line.
 *
 * @param args The arguments (without the program name).
 * @param io Where to read and write.
 * @returns The exit status: 0 on success, 1 when a line or the model failed, 2 on bad flags.
 */
export async function main(args: string[], io: CliIO): Promise<number> {
  let flags: Flags | "help";
  try {
    flags = parseFlags(args);
  } catch (e) {
    io.stderr(`e2k: ${(e as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (flags === "help") {
    io.stdout(HELP);
    return 0;
  }
  let converter: Lines;
  let lines: string[];
  try {
    converter = flags.source === "both" ? await bothLines(flags) : await modelLines(flags);
    lines = await inputLines(flags, io);
  } catch (e) {
    io.stderr(`e2k: ${(e as Error).message}\n`);
    return 1;
  }
  const show = flags.progress ?? (io.stderrIsTerminal && lines.length >= 100);
  const bar = show ? createProgress(lines.length, { unit: "lines", write: io.stderr }) : undefined;
  const chunk = Math.max(256, flags.convert.batchSize ?? 64);
  let failed = 0;
  const cut: number[] = [];
  try {
    for (let at = 0; at < lines.length; at += chunk) {
      const part = lines.slice(at, at + chunk);
      const outcomes = await convertChunk(converter, part);
      outcomes.forEach((o, i) => {
        if (!o.ok) {
          failed++;
          io.stderr(`e2k: line ${at + i + 1}: ${o.error}\n`);
        } else if (incomplete(o.result)) {
          cut.push(at + i + 1);
        }
      });
      io.stdout(outcomes.map((o, i) => format(part[i], o, flags.json) + "\n").join(""));
      bar?.tick(part.length);
    }
  } finally {
    bar?.done();
    converter.dispose();
  }
  if (cut.length > 0 && !flags.json) {
    const some = cut.slice(0, 5).join(", ") + (cut.length > 5 ? ", …" : "");
    io.stderr(
      `e2k: ${cut.length} reading${cut.length > 1 ? "s were" : " was"} cut at the maximum ` +
        `length (incomplete; lines ${some}); raise --max-length, or see "incomplete" with --json\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
}

if (import.meta.main) {
  const code = await main(Deno.args, {
    stdin: Deno.stdin.readable,
    stdout: (t) => writeAll(Deno.stdout, t),
    stderr: (t) => writeAll(Deno.stderr, t),
    stderrIsTerminal: Deno.stderr.isTerminal(),
  });
  Deno.exit(code);
}
