import { assert } from "../deps/assert.ts";
import {
  encodeSource,
  normalizeText,
  parseArpabet,
  type Piece,
  planWord,
  shouldSpell,
  spellLetters,
  splitCamelCase,
  splitText,
} from "./normalize.ts";
import { C2K_SOURCE, EOS, indexOf, P2K_SOURCE } from "./vocab.ts";

/** Renders pieces compactly: model pieces as their symbols, letters as kana, pass as [text]. */
function show(pieces: Piece[]): string[] {
  return pieces.map((p) =>
    p.kind === "model" ? p.symbols.join("") : p.kind === "letters" ? p.kana : `[${p.text}]`
  );
}

Deno.test("normalizeText() applies NFKC and folds accents, ligatures and apostrophes", () => {
  assert.equal(normalizeText("ＡＢＣ１２３"), "ABC123");
  assert.equal(normalizeText("café naïve Zoë Ångström"), "cafe naive Zoe Angstrom");
  assert.equal(normalizeText("straße Æsir Øresund Łódź"), "strasse AEsir Oresund Lodz");
  assert.equal(normalizeText("don’t rock‘n’roll"), "don't rock'n'roll");
  assert.equal(normalizeText("ﬁle"), "file");
});

Deno.test("normalizeText() leaves Japanese and other scripts as they are", () => {
  assert.equal(normalizeText("東京タワーとがぎぐ"), "東京タワーとがぎぐ");
  assert.equal(normalizeText("ｶﾞｷﾞ"), "ガギ");
  assert.equal(normalizeText("Москва αβγ"), "Москва αβγ");
});

Deno.test("splitCamelCase() splits on case changes and keeps Mc names and plural acronyms", () => {
  assert.deepEqual(splitCamelCase("JavaScript"), ["Java", "Script"]);
  assert.deepEqual(splitCamelCase("iPhone"), ["i", "Phone"]);
  assert.deepEqual(splitCamelCase("XMLHttpRequest"), ["XML", "Http", "Request"]);
  assert.deepEqual(splitCamelCase("MySQL"), ["My", "SQL"]);
  assert.deepEqual(splitCamelCase("McDonald"), ["McDonald"]);
  assert.deepEqual(splitCamelCase("URLs"), ["URLs"]);
  assert.deepEqual(splitCamelCase("hello"), ["hello"]);
  assert.deepEqual(splitCamelCase("NASA"), ["NASA"]);
});

Deno.test("shouldSpell() spells short all-caps words and single letters, not pronounceable ones", () => {
  for (const w of ["FBI", "TV", "OK", "HTML", "IEEE", "URLs", "x", "I", "HTTPS"]) {
    assert.equal(shouldSpell(w), true, w);
  }
  for (const w of ["NASA", "JSON", "UNIX", "ASCII", "NATO", "a", "A", "Go", "is", "cat", "Cat"]) {
    assert.equal(shouldSpell(w), false, w);
  }
});

Deno.test("spellLetters() reads letter names, with ズ for a plural s", () => {
  assert.equal(spellLetters("abc"), "エービーシー");
  assert.equal(spellLetters("WXYZ"), "ダブリューエックスワイゼット");
  assert.equal(spellLetters("APIs"), "エーピーアイズ");
});

Deno.test("splitText() splits words on spaces, hyphens and camelCase and keeps the rest", () => {
  assert.deepEqual(show(splitText("Hello, world!")), ["hello", "[,]", "[ ]", "world", "[!]"]);
  assert.deepEqual(show(splitText("e-mail well_known")), ["イー", "mail", "[ ]", "well", "known"]);
  assert.deepEqual(show(splitText("JavaScript")), ["java", "script"]);
  assert.deepEqual(show(splitText("iPhone")), ["アイ", "phone"]);
  assert.deepEqual(show(splitText("iPhone", { acronyms: "model" })), ["i", "phone"]);
  assert.deepEqual(show(splitText("R2D2")), ["アール", "[2]", "ディー", "[2]"]);
  assert.deepEqual(show(splitText("don't stop")), ["don't", "[ ]", "stop"]);
  assert.deepEqual(show(splitText("'quoted'")), ["[']", "quoted", "[']"]);
  assert.deepEqual(show(splitText(" - ")), ["[ ]", "[-]", "[ ]"]);
});

Deno.test("splitText() passes Japanese through, even with onInvalid error", () => {
  const pieces = splitText("私はNASAで働く。", { onInvalid: "error" });
  assert.deepEqual(show(pieces), ["[私は]", "nasa", "[で働く。]"]);
});

Deno.test("splitText() case-folds model words and spells acronyms", () => {
  assert.deepEqual(show(splitText("The FBI and NASA")), [
    "the",
    "[ ]",
    "エフビーアイ",
    "[ ]",
    "and",
    "[ ]",
    "nasa",
  ]);
  assert.deepEqual(show(splitText("The FBI", { acronyms: "model" })), ["the", "[ ]", "fbi"]);
});

