import { assert } from "../../deps/assert.ts";
import { readSkk } from "./skk.ts";

Deno.test("readSkk() reads katakana candidates of alphabet keys, without annotations", () => {
  const text = [
    ";; okuri-nasi entries.",
    "status /ステータス/ステイタス/",
    "alacarte /アラカルト;a la carte/ア・ラ・カルト/",
    "AIDS /エイズ/後天性免疫不全症候群/",
    "あい /愛/",
  ].join("\n");
  assert.deepEqual(readSkk(text, "SKK-JISYO.L").map((p) => [p.english, p.kana, p.canonical]), [
    ["status", "ステータス", true],
    ["status", "ステイタス", false],
    ["alacarte", "アラカルト", true],
    ["alacarte", "ア・ラ・カルト", false],
    ["AIDS", "エイズ", true],
  ]);
});

Deno.test("readSkk() names the file and line of a malformed line", () => {
  assert.throws(() => readSkk("ok /オーケー/\nbroken line\n", "SKK-JISYO.L"), {
    name: "SyntaxError",
    message: 'Cannot parse SKK-JISYO.L:2: expected "key /candidate/…/", found "broken line"',
  });
});
