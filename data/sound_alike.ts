/**
 * A sound-alike check between an English word and a katakana reading: is the katakana a
 * transliteration of the word, or a translation of it (trouble → イザコザ)?
 *
 * Both sides are reduced to consonant skeletons over eight coarse classes that Japanese
 * loanwords keep apart: K (k g c q x), S (s z sh ch j ts), T (t d th), P (p b f v), H (h), N (m n),
 * R (l r), and nothing for vowels, w, y. English spelling is read with a few digraph rules
 * (c before e/i/y is S, ph is f, ck is K, gh is silent, x is K S, kn- is N). An English consonant
 * may allow two classes (g before e/i/y: K or S; th: T or S; ch: S or K; f: P or H, as in
 * coffee → コーヒー), and English r and h may be silent (computer → コンピューター,
 * honour → オナー), so dropping them costs 0.3 instead of 1. The score is one
 * minus the weighted edit distance between the skeletons over the longer skeleton's weight; a
 * pair sounds alike when the score reaches {@link SOUND_ALIKE_THRESHOLD}.
 *
 * @module
 */

/**
 * The score at or above which a pair sounds alike. Chosen on the built data: at 0.6 about 3% of
 * UniDic's pairs fail (mostly clipped forms such as ワープロ for word processor) and about 3% of
 * shuffled (English, katakana) pairs pass; data/CARD.md gives the measured rates.
 */
export const SOUND_ALIKE_THRESHOLD = 0.6;

/** One consonant of an English skeleton: the classes it may sound as, and its deletion cost. */
export interface EnglishConsonant {
  /** Acceptable classes, e.g. "KS" for a soft-or-hard g. */
  classes: string;
  /** Cost of leaving it out of the katakana (0.3 for r and h, else 1). */
  drop: number;
}

const VOWEL = /[aeiouy]/;
const SIMPLE: Readonly<Record<string, string>> = {
  b: "P",
  p: "P",
  f: "PH",
  h: "H",
  v: "P",
  m: "N",
  n: "N",
  l: "R",
  r: "R",
  k: "K",
  q: "K",
  s: "S",
  z: "S",
  j: "S",
  t: "T",
  d: "T",
};

function englishStep(w: string, i: number): [string, number] {
  const c = w[i];
  const next = w[i + 1] ?? "";
  const two = c + next;
  if (i === 0 && (two === "kn" || two === "gn" || two === "pn")) return ["N", 2];
  if (i === 0 && (two === "ps" || two === "wr")) return [two === "ps" ? "S" : "R", 2];
  if (two === "ph") return ["PH", 2];
  if (two === "ck") return ["K", 2];
  if (two === "sh") return ["S", 2];
  if (two === "th") return ["TS", 2];
  if (two === "ch") return ["SK", 2];
  if (two === "gh") return [i === 0 ? "K" : "", 2];
  if (c === "c") return [/[eiy]/.test(next) ? "S" : "K", 1];
  if (c === "g") return [/[eiy]/.test(next) ? "KS" : "K", 1];
  if (c === "x") return [i === 0 ? "S" : "KX", 1];
  return [SIMPLE[c] ?? "", 1];
}

/**
 * The consonant skeleton of an English word or phrase (spaces and apostrophes ignored).
 *
 * @param text Lower-case English, a–z, apostrophe and space.
 * @returns One entry per consonant sound, doubled letters collapsed.
 * @example
 * ```ts
 * import { englishSkeleton } from "./sound_alike.ts";
 * englishSkeleton("box").map((c) => c.classes).join(" "); // "P K S"
 * ```
 */
