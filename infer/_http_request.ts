/**
 * Reading and validating conversion requests for the HTTP handler: the bounded body reader,
 * the limits, and one table of options that serves both the query string and the JSON body.
 *
 * Nothing here imports a package, so the rule that only `http.ts` reaches outside `infer/`
 * holds; errors are {@link RequestError}s that the handler's one `onError` turns into JSON.
 *
 * @module
 */

import type { ConvertOptions } from "./converter.ts";

/** Limits on one request; every one is configurable through `createApp({ limits })`. */
export interface Limits {
  /** Most words in one request (the `words` array, or whitespace-separated tokens of `text`). */
  maxWords: number;
  /** Most characters in one word (code points; phonemes for an ARPAbet array). */
  maxWordLength: number;
  /** Most characters in `text`. */
  maxTextLength: number;
  /** Most bytes in a request body, checked on Content-Length and on the bytes streamed. */
  maxBodyBytes: number;
  /** Largest `beamWidth`. */
  maxBeamWidth: number;
  /** Largest `nbest`. */
  maxNbest: number;
  /** Largest `maxLength` (output katakana). */
  maxOutputLength: number;
  /** Most conversions waiting per model; beyond it the handler answers 503. */
  maxQueue: number;
}

/** The limits used where `createApp` is given none. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxWords: 64,
  maxWordLength: 64,
  maxTextLength: 2000,
  maxBodyBytes: 64 * 1024,
  maxBeamWidth: 16,
  maxNbest: 16,
  maxOutputLength: 128,
  maxQueue: 256,
});

/**
 * A request the handler refuses: the HTTP status, a stable machine-readable code and a message
 * for people. The handler's `onError` writes it as `{ "error": { "code", "message" } }`.
 */
export class RequestError extends Error {
  /** The HTTP status to answer with (4xx, or 503 when busy). */
  readonly status: number;
  /** A stable snake_case code clients can branch on, e.g. "body_too_large". */
  readonly code: string;

  /**
   * Builds a refusal.
   *
   * @param status The HTTP status.
   * @param code A stable snake_case code.
   * @param message What was wrong and what to do, sentence case, no final period.
   */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "RequestError";
    this.status = status;
    this.code = code;
  }
}

/** A validated conversion request, whichever way it came. */
export interface ConvertRequest {
  /** The model's name, not yet checked against the loaded models. */
  model?: string;
  /** Separate words (strings, or ARPAbet arrays for P2K), or one text to split. */
  input: { words: (string | string[])[] } | { text: string };
  /** Decoding options, each checked against its range. */
  options: ConvertOptions;
}

/**
 * Reads a request body, refusing it as soon as it exceeds `maxBytes`: first on the declared
 * Content-Length, then on the bytes actually streamed (a client may lie or send chunks), so
 * memory stays bounded whatever arrives.
 *
 * @param req The request.
 * @param maxBytes The most bytes accepted.
 * @returns The body's bytes.
 * @throws {RequestError} 413 when the body is too large, 400 when Content-Length is malformed.
 */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d{1,16}$/.test(declared.trim())) {
      throw new RequestError(400, "bad_request", `Invalid Content-Length "${declared}"`);
    }
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
  }
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read().catch((e: Error) => {
      throw new RequestError(400, "bad_request", `Cannot read the request body: ${e.message}`);
    });
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop reading at once: the rest of an oversized body is never buffered.
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): RequestError {
  return new RequestError(
    413,
    "body_too_large",
    `Request body exceeds the limit of ${maxBytes} bytes: send fewer or shorter words`,
  );
}

/**
 * Checks that a POST body is declared as JSON in UTF-8.
 *
 * @param contentType The Content-Type header, or null.
 * @throws {RequestError} 415 for anything but `application/json` (charset utf-8 if given).
 */
