/**
 * CMUdict (npm `cmu-pronouncing-dictionary`): English words and their ARPAbet pronunciations,
 * with variants listed as `word(2)`, `word(3)` ….
 *
 * @module
 */

import { ARPABET } from "../../infer/vocab.ts";

const PHONES: ReadonlySet<string> = new Set(ARPABET);
const ENTRY = /^([a-z][a-z']*)(?:\((\d+)\))?$/;

/**
 * Reads the dictionary into word → pronunciations (the first listed first). Entries whose word
 * is not a–z and apostrophe (`a.`, `'bout`) are skipped: no key could match them. Comments
 * after `#` are dropped.
 *
 * @param dictionary The package's `dictionary` object: entry → phones separated by spaces.
 * @returns Each word's pronunciations in CMUdict order.
 * @throws {SyntaxError} When a pronunciation holds a symbol outside the ARPAbet vocabulary or
 *   is empty; the message names the entry.
 * @example
 * ```ts
 * import { readCmudict } from "./cmudict.ts";
 * readCmudict({ "tomato": "T AH0 M EY1 T OW2", "tomato(2)": "T AH0 M AA1 T OW2" })
 *   .get("tomato"); // ["T AH0 M EY1 T OW2", "T AH0 M AA1 T OW2"]
 * ```
 */
export function readCmudict(dictionary: Readonly<Record<string, string>>): Map<string, string[]> {
  const variants = new Map<string, [number, string][]>();
  for (const [entry, phones] of Object.entries(dictionary)) {
    const m = ENTRY.exec(entry);
    if (!m) continue;
    // A few entries carry a comment after "#" ("AO1 L B AO0 R G # place, danish").
    const text = phones.split("#")[0].trim();
    const symbols = text.split(/\s+/);
    const bad = symbols.find((s) => !PHONES.has(s));
    if (text === "" || bad !== undefined) {
      throw new SyntaxError(
        `Cannot read CMUdict entry "${entry}": ${
          bad === undefined ? "no phones" : `unknown phone "${bad}"`
        }`,
      );
    }
    const list = variants.get(m[1]) ?? [];
    list.push([m[2] ? Number(m[2]) : 1, symbols.join(" ")]);
    variants.set(m[1], list);
  }
  const out = new Map<string, string[]>();
  for (const [word, list] of variants) {
    const phones = list.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    out.set(word, [...new Set(phones)]);
  }
  return out;
}