export function englishSkeleton(text: string): EnglishConsonant[] {
  const w = text.replace(/[^a-z]/g, "");
  const out: EnglishConsonant[] = [];
  let prev = "";
  for (let i = 0; i < w.length;) {
    if (VOWEL.test(w[i]) || w[i] === "w") {
      prev = "";
      i += 1;
      continue;
    }
    const [classes, n] = englishStep(w, i);
    const letters = w.slice(i, i + n);
    i += n;
    // "KX" is x: a K then an S.
    const parts = classes === "KX" ? ["K", "S"] : classes === "" ? [] : [classes];
    for (const p of parts) {
      // Doubled letters (ll, tt) are one sound; "cc" in accept is two (K S).
      if (letters === prev && out.at(-1)?.classes === p) continue;
      out.push({ classes: p, drop: letters === "r" || letters === "h" ? 0.3 : 1 });
    }
    prev = letters;
  }
  return out;
}

const KANA_CLASS: ReadonlyArray<[string, string]> = [
  ["カキクケコガギグゲゴ", "K"],
  ["サシスセソザジズゼゾチヂヅ", "S"],
  ["タテトダデド", "T"],
  ["ナニヌネノンマミムメモ", "N"],
  ["フバビブベボパピプペポヴ", "P"],
  ["ハヒヘホ", "H"],
  ["ラリルレロ", "R"],
];
const KANA_MAP: ReadonlyMap<string, string> = new Map(
  KANA_CLASS.flatMap(([chars, cls]) => [...chars].map((ch) => [ch, cls] as [string, string])),
);

/**
 * The consonant skeleton of a katakana reading: one class letter per consonant (ツ gives T S;
 * vowels, ヤ行, ワ行, small kana, ッ and ー give nothing).
 *
 * @param kana Katakana.
 * @returns The class letters, e.g. "KNPT" for コンピューター.
 */
export function kanaSkeleton(kana: string): string {
  let out = "";
  for (const ch of kana) out += ch === "ツ" ? "TS" : KANA_MAP.get(ch) ?? "";
  return out;
}

function substitution(classes: string, k: string): number {
  if (classes.includes(k)) return 0;
  // t/d and s/z/sh/ch trade places often (nation → ネーション, picture → ピクチャー).
  if ((classes.includes("T") && k === "S") || (classes.includes("S") && k === "T")) return 0.5;
  return 1;
}

/**
 * How much an English word and a katakana reading sound alike, from 0 (nothing shared) to 1
 * (the same consonant skeleton).
 *
 * @param english Lower-case English, a–z, apostrophe and space.
 * @param kana Katakana.
 * @returns 1 − (weighted edit distance ÷ weight of the longer skeleton); 1 when both are empty.
 * @example A transliteration and a translation
 * ```ts
 * import { soundAlikeScore } from "./sound_alike.ts";
 * soundAlikeScore("computer", "コンピューター") > 0.9; // true
 * soundAlikeScore("trouble", "イザコザ") < 0.5; // true
 * ```
 */
export function soundAlikeScore(english: string, kana: string): number {
  const a = englishSkeleton(english);
  const b = kanaSkeleton(kana);
  // d[i][j]: cost of aligning a[0..i) with b[0..j); one row kept at a time.
  let prev = new Float64Array(b.length + 1).map((_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = new Float64Array(b.length + 1);
    row[0] = prev[0] + a[i - 1].drop;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j] + a[i - 1].drop,
        row[j - 1] + 1,
        prev[j - 1] + substitution(a[i - 1].classes, b[j - 1]),
      );
    }
    prev = row;
  }
  const weightA = a.reduce((s, c) => s + c.drop, 0);
  // At least 1, so that a word of vowels and a silent r (aware → アウェア) is not all penalty.
  const denominator = Math.max(weightA, b.length, 1);
  return Math.max(0, 1 - prev[b.length] / denominator);
}

/**
 * Whether an English word and a katakana reading sound alike: the score reaches
 * {@link SOUND_ALIKE_THRESHOLD}.
 *
 * @param english Lower-case English.
 * @param kana Katakana.
 * @returns True for a transliteration, false for (most) translations.
 */
export function soundsAlike(english: string, kana: string): boolean {
  return soundAlikeScore(english, kana) >= SOUND_ALIKE_THRESHOLD;
}