export function checkJsonType(contentType: string | null): void {
  const [type, ...params] = (contentType ?? "").split(";").map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice(8).replace(/"/g, "");
  if (type !== "application/json" || (charset !== undefined && charset !== "utf-8")) {
    throw new RequestError(
      415,
      "unsupported_media_type",
      `Unsupported Content-Type "${
        contentType ?? ""
      }": send the body as "application/json" in UTF-8`,
    );
  }
}

// One parser per option: from a JSON value (typed) or from a query string (text).
type Kind =
  | { type: "enum"; values: readonly string[] }
  | { type: "int"; min: number; max: (l: Limits) => number }
  | { type: "number"; min: number; minOpen: boolean; max: number }
  | { type: "boolean" };

// The options a request may set: every ConvertOptions field but batchSize and onProgress,
// which are the server's business.
type RequestOption = Exclude<keyof ConvertOptions, "batchSize" | "onProgress">;

const OPTIONS: Record<RequestOption, Kind> = {
  strategy: { type: "enum", values: ["greedy", "beam", "top_k", "top_p"] },
  beamWidth: { type: "int", min: 1, max: (l) => l.maxBeamWidth },
  alpha: { type: "number", min: 0, minOpen: false, max: 2 },
  k: { type: "int", min: 1, max: () => 1000 },
  p: { type: "number", min: 0, minOpen: true, max: 1 },
  temperature: { type: "number", min: 0, minOpen: true, max: 100 },
  seed: { type: "int", min: 0, max: () => 0xffffffff },
  maxLength: { type: "int", min: 1, max: (l) => l.maxOutputLength },
  nbest: { type: "int", min: 1, max: (l) => l.maxNbest },
  onInvalid: { type: "enum", values: ["pass", "error"] },
  errorOnIncomplete: { type: "boolean" },
  acronyms: { type: "enum", values: ["spell", "model"] },
  attention: { type: "boolean" },
};

/** The option names a request may carry, besides `model`, `words` and `text`. */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS);

function unknownOption(name: string): RequestError {
  return new RequestError(
    422,
    "unknown_option",
    `Unknown option "${name}": use one of model, words, text, ${OPTION_NAMES.join(", ")}`,
  );
}

function badType(name: string, want: string, got: string): RequestError {
  return new RequestError(400, "invalid_type", `Option "${name}" must be ${want}, got ${got}`);
}

function checkOption(name: string, value: unknown, limits: Limits): unknown {
  const kind = OPTIONS[name as RequestOption];
  if (kind.type === "boolean") {
    if (typeof value !== "boolean") throw badType(name, "true or false", describe(value));
    return value;
  }
  if (kind.type === "enum") {
    if (typeof value !== "string") throw badType(name, "a string", describe(value));
    if (!kind.values.includes(value)) {
      throw new RequestError(
        422,
        "invalid_option",
        `Unknown ${name} ${quote(value)}: use one of ${kind.values.join(", ")}`,
      );
    }
    return value;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw badType(name, "a number", describe(value));
  }
  if (kind.type === "int") {
    const max = kind.max(limits);
    if (!Number.isInteger(value) || value < kind.min || value > max) {
      throw new RequestError(
        422,
        "invalid_option",
        `Option "${name}" must be an integer from ${kind.min} to ${max}, got ${value}`,
      );
    }
    return value;
  }
  if (value > kind.max || value < kind.min || (kind.minOpen && value === kind.min)) {
    const low = kind.minOpen ? `greater than ${kind.min}` : `at least ${kind.min}`;
    throw new RequestError(
      422,
      "invalid_option",
      `Option "${name}" must be ${low} and at most ${kind.max}, got ${value}`,
    );
  }
  return value;
}

