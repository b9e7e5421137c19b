/**
 * EDICT (Debian's edict): katakana headwords with English glosses
 * (`ミラー /(n) mirror/(P)/`). Each gloss, and each `(wasei: …)` source phrase, is a candidate
 * English key; glosses are translations as often as source words, so the merge keeps only
 * those that pass the sound-alike check.
 *
 * @module
 */

import { numberedLines } from "../csv.ts";
import { looksKatakana } from "../normalize.ts";
import type { RawPair } from "../pair.ts";
import type { RuleLog } from "../rules.ts";

// A language tag such as "(ger: Arbeit)" or "(ita:)"; "eng:" is English.
const LANGUAGE = /\(([a-z]{3}):[^)]*\)/g;
const WASEI = /\(wasei: ([^)]+)\)/g;
const LEADING_TAGS = /^(\s*(\([^)]*\)|\{[^}]*\}))+\s*/;
const TRAILING_TAGS = /(\s*(\([^)]*\)|\{[^}]*\}))+\s*$/;

/**
 * The English candidates of one gloss: the gloss without its tags and notes, and the phrases
 * of any `(wasei: …)` note.
 *
 * @param gloss One gloss, e.g. `(n) outside corner (baseball) (wasei: out corner)`.
 * @returns The candidates, e.g. `["outside corner", "out corner"]`.
 */
export function glossCandidates(gloss: string): string[] {
  const out = [...gloss.matchAll(WASEI)].map((m) => m[1].trim());
  const plain = gloss.replace(LEADING_TAGS, "").replace(TRAILING_TAGS, "").trim();
  if (plain !== "" && !plain.includes("(")) out.push(plain);
  return out;
}

/**
 * Reads EDICT (already decoded from EUC-JP).
 *
 * @param text The whole dictionary.
 * @param file Its name, for errors.
 * @param log Where rule removals are counted.
 * @returns English → katakana pairs, one per gloss candidate (not yet sound-alike checked).
 * @throws {SyntaxError} When a line is not `headword /gloss/…/`; the message names the file
 *   and line.
 * @example
 * ```ts
 * import { readEdict } from "./edict.ts";
 * import { createRuleLog } from "../rules.ts";
 * readEdict("ミラー /(n) mirror/(P)/\n", "edict", createRuleLog()).map((p) => p.english);
 * // ["mirror"]
 * ```
 */
export function readEdict(text: string, file: string, log: RuleLog): RawPair[] {
  const pairs: RawPair[] = [];
  for (const [n, line] of numberedLines(text)) {
    const slash = line.indexOf(" /");
    if (slash <= 0 || !line.endsWith("/")) {
      throw new SyntaxError(
        `Cannot parse ${file}:${n}: expected "headword /gloss/…/", found "${line.slice(0, 40)}"`,
      );
    }
    const head = line.slice(0, slash);
    if (!looksKatakana(head)) continue;
    const body = line.slice(slash + 2, -1);
    const languages = [...body.matchAll(LANGUAGE)].map((m) => m[1]).filter((l) => l !== "eng");
    if (languages.length > 0) {
      log.remove("edict-foreign-origin", "edict");
      continue;
    }
    const seen = new Set<string>();
    for (const gloss of body.split("/")) {
      for (const english of glossCandidates(gloss)) {
        if (seen.has(english)) continue;
        seen.add(english);
        pairs.push({ source: "edict", english, kana: head, canonical: true });
      }
    }
  }
  return pairs;
}
