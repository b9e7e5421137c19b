import { assert } from "../deps/assert.ts";
import type { Example } from "./dataset.ts";
import { formatExample, loadDataset, parseDataset, parseExample } from "./dataset.ts";

const C2K: Example = {
  key: "computer",
  kana: ["コンピューター", "コンピュータ"],
  sources: [["unidic", "sudachi"], ["unidic"]],
  kind: "en",
  split: "train",
};
const P2K: Example = {
  key: "computer",
  phones: ["K AH0 M P Y UW1 T ER0"],
  kana: ["コンピューター"],
  kind: "en",
  split: "train",
};

Deno.test("formatExample() and parseExample() round-trip both tasks", () => {
  assert.deepEqual(parseExample(formatExample(C2K, "c2k"), "c2k", "c2k.jsonl:1"), C2K);
  assert.deepEqual(parseExample(formatExample(P2K, "p2k"), "p2k", "p2k.jsonl:1"), P2K);
  assert.equal(
    formatExample(C2K, "c2k"),
    '{"key":"computer","kana":["コンピューター","コンピュータ"],' +
      '"sources":[["unidic","sudachi"],["unidic"]],"kind":"en","split":"train"}',
  );
});

Deno.test("parseExample() rejects invalid records with the file and line", () => {
  const bad: [string, RegExp][] = [
    ["{not json", /^Cannot parse c2k\.jsonl:3: /],
    ['{"key":"Computer","kana":["コ"],"sources":[["skk"]],"kind":"en","split":"train"}', /key/],
    ['{"key":"a b","kana":[""],"sources":[["skk"]],"kind":"en","split":"train"}', /kana/],
    ['{"key":"ab","kana":["こ"],"sources":[["skk"]],"kind":"en","split":"train"}', /KATAKANA/],
    ['{"key":"ab","kana":["コ"],"sources":[["skk"]],"kind":"xx","split":"train"}', /kind/],
    ['{"key":"ab","kana":["コ"],"sources":[["skk"]],"kind":"en","split":"dev"}', /split/],
    ['{"key":"ab","kana":["コ","ア"],"sources":[["skk"]],"kind":"en","split":"test"}', /sources/],
    ["[1]", /expected a JSON object/],
  ];
  for (const [line, message] of bad) {
    assert.throws(() => parseExample(line, "c2k", "c2k.jsonl:3"), (e: unknown) => {
      assert.ok(e instanceof SyntaxError);
      assert.match(e.message, /^Cannot parse c2k\.jsonl:3: /);
      assert.match(e.message, message);
      return true;
    });
  }
  const noPhones = '{"key":"ab","phones":["K Q"],"kana":["コ"],"kind":"en","split":"test"}';
  assert.throws(() => parseExample(noPhones, "p2k", "p2k.jsonl:9"), /p2k\.jsonl:9: .*ARPABET/);
});

Deno.test("parseDataset() names the line number of the first malformed line", () => {
  const good = formatExample(C2K, "c2k");
  assert.equal(parseDataset(`${good}\n${good}\n`, "c2k", "c2k.jsonl").length, 2);
  assert.throws(() => parseDataset(`${good}\n\n${good}\n`, "c2k", "c2k.jsonl"), {
    name: "SyntaxError",
    message: /^Cannot parse c2k\.jsonl:2: /,
  });
});

Deno.test("loadDataset() reads a folder and reports the file path of a bad line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/p2k.jsonl`, formatExample(P2K, "p2k") + "\n");
    assert.deepEqual(await loadDataset("p2k", new URL(`file://${dir}`)), [P2K]);
    await Deno.writeTextFile(`${dir}/c2k.jsonl`, formatExample(C2K, "c2k") + "\n{}\n");
    await assert.rejects(() => loadDataset("c2k", new URL(`file://${dir}/`)), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot parse ${dir}/c2k\\.jsonl:2: `),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
