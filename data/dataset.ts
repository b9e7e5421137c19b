/**
 * The built dataset: its record format, a strict line parser, and the loader that training and
 * evaluation use. The files are JSON Lines, one record per line, sorted by key:
 *
 * - `c2k.jsonl`: `{"key","kana","sources","kind","split"}` — spelling → ranked katakana;
 * - `p2k.jsonl`: `{"key","phones","kana","kind","split"}` — the same keys that CMUdict knows,
 *   with every CMUdict pronunciation.
 *
 * @example Loading the training words
 * ```ts ignore
 * import { loadDataset } from "./dataset.ts";
 * const train = (await loadDataset("c2k")).filter((e) => e.split === "train");
 * ```
 *
 * @module
 */

import { ARPABET, C2K_SOURCE, KATAKANA } from "../infer/vocab.ts";

/** The three splits, decided by a stable hash of the key. */
export type Split = "train" | "valid" | "test";
/** A single English word, an English phrase of 2–4 words, or a romanised Japanese word. */
export type Kind = "en" | "phrase" | "romaji";
/** The two tasks: spelling → katakana, and ARPAbet phonemes → katakana. */
export type Task = "c2k" | "p2k";

/** One record of the dataset. */
export interface Example {
  /** Normalised key: lower-case a–z, apostrophe, and single spaces between words. */
  key: string;
  /** Ranked katakana variants, best first; a prediction matching any of them is correct. */
  kana: string[];
  /** What the key is. */
  kind: Kind;
  /** Which split the key belongs to (the same in both tasks). */
  split: Split;
  /** P2K only: every CMUdict pronunciation, ARPAbet symbols separated by spaces. */
  phones?: string[];
  /** C2K only: for each variant, the sources that list it. */
  sources?: string[][];
}

const SPLITS: ReadonlySet<string> = new Set(["train", "valid", "test"]);
const KINDS: ReadonlySet<string> = new Set(["en", "phrase", "romaji"]);
const KEY_CHARS: ReadonlySet<string> = new Set(C2K_SOURCE.slice(3));
const KANA_CHARS: ReadonlySet<string> = new Set(KATAKANA);
const PHONES: ReadonlySet<string> = new Set(ARPABET);
const KEY = /^[a-z][a-z']*( [a-z][a-z']*)*$/;

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string" && s !== "");
}

function problem(e: Record<string, unknown>, task: Task): string | undefined {
  const { key, kana, kind, split } = e;
  if (typeof key !== "string" || !KEY.test(key)) return `key ${JSON.stringify(key)} is not a key`;
  if ([...key].some((c) => !KEY_CHARS.has(c))) return `key "${key}" has characters outside C2K`;
  if (!isStringList(kana)) return "kana must be a non-empty list of non-empty strings";
  const bad = kana.find((k) => [...k].some((c) => !KANA_CHARS.has(c)));
  if (bad !== undefined) return `kana "${bad}" has characters outside KATAKANA`;
  if (typeof kind !== "string" || !KINDS.has(kind)) {
    return `kind ${JSON.stringify(kind)} is unknown`;
  }
  if (typeof split !== "string" || !SPLITS.has(split)) {
    return `split ${JSON.stringify(split)} is unknown`;
  }
  if (task === "p2k") {
    if (!isStringList(e.phones)) return "phones must be a non-empty list of non-empty strings";
    const p = e.phones.find((s) => s.split(" ").some((x) => !PHONES.has(x)));
    if (p !== undefined) return `phones "${p}" has symbols outside ARPABET`;
  } else {
    const s = e.sources;
    if (!Array.isArray(s) || s.length !== kana.length || !s.every(isStringList)) {
      return "sources must list the sources of each kana variant";
    }
  }
  return undefined;
}

/**
 * Parses and validates one line of a dataset file.
 *
 * @param line The line (one JSON object).
 * @param task Which file it comes from: P2K records need `phones`, C2K records `sources`.
 * @param where Where the line is, for errors ("data/c2k.jsonl:12").
 * @returns The example.
 * @throws {SyntaxError} When the line is not JSON or a field is missing or invalid; the message
 *   starts with `where`.
 * @example
 * ```ts
 * import { parseExample } from "./dataset.ts";
 * const line = '{"key":"computer","kana":["コンピューター"],"sources":[["unidic"]],' +
 *   '"kind":"en","split":"train"}';
 * parseExample(line, "c2k", "c2k.jsonl:1").kana[0]; // "コンピューター"
 * ```
 */
export function parseExample(line: string, task: Task, where: string): Example {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new SyntaxError(`Cannot parse ${where}: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`Cannot parse ${where}: expected a JSON object`);
  }
  const why = problem(value as Record<string, unknown>, task);
  if (why !== undefined) throw new SyntaxError(`Cannot parse ${where}: ${why}`);
  return value as Example;
}

/**
 * Writes one example as a line of its task's file, fields in a fixed order so that rebuilds
 * are byte-identical.
 *
 * @param e The example.
 * @param task `c2k` writes `sources`, `p2k` writes `phones`.
 * @returns The JSON line, without a line break.
 */
export function formatExample(e: Example, task: Task): string {
  return task === "c2k"
    ? JSON.stringify({ key: e.key, kana: e.kana, sources: e.sources, kind: e.kind, split: e.split })
    : JSON.stringify({ key: e.key, phones: e.phones, kana: e.kana, kind: e.kind, split: e.split });
}

/**
 * Parses a whole dataset file.
 *
 * @param text The file's text.
 * @param task Its task.
 * @param file Its name, for errors.
 * @returns The examples in file order.
 * @throws {SyntaxError} On the first malformed line, naming the file and line number.
 */
export function parseDataset(text: string, task: Task, file: string): Example[] {
  const out: Example[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "" && i === lines.length - 1) break;
    out.push(parseExample(lines[i], task, `${file}:${i + 1}`));
  }
  return out;
}

/**
 * Loads a task's committed dataset file and validates every line.
 *
 * @param task `c2k` (spelling → katakana) or `p2k` (phonemes → katakana).
 * @param dir The folder holding `c2k.jsonl` and `p2k.jsonl`; defaults to this module's folder.
 * @returns Every example, sorted by key.
 * @throws {SyntaxError} When a line is malformed, naming the file and line number.
 * @throws {Deno.errors.NotFound} When the file is missing (run `deno task data`).
 */
export async function loadDataset(task: "c2k" | "p2k", dir?: URL): Promise<Example[]> {
  const base = dir === undefined
    ? new URL("./", import.meta.url)
    : new URL(dir.href.endsWith("/") ? dir.href : `${dir.href}/`);
  const url = new URL(`${task}.jsonl`, base);
  const text = await Deno.readTextFile(url);
  return parseDataset(text, task, url.pathname);
}
