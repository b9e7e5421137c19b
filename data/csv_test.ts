import { assert } from "../deps/assert.ts";
import { numberedLines, parseCsvLine } from "./csv.ts";

Deno.test("parseCsvLine() splits fields and unquotes quoted ones", () => {
  assert.deepEqual(parseCsvLine('a,"1,2",b', "x.csv:1"), ["a", "1,2", "b"]);
  assert.deepEqual(parseCsvLine('"say ""hi""",', "x.csv:1"), ['say "hi"', ""]);
  assert.deepEqual(parseCsvLine("a,,b", "x.csv:1"), ["a", "", "b"]);
});

Deno.test("parseCsvLine() names the file and line of a malformed line", () => {
  assert.throws(() => parseCsvLine('a,"open', "lex.csv:7"), {
    name: "SyntaxError",
    message: "Cannot parse lex.csv:7: a quoted field is not closed",
  });
  assert.throws(() => parseCsvLine('"a"b,c', "lex.csv:8"), /lex\.csv:8: expected a comma/);
});

Deno.test("numberedLines() numbers lines from 1 and skips empty ones", () => {
  assert.deepEqual([...numberedLines("a\r\n\nb\n")], [[1, "a"], [3, "b"]]);
});
