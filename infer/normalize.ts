/**
 * Input handling: from what users type to the symbols a model reads.
 *
 * C2K (spelling) input goes through {@link normalizeText} (NFKC, look-alike letters and
 * diacritics folded to a–z, curly apostrophes straightened), then either {@link planWord}
 * (one word or phrase, for `convert`) or {@link splitText} (running text, for `convertText`:
 * words split on spaces, hyphens and camelCase). Letters are case-folded for the model; all-caps
 * acronyms and single letters can be read as letter names instead (エー, ビー, シー …).
 * What is not a letter is passed through unchanged or reported, and Japanese text always passes.
 *
 * P2K (phoneme) input goes through {@link parseArpabet}: CMUdict ARPAbet with stress digits.
 * Both end in {@link encodeSource}: ids from the model's own vocabulary, then EOS.
 *
 * @module
 */

import { EOS } from "./vocab.ts";

/** What to do with characters the model cannot read (digits, punctuation, other scripts). */
export type OnInvalid = "pass" | "error";

/**
 * How to read all-caps acronyms and single letters: `"spell"` reads them as letter names
 * (FBI → エフビーアイ), `"model"` lower-cases them and lets the model read them.
 */
export type Acronyms = "spell" | "model";

/** Options of {@link splitText} and {@link planWord}. */
export interface NormalizeOptions {
  /** `"pass"` (default) keeps unreadable characters as they are; `"error"` throws a TypeError. */
  onInvalid?: OnInvalid;
  /** `"spell"` (default) or `"model"`: see {@link Acronyms}. */
  acronyms?: Acronyms;
}

/**
 * A piece of input and how it becomes katakana: by the model (`symbols`), as letter names
 * (`kana`), or unchanged (`pass`).
 */
export type Piece =
  | { kind: "model"; text: string; symbols: string[] }
  | { kind: "letters"; text: string; kana: string }
  | { kind: "pass"; text: string };

/** Letter names as VOICEVOX and most Japanese TTS read them. */
export const LETTER_NAMES: Readonly<Record<string, string>> = {
  a: "エー",
  b: "ビー",
  c: "シー",
  d: "ディー",
  e: "イー",
  f: "エフ",
  g: "ジー",
  h: "エイチ",
  i: "アイ",
  j: "ジェー",
  k: "ケー",
  l: "エル",
  m: "エム",
  n: "エヌ",
  o: "オー",
  p: "ピー",
  q: "キュー",
  r: "アール",
  s: "エス",
  t: "ティー",
  u: "ユー",
  v: "ブイ",
  w: "ダブリュー",
  x: "エックス",
  y: "ワイ",
  z: "ゼット",
};

// Letters that NFD does not split into a base letter and a mark.
const FOLD: Readonly<Record<string, string>> = {
  ß: "ss",
  ẞ: "SS",
  æ: "ae",
  Æ: "AE",
  œ: "oe",
  Œ: "OE",
  ø: "o",
  Ø: "O",
  ł: "l",
  Ł: "L",
  đ: "d",
  Đ: "D",
  ð: "d",
  Ð: "D",
  þ: "th",
  Þ: "Th",
  ı: "i",
};

const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
const NON_ASCII = /[^ -~\s]/gu;
const LATIN = /\p{Script=Latin}/u;
const WORD = /[A-Za-z]+(?:'[A-Za-z]+)*/g;
// Hyphens and underscores join the parts of one compound ("e-mail", "snake_case").
const JOINER = /^[-\u2010\u2011_]+$/;
// Characters allowed between words even with onInvalid "error": spaces, hyphens, apostrophes.
const SEPARATOR = /[\s\-\u2010\u2011_']/u;
// Japanese: CJK punctuation, kana, the long-vowel mark, kanji (BMP blocks and extension A).
const JAPANESE =
  /[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
// A camelCase boundary: "javaScript" → java|Script, "XMLHttp" → XML|Http, but "URLs" stays whole.
const CAMEL = /(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])(?![A-Z]s$)/;

/**
 * Unicode NFKC (full-width and compatibility forms to plain ones), then Latin letters with
 * diacritics or ligature forms folded to ASCII (café → cafe, straße → strasse) and curly
 * apostrophes straightened. Case is kept: it carries the camelCase and acronym information.
 *
 * @param text Any text.
 * @returns The normalised text; other scripts are left as they are.
 * @example Full-width letters, accents and apostrophes
 * ```ts
 * import { normalizeText } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.equal(normalizeText("Ｃａｆé don’t"), "Cafe don't");
 * ```
 */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").replace(APOSTROPHES, "'").replace(NON_ASCII, (ch) => {
    if (ch in FOLD) return FOLD[ch];
    if (!LATIN.test(ch)) return ch;
    const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
    return /^[A-Za-z]+$/.test(base) ? base : ch;
  });
}