Deno.test("splitText() with onInvalid error names every unsupported character", () => {
  assert.throws(
    () => splitText("Hello, world 42!", { onInvalid: "error" }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message ===
        'Cannot convert "Hello, world 42!": unsupported characters ",", "4", "2", "!"; ' +
          'use onInvalid: "pass" to keep them as they are',
  );
  assert.doesNotThrow(() => splitText("rock-'n'-roll, yes", { onInvalid: "pass" }));
});

Deno.test("splitText() rejects empty and blank input", () => {
  for (const input of ["", "   ", "\n\t"]) {
    assert.throws(
      () => splitText(input),
      (e: Error) => e instanceof TypeError && /empty/.test(e.message),
    );
  }
});

Deno.test("planWord() makes one model input of a clean word or phrase", () => {
  assert.deepEqual(planWord("Computer"), [
    { kind: "model", text: "Computer", symbols: [..."computer"] },
  ]);
  assert.deepEqual(show(planWord("  ice   cream ")), ["ice cream"]);
  assert.deepEqual(show(planWord("well-known")), ["well known"]);
  assert.deepEqual(show(planWord("JavaScript")), ["javascript"]);
  assert.deepEqual(show(planWord("O’Brien")), ["o'brien"]);
});

Deno.test("planWord() spells acronyms alone or inside phrases", () => {
  assert.deepEqual(show(planWord("FBI")), ["エフビーアイ"]);
  assert.deepEqual(show(planWord("FBI", { acronyms: "model" })), ["fbi"]);
  assert.deepEqual(show(planWord("FBI agent")), ["エフビーアイ", "[ ]", "agent"]);
  assert.deepEqual(show(planWord("x")), ["エックス"]);
});

Deno.test("planWord() passes text without letters and splits mixed text", () => {
  assert.deepEqual(planWord("東京"), [{ kind: "pass", text: "東京" }]);
  assert.deepEqual(planWord("東京", { onInvalid: "error" }), [{ kind: "pass", text: "東京" }]);
  assert.deepEqual(planWord("123"), [{ kind: "pass", text: "123" }]);
  assert.throws(
    () => planWord("123", { onInvalid: "error" }),
    /unsupported characters "1", "2", "3"/,
  );
  assert.deepEqual(show(planWord("MP3")), ["エムピー", "[3]"]);
  assert.throws(() => planWord("MP3", { onInvalid: "error" }), /unsupported characters "3"/);
  assert.throws(() => planWord(""), /Cannot convert "": input is empty/);
});

Deno.test("parseArpabet() reads strings and arrays with word separators", () => {
  assert.deepEqual(parseArpabet("K AH0 M P Y UW1 T ER0", P2K_SOURCE), [
    "K",
    "AH0",
    "M",
    "P",
    "Y",
    "UW1",
    "T",
    "ER0",
  ]);
  assert.deepEqual(parseArpabet(" n uw1 | y ao1 r k ", P2K_SOURCE), [
    "N",
    "UW1",
    " ",
    "Y",
    "AO1",
    "R",
    "K",
  ]);
  assert.deepEqual(parseArpabet(["N", "UW1", " ", "Y", "AO1", "R", "K"], P2K_SOURCE), [
    "N",
    "UW1",
    " ",
    "Y",
    "AO1",
    "R",
    "K",
  ]);
  assert.deepEqual(parseArpabet("| K | | AH0 |", P2K_SOURCE), ["K", " ", "AH0"]);
});

Deno.test("parseArpabet() names unknown symbols and suggests stress digits", () => {
  assert.throws(
    () => parseArpabet("K AH M P XX UW1 ah", P2K_SOURCE),
    (e: Error) =>
      e instanceof TypeError &&
      e.message ===
        'Cannot convert "K AH M P XX UW1 ah": unknown ARPAbet symbols ' +
          '"AH" (write AH0, AH1 or AH2: vowels carry a CMUdict stress digit), "XX", ' +
          '"ah" (write AH0, AH1 or AH2: vowels carry a CMUdict stress digit)',
  );
  assert.throws(() => parseArpabet("AH3", P2K_SOURCE), /unknown ARPAbet symbols "AH3"/);
  assert.throws(() => parseArpabet("</s>", P2K_SOURCE), /unknown ARPAbet symbols "<\/s>"/);
  assert.throws(() => parseArpabet("  ", P2K_SOURCE), /input is empty/);
  assert.throws(() => parseArpabet([], P2K_SOURCE), /input is empty/);
  assert.throws(() => parseArpabet(["|"], P2K_SOURCE), /input is empty/);
});

Deno.test("encodeSource() maps symbols to ids, appends EOS and checks the length", () => {
  const index = indexOf(C2K_SOURCE);
  const ids = encodeSource([..."z' "], index, 8, "z' ");
  assert.deepEqual([...ids], [index.get("z"), index.get("'"), index.get(" "), EOS]);
  assert.throws(
    () => encodeSource([..."abcdefgh"], index, 8, "abcdefgh"),
    (e: Error) =>
      e instanceof RangeError && /8 symbols exceed the model's limit of 7/.test(e.message),
  );
  assert.throws(() => encodeSource(["é", "a"], index, 8, "éa"), /unsupported characters "é"/);
  assert.throws(() => encodeSource(["</s>"], index, 8, "x"), /unsupported characters "<\/s>"/);
});