// Query strings carry text: turn it into the JSON value the option table expects, strictly
// ("1e3" or " 5" are refused rather than guessed at).
function fromQuery(name: string, text: string): unknown {
  const kind = OPTIONS[name as RequestOption];
  if (kind.type === "boolean") {
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    throw badType(name, "true or false", quote(text));
  }
  if (kind.type === "int" || kind.type === "number") {
    const pattern = kind.type === "int" ? /^-?\d{1,10}$/ : /^-?(\d{1,10}(\.\d{0,12})?|\.\d{1,12})$/;
    if (!pattern.test(text)) {
      throw badType(name, kind.type === "int" ? "an integer" : "a number", quote(text));
    }
    return Number(text);
  }
  return text;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${quote(value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

// Quotes a value for a message, cut short so that a 10,000-letter input makes a short error.
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

// C0 and C1 controls and DEL. Text may hold tabs and line breaks; single words may not.
// deno-lint-ignore no-control-regex
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// deno-lint-ignore no-control-regex
const CONTROL_IN_WORD = /[\u0000-\u001F\u007F-\u009F]/;

function checkString(what: string, s: string, control: RegExp): void {
  if (!s.isWellFormed()) {
    throw new RequestError(
      400,
      "invalid_input",
      `Cannot read ${what}: it holds a lone surrogate; send valid UTF-16/UTF-8 text`,
    );
  }
  const bad = control.exec(s);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new RequestError(
      400,
      "invalid_input",
      `Cannot read ${what}: it holds the control character U+${code} at index ${bad.index}`,
    );
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function checkWordLength(what: string, length: number, limits: Limits): void {
  if (length > limits.maxWordLength) {
    throw new RequestError(
      400,
      "word_too_long",
      `Cannot convert ${what}: it has ${length} characters, more than the limit of ${limits.maxWordLength}`,
    );
  }
}

function checkWords(words: unknown, limits: Limits): (string | string[])[] {
  if (!Array.isArray(words)) throw badType("words", "an array of strings", describe(words));
  if (words.length === 0) {
    throw new RequestError(400, "empty_input", `Cannot convert "words": the array is empty`);
  }
  if (words.length > limits.maxWords) {
    throw new RequestError(
      400,
      "too_many_words",
      `Cannot convert ${words.length} words: the limit is ${limits.maxWords} per request`,
    );
  }
  words.forEach((w, i) => checkWord(w, i, limits));
  return words as (string | string[])[];
}

function checkWord(w: unknown, i: number, limits: Limits): void {
  const what = `words[${i}]`;
  if (Array.isArray(w)) {
    // An ARPAbet word as an array of symbols (P2K); one level deep, never nested further.
    if (w.length === 0) throw new RequestError(400, "empty_input", `Cannot convert ${what}: empty`);
    checkWordLength(what, w.length, limits);
    w.forEach((s, j) => {
      if (typeof s !== "string" || s.length === 0 || s.length > 8) {
        throw badType(`${what}[${j}]`, 'an ARPAbet symbol such as "AH0"', describe(s));
      }
      checkString(`${what}[${j}]`, s, CONTROL_IN_WORD);
    });
    return;
  }
  if (typeof w !== "string") {
    throw badType(what, "a string or an array of ARPAbet symbols", describe(w));
  }
  if (w.trim() === "") {
    throw new RequestError(400, "empty_input", `Cannot convert ${what}: the word is empty`);
  }
  checkWordLength(what, codePoints(w), limits);
  checkString(what, w, CONTROL_IN_WORD);
}

function checkText(text: unknown, limits: Limits): string {
  if (typeof text !== "string") throw badType("text", "a string", describe(text));
  if (text.trim() === "") {
    throw new RequestError(400, "empty_input", `Cannot convert "text": it is empty`);
  }
  const length = codePoints(text);
  if (length > limits.maxTextLength) {
    throw new RequestError(
      400,
      "text_too_long",
      `Cannot convert "text": it has ${length} characters, more than the limit of ${limits.maxTextLength}`,
    );
  }
  checkString(`"text"`, text, CONTROL_IN_TEXT);
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  if (tokens.length > limits.maxWords) {
    throw new RequestError(
      400,
      "too_many_words",
      `Cannot convert "text": it has ${tokens.length} words, the limit is ${limits.maxWords} per request`,
    );
  }
  for (const t of tokens) checkWordLength(`the word ${quote(t)}`, codePoints(t), limits);
  return text;
}

// Options that are fine alone but not together.
function checkCombination(o: ConvertOptions): ConvertOptions {
  const nbest = o.nbest ?? 1;
  if (o.strategy === "greedy" && nbest > 1) {
    throw new RequestError(
      422,
      "invalid_option",
      `Option "nbest" ${nbest} needs strategy "beam" (or sampling), not "greedy"`,
    );
  }
  const beam = o.strategy === "beam" || (o.strategy === undefined && nbest > 1);
  if (beam && o.beamWidth !== undefined && o.beamWidth < nbest) {
    throw new RequestError(
      422,
      "invalid_option",
      `Option "nbest" ${nbest} exceeds "beamWidth" ${o.beamWidth}: widen the beam or ask for fewer`,
    );
  }
  return o;
}

/**
 * Validates a JSON body: `{ "words": [...] }` or `{ "text": "..." }`, an optional `model`,
 * and options from the option table.
 *
 * @param bytes The body (already size-checked by {@link readBody}).
 * @param limits The limits to apply.
 * @returns The request.
 * @throws {RequestError} 400 for bad JSON, wrong types, empty or control-character input and
 *   inputs over the limits; 422 for unknown options or values out of range.
 */
export function parseJsonRequest(bytes: Uint8Array, limits: Limits): ConvertRequest {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new RequestError(
      400,
      "invalid_json",
      `Cannot parse the request body as JSON: ${(e as Error).message}`,
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestError(
      400,
      "invalid_json",
      `The request body must be a JSON object such as {"words": ["computer"]}, got ${
        describe(body)
      }`,
    );
  }
  const fields = body as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  let model: string | undefined;
  for (const [name, value] of Object.entries(fields)) {
    if (name === "words" || name === "text") continue;
    if (name === "model") {
      if (typeof value !== "string") throw badType("model", "a string", describe(value));
      model = value;
    } else if (Object.hasOwn(OPTIONS, name)) {
      options[name] = checkOption(name, value, limits);
    } else {
      throw unknownOption(name);
    }
  }
  const hasWords = Object.hasOwn(fields, "words");
  const hasText = Object.hasOwn(fields, "text");
  if (hasWords === hasText) {
    throw new RequestError(
      400,
      "invalid_input",
      `Give either "words" (an array) or "text" (a string), not ${hasWords ? "both" : "neither"}`,
    );
  }
  const input = hasWords
    ? { words: checkWords(fields.words, limits) }
    : { text: checkText(fields.text, limits) };
  return { model, input, options: checkCombination(options as ConvertOptions) };
}

// Splits a query string as URLSearchParams does, but refuses malformed percent-encoding
// instead of turning it into U+FFFD: such text was not what the client meant to send.
function queryPairs(search: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of search.replace(/^\?/, "").split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const [rawName, rawValue] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    try {
      const decode = (s: string) => decodeURIComponent(s.replaceAll("+", " "));
      pairs.push([decode(rawName), decode(rawValue)]);
    } catch {
      throw new RequestError(
        400,
        "invalid_input",
        `Cannot decode the query parameter ${quote(part)}: malformed percent-encoding; ` +
          "encode the text as UTF-8 with encodeURIComponent",
      );
    }
  }
  return pairs;
}

/**
 * Validates a query string: `text` (required), an optional `model`, and options from the
 * option table, each given at most once.
 *
 * @param search The URL's query string, with or without its "?".
 * @param limits The limits to apply.
 * @returns The request.
 * @throws {RequestError} As {@link parseJsonRequest}.
 */
export function parseQueryRequest(search: string, limits: Limits): ConvertRequest {
  const seen = new Set<string>();
  const options: Record<string, unknown> = {};
  let model: string | undefined;
  let text: string | undefined;
  for (const [name, value] of queryPairs(search)) {
    if (seen.has(name)) {
      throw new RequestError(400, "invalid_input", `Parameter "${name}" is given more than once`);
    }
    seen.add(name);
    if (name === "text") text = value;
    else if (name === "model") model = value;
    else if (Object.hasOwn(OPTIONS, name)) {
      options[name] = checkOption(name, fromQuery(name, value), limits);
    } else throw unknownOption(name);
  }
  if (text === undefined) {
    throw new RequestError(
      400,
      "empty_input",
      `Missing parameter "text": call /v1/convert?text=computer`,
    );
  }
  return {
    model,
    input: { text: checkText(text, limits) },
    options: checkCombination(options as ConvertOptions),
  };
}

/**
 * Whether a request's result is a pure function of its input, so that caches may keep it:
 * greedy and beam search are (the default, and `nbest` > 1 alone, mean one of them);
 * sampling is not.
 *
 * @param options The request's options.
 * @returns True for greedy (the default) and beam search.
 */
export function isDeterministic(options: ConvertOptions): boolean {
  const strategy = options.strategy ?? "greedy";
  return strategy === "greedy" || strategy === "beam";
}