/**
 * Whether a word is read as letter names under `acronyms: "spell"`: single letters (except
 * the article "a"), and all-caps words of two or more letters (a plural "s" allowed: "URLs")
 * unless they look pronounceable: four letters or more, a vowel, and no run of three vowels
 * or three consonants (NASA, JSON, UNIX, ASCII are read as words; FBI, HTML, IEEE are spelled).
 *
 * @param word Letters as written (case matters).
 * @returns True when the word should be spelled out.
 * @example
 * ```ts
 * import { shouldSpell } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.equal(shouldSpell("FBI"), true);
 * assert.equal(shouldSpell("NASA"), false);
 * assert.equal(shouldSpell("Cat"), false);
 * ```
 */
export function shouldSpell(word: string): boolean {
  if (!/^[A-Za-z]+$/.test(word)) return false;
  if (word.length === 1) return word !== "a" && word !== "A";
  const caps = /^[A-Z]{2,}s$/.test(word) ? word.slice(0, -1) : word;
  if (!/^[A-Z]{2,}$/.test(caps)) return false;
  return !pronounceable(caps);
}

function pronounceable(caps: string): boolean {
  if (caps.length < 4) return false;
  // Y counts as a vowel after the first letter (SYNC, GYM), as in English spelling.
  const shape = [...caps].map((c, i) => /[AEIOU]/.test(c) || (c === "Y" && i > 0) ? "v" : "c")
    .join("");
  return shape.includes("v") && !shape.includes("vvv") && !shape.includes("ccc");
}

/**
 * Reads a word as letter names; an all-caps word with a plural "s" ends in ズ (URLs).
 *
 * @param word ASCII letters.
 * @returns The katakana letter names, joined.
 * @example
 * ```ts
 * import { spellLetters } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.equal(spellLetters("FBI"), "エフビーアイ");
 * assert.equal(spellLetters("URLs"), "ユーアールエルズ");
 * ```
 */
export function spellLetters(word: string): string {
  const plural = /^[A-Z]{2,}s$/.test(word);
  const letters = plural ? word.slice(0, -1) : word;
  return [...letters.toLowerCase()].map((c) => LETTER_NAMES[c] ?? c).join("") +
    (plural ? "ズ" : "");
}

/**
 * Splits a run of letters on camelCase boundaries: "JavaScript" → Java, Script;
 * "XMLHttpRequest" → XML, Http, Request; "iPhone" → i, Phone. A leading "Mc" stays with
 * the rest (McDonald), and an all-caps plural stays whole (URLs).
 *
 * @param word Letters, possibly with inner apostrophes.
 * @returns The parts, in order.
 * @example
 * ```ts
 * import { splitCamelCase } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.deepEqual(splitCamelCase("XMLHttpRequest"), ["XML", "Http", "Request"]);
 * ```
 */
export function splitCamelCase(word: string): string[] {
  const parts = word.split(CAMEL);
  if (parts.length > 1 && parts[0] === "Mc") parts.splice(0, 2, parts[0] + parts[1]);
  return parts;
}

function emptyError(input: string): TypeError {
  return new TypeError(
    `Cannot convert ${JSON.stringify(input)}: input is empty; pass at least one letter`,
  );
}

function invalidError(input: string, chars: Iterable<string>): TypeError {
  const list = [...new Set(chars)].map((c) => JSON.stringify(c)).join(", ");
  return new TypeError(
    `Cannot convert ${JSON.stringify(input)}: unsupported characters ${list}; ` +
      `use onInvalid: "pass" to keep them as they are`,
  );
}

function wordPiece(text: string, acronyms: Acronyms): Piece {
  if (acronyms === "spell" && shouldSpell(text)) {
    return { kind: "letters", text, kana: spellLetters(text) };
  }
  return { kind: "model", text, symbols: [...text.toLowerCase()] };
}

function unreadable(gap: string): string[] {
  return [...gap].filter((c) => !SEPARATOR.test(c) && !JAPANESE.test(c));
}

// Text kept as it is, in runs of blanks and of other characters ("," and " " apart).
function passPieces(gap: string): Piece[] {
  return gap.split(/(\s+)/u).filter((t) => t !== "").map((text) => ({ kind: "pass", text }));
}

