/**
 * SKK-JISYO.L (Debian's skkdic): lines whose key is in the alphabet list katakana candidates
 * (`access /アクセス/`). Candidates may carry an annotation after `;`.
 *
 * @module
 */

import { numberedLines } from "../csv.ts";
import { looksKatakana } from "../normalize.ts";
import type { RawPair } from "../pair.ts";

/**
 * Reads an SKK dictionary (already decoded from EUC-JP).
 *
 * @param text The whole dictionary.
 * @param file Its name, for errors.
 * @returns English → katakana pairs; the first katakana candidate of a line is canonical.
 * @throws {SyntaxError} When a non-comment line is not `key /candidate/…/`; the message names
 *   the file and line.
 * @example
 * ```ts
 * import { readSkk } from "./skk.ts";
 * readSkk("status /ステータス/ステイタス/\n", "SKK-JISYO.L").map((p) => p.kana);
 * // ["ステータス", "ステイタス"]
 * ```
 */
export function readSkk(text: string, file: string): RawPair[] {
  const pairs: RawPair[] = [];
  for (const [n, line] of numberedLines(text)) {
    if (line.startsWith(";")) continue;
    const space = line.indexOf(" /");
    if (space <= 0 || !line.endsWith("/")) {
      throw new SyntaxError(
        `Cannot parse ${file}:${n}: expected "key /candidate/…/", found "${line.slice(0, 40)}"`,
      );
    }
    const key = line.slice(0, space);
    if (!/^[A-Za-z]/.test(key)) continue;
    let first = true;
    for (const field of line.slice(space + 2, -1).split("/")) {
      const candidate = field.split(";")[0];
      if (!looksKatakana(candidate)) continue;
      pairs.push({ source: "skk", english: key, kana: candidate, canonical: first });
      first = false;
    }
  }
  return pairs;
}
