import { assert } from "../../deps/assert.ts";
import { readCmudict } from "./cmudict.ts";

Deno.test("readCmudict() lists every pronunciation in CMUdict order", () => {
  const d = readCmudict({
    "tomato(2)": "T AH0 M AA1 T OW2",
    "tomato": "T AH0 M EY1 T OW2",
    "aalborg": "AO1 L B AO0 R G # place, danish",
    "a.": "EY1",
  });
  assert.deepEqual(d.get("tomato"), ["T AH0 M EY1 T OW2", "T AH0 M AA1 T OW2"]);
  assert.deepEqual(d.get("aalborg"), ["AO1 L B AO0 R G"]);
  assert.equal(d.has("a."), false);
});

Deno.test("readCmudict() names an entry with an unknown phone", () => {
  assert.throws(() => readCmudict({ "word": "W ER1 Q" }), {
    name: "SyntaxError",
    message: 'Cannot read CMUdict entry "word": unknown phone "Q"',
  });
});