/**
 * Splits running text into pieces for `convertText`: words (runs of letters with inner
 * apostrophes) split further on camelCase; a hyphen or underscore between two words joins
 * them into one compound and is dropped (e-mail → イーメール); everything else (spaces,
 * punctuation, digits, Japanese) is kept as it is, in `pass` pieces that hold either blanks
 * or other characters.
 *
 * @param text Any text.
 * @param options See {@link NormalizeOptions}.
 * @returns The pieces in order; their outputs concatenated give the converted text.
 * @throws {TypeError} When the text is empty or blank, or when `onInvalid` is `"error"` and
 *   the text holds characters other than letters, spaces, hyphens, apostrophes and Japanese.
 * @example A sentence
 * ```ts
 * import { splitText } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * const pieces = splitText("I love JavaScript!");
 * assert.deepEqual(pieces.map((p) => p.kind), [
 *   "letters", "pass", "model", "pass", "model", "model", "pass",
 * ]);
 * ```
 */
export function splitText(text: string, options: NormalizeOptions = {}): Piece[] {
  const norm = normalizeText(text);
  if (norm.trim() === "") throw emptyError(text);
  return splitNormalized(norm, text, options);
}

function splitNormalized(norm: string, text: string, options: NormalizeOptions): Piece[] {
  const { onInvalid = "pass", acronyms = "spell" } = options;
  const pieces: Piece[] = [];
  const bad: string[] = [];
  let last = 0;
  let prevWordEnd = -1;
  for (const m of norm.matchAll(WORD)) {
    const gap = norm.slice(last, m.index);
    bad.push(...unreadable(gap));
    const joins = prevWordEnd === last && JOINER.test(gap);
    if (!joins) pieces.push(...passPieces(gap));
    for (const part of splitCamelCase(m[0])) pieces.push(wordPiece(part, acronyms));
    last = prevWordEnd = m.index + m[0].length;
  }
  const tail = norm.slice(last);
  bad.push(...unreadable(tail));
  if (onInvalid === "error" && bad.length > 0) throw invalidError(text, bad);
  pieces.push(...passPieces(tail));
  return pieces;
}

const PHRASE = /^[A-Za-z]+(?:'[A-Za-z]+)*(?:[\s\-\u2010\u2011_]+[A-Za-z]+(?:'[A-Za-z]+)*)*$/u;

/**
 * Plans the conversion of one word or phrase for `convert`. A clean word or phrase (letters,
 * inner apostrophes, spaces and hyphens between words) is ONE model input, lower-cased, with
 * a single space between words, so the model reads it whole ("New York" → "new york"); a
 * single acronym is spelled. Text with no Latin letter (Japanese, digits) passes unchanged.
 * Anything else (acronyms inside phrases, digits or punctuation among letters) becomes the
 * pieces of {@link splitText}, unless `onInvalid` is `"error"`.
 *
 * @param word The user's input.
 * @param options See {@link NormalizeOptions}.
 * @returns One piece (model, letters or pass), or several for mixed input.
 * @throws {TypeError} When the input is empty, or holds unsupported characters and
 *   `onInvalid` is `"error"` (Japanese always passes).
 * @example
 * ```ts
 * import { planWord } from "./normalize.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.deepEqual(planWord("New-York"), [
 *   { kind: "model", text: "New-York", symbols: [..."new york"] },
 * ]);
 * assert.deepEqual(planWord("FBI"), [{ kind: "letters", text: "FBI", kana: "エフビーアイ" }]);
 * ```
 */
export function planWord(word: string, options: NormalizeOptions = {}): Piece[] {
  const { onInvalid = "pass", acronyms = "spell" } = options;
  const norm = normalizeText(word).trim();
  if (norm === "") throw emptyError(word);
  if (PHRASE.test(norm)) {
    const words = norm.split(/[\s\-\u2010\u2011_]+/u);
    if (words.length === 1) return [wordPiece(norm, acronyms)];
    if (acronyms === "model" || !words.some(shouldSpell)) {
      return [{ kind: "model", text: norm, symbols: [...words.join(" ").toLowerCase()] }];
    }
    return splitNormalized(norm, word, options);
  }
  if (!/[A-Za-z]/.test(norm)) {
    const bad = [...norm].filter((c) => !JAPANESE.test(c) && !/\s/u.test(c));
    if (onInvalid === "error" && bad.length > 0) throw invalidError(word, bad);
    return [{ kind: "pass", text: norm }];
  }
  return splitNormalized(norm, word, options);
}

const STRESSED = /^(AA|AE|AH|AO|AW|AY|EH|ER|EY|IH|IY|OW|OY|UH|UW)$/;

