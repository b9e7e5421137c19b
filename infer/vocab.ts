/**
 * The vocabularies of both models: the contract between the dataset, training and decoding.
 *
 * Ids 0, 1 and 2 are the same in every vocabulary: padding, start of sequence, end of sequence.
 * A model file carries its own copy of its vocabularies (in the config), so these lists may grow
 * in a later version without breaking files already shipped.
 *
 * @module
 */

/** Padding id: positions holding it are masked out of attention and loss. */
export const PAD = 0;
/** Start-of-sequence id: the first decoder input. */
export const SOS = 1;
/** End-of-sequence id: appended to every source, and what the decoder emits to stop. */
export const EOS = 2;

/** The special tokens, in id order. */
export const SPECIALS = ["<pad>", "<s>", "</s>"] as const;

/** C2K source symbols: lower-case letters, apostrophe, and space (phrases of several words). */
export const C2K_SOURCE: readonly string[] = [
  ...SPECIALS,
  ..."abcdefghijklmnopqrstuvwxyz",
  "'",
  " ",
];

const VOWELS = [
  "AA",
  "AE",
  "AH",
  "AO",
  "AW",
  "AY",
  "EH",
  "ER",
  "EY",
  "IH",
  "IY",
  "OW",
  "OY",
  "UH",
  "UW",
];
const CONSONANTS = [
  "B",
  "CH",
  "D",
  "DH",
  "F",
  "G",
  "HH",
  "JH",
  "K",
  "L",
  "M",
  "N",
  "NG",
  "P",
  "R",
  "S",
  "SH",
  "T",
  "TH",
  "V",
  "W",
  "Y",
  "Z",
  "ZH",
]; // deno-fmt-ignore

/** The 69 CMUdict ARPAbet symbols: 15 vowels with stress 0, 1 or 2, then 24 consonants. */
export const ARPABET: readonly string[] = [
  ...VOWELS.flatMap((v) => [`${v}0`, `${v}1`, `${v}2`]),
  ...CONSONANTS,
];

/** P2K source symbols: specials, the 69 ARPAbet symbols, and a word separator. */
export const P2K_SOURCE: readonly string[] = [...SPECIALS, ...ARPABET, " "];

/** Katakana outputs: ァ (U+30A1) … ヴ (U+30F4), then the long-vowel mark ー (U+30FC). */
export const KATAKANA: readonly string[] = [
  ...Array.from({ length: 0x30f4 - 0x30a1 + 1 }, (_, i) => String.fromCharCode(0x30a1 + i)),
  "ー",
];

/** Target symbols of both models: specials then the 85 katakana (88 in all, as in e2k). */
export const TARGET: readonly string[] = [...SPECIALS, ...KATAKANA];

/** A map from symbol to id, for encoding. */
export function indexOf(vocab: readonly string[]): Map<string, number> {
  return new Map(vocab.map((s, i) => [s, i]));
}
