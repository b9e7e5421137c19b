/**
 * A CSV line reader for MeCab dictionary sources (UniDic's lex.csv): comma-separated fields,
 * double quotes around fields that hold commas, "" for a quote inside quotes.
 *
 * @module
 */

/**
 * Splits one CSV line into fields.
 *
 * @param line The line, without its line break.
 * @param where Where the line comes from, for errors ("lex_3_1.csv:12").
 * @returns The fields, unquoted.
 * @throws {SyntaxError} When a quoted field is not closed, or a quote is followed by something
 *   other than a comma.
 * @example
 * ```ts
 * import { parseCsvLine } from "./csv.ts";
 * parseCsvLine('a,"1,2",b', "x.csv:1"); // ["a", "1,2", "b"]
 * ```
 */
export function parseCsvLine(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (true) {
    if (line[i] === '"') {
      let value = "";
      i += 1;
      while (true) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new SyntaxError(`Cannot parse ${where}: a quoted field is not closed`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ",") {
        throw new SyntaxError(
          `Cannot parse ${where}: expected a comma after a quoted field at column ${i + 1}`,
        );
      }
      i += 1;
    } else {
      const comma = line.indexOf(",", i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * Iterates over the non-empty lines of a text with their 1-based line numbers.
 *
 * @param text The whole file.
 * @returns Pairs of line number and line (without "\r").
 */
export function* numberedLines(text: string): Generator<[number, string]> {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    n += 1;
    const line = text.slice(start, end).replace(/\r$/, "");
    if (line !== "") yield [n, line];
    start = end + 1;
  }
}