/**
 * Parses ARPAbet for P2K: a string of space-separated symbols ("K AH0 M P Y UW1 T ER0") or an
 * array of symbols, upper- or lower-case, with CMUdict stress digits on every vowel
 * (0 none, 1 primary, 2 secondary). Words of a phrase are separated by `"|"` in a string, or
 * by a `"|"` or `" "` element in an array; they become the model's word separator `" "`.
 *
 * @param input ARPAbet as a string or an array of symbols.
 * @param symbols The model's source vocabulary (to check every symbol against).
 * @returns The symbols, upper-cased, with `" "` between words.
 * @throws {TypeError} When the input is empty, or names symbols the model does not know
 *   (all of them are listed, with the stressed forms for a vowel missing its digit).
 * @example
 * ```ts
 * import { parseArpabet } from "./normalize.ts";
 * import { P2K_SOURCE } from "./vocab.ts";
 * import { assert } from "../deps/assert.ts";
 * assert.deepEqual(parseArpabet("k ah0 m p y uw1 t er0", P2K_SOURCE), [
 *   "K", "AH0", "M", "P", "Y", "UW1", "T", "ER0",
 * ]);
 * assert.throws(() => parseArpabet("K AH M", P2K_SOURCE), /"AH" \(write AH0, AH1 or AH2/);
 * ```
 */
export function parseArpabet(
  input: string | readonly string[],
  symbols: readonly string[],
): string[] {
  const raw = typeof input === "string"
    ? input.trim().split(/\s+/)
    : input.map((s) => (s.trim() === "" ? "|" : s.trim()));
  const known = new Set(symbols);
  const out: string[] = [];
  const bad: string[] = [];
  for (const token of raw) {
    if (token === "") continue;
    if (token === "|") {
      if (out.length > 0 && out[out.length - 1] !== " ") out.push(" ");
      continue;
    }
    const sym = token.toUpperCase();
    if (known.has(sym) && sym !== " " && !/^<.*>$/.test(sym)) out.push(sym);
    else bad.push(token);
  }
  const shown = typeof input === "string" ? input : input.join(" ");
  if (bad.length > 0) {
    const list = [...new Set(bad)].map((t) => {
      const u = t.toUpperCase();
      return STRESSED.test(u)
        ? `${JSON.stringify(t)} (write ${u}0, ${u}1 or ${u}2: vowels carry a CMUdict stress digit)`
        : JSON.stringify(t);
    });
    throw new TypeError(
      `Cannot convert ${JSON.stringify(shown)}: unknown ARPAbet symbols ${list.join(", ")}`,
    );
  }
  if (out[out.length - 1] === " ") out.pop();
  if (out.length === 0) throw emptyError(shown);
  return out;
}

/**
 * Encodes symbols to source ids: each symbol's id in the model's vocabulary, then EOS.
 *
 * @param symbols Symbols from {@link planWord}/{@link splitText} or {@link parseArpabet}.
 * @param index Symbol → id for the model's source vocabulary (see `indexOf` in vocab.ts).
 * @param maxSrcLen The model's longest source, EOS included.
 * @param input The user's input, for error messages.
 * @returns The ids, (symbols.length + 1).
 * @throws {TypeError} When a symbol is not in the vocabulary.
 * @throws {RangeError} When the source is longer than the model accepts.
 * @example
 * ```ts
 * import { encodeSource } from "./normalize.ts";
 * import { C2K_SOURCE, indexOf } from "./vocab.ts";
 * import { assert } from "../deps/assert.ts";
 * const ids = encodeSource([..."ab"], indexOf(C2K_SOURCE), 32, "ab");
 * assert.deepEqual([...ids], [3, 4, 2]);
 * ```
 */
export function encodeSource(
  symbols: readonly string[],
  index: ReadonlyMap<string, number>,
  maxSrcLen: number,
  input: string,
): Int32Array {
  if (symbols.length + 1 > maxSrcLen) {
    throw new RangeError(
      `Cannot convert ${JSON.stringify(input)}: ${symbols.length} symbols exceed the model's ` +
        `limit of ${maxSrcLen - 1}; split it into shorter words`,
    );
  }
  const ids = new Int32Array(symbols.length + 1);
  const bad: string[] = [];
  symbols.forEach((s, i) => {
    const id = index.get(s);
    if (id === undefined || id <= EOS) bad.push(s);
    else ids[i] = id;
  });
  if (bad.length > 0) throw invalidError(input, bad);
  ids[symbols.length] = EOS;
  return ids;
}
