import { assert } from "../deps/assert.ts";
import { fnv1a32, splitOf } from "./split.ts";

Deno.test("fnv1a32() matches the published FNV-1a test vectors", () => {
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("splitOf() is stable: the same key always gets the same split", () => {
  // Pinned values: changing the hash or the fractions would move words between splits.
  const keys = ["computer", "statement", "skilful", "black tie", "oritake"];
  assert.deepEqual(keys.map(splitOf), ["train", "test", "valid", "valid", "test"]);
});

Deno.test("splitOf() gives about 90/5/5 over many keys", () => {
  const counts = { train: 0, valid: 0, test: 0 };
  const n = 20000;
  for (let i = 0; i < n; i++) counts[splitOf(`word${i}`)] += 1;
  assert.ok(Math.abs(counts.train / n - 0.9) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.valid / n - 0.05) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.test / n - 0.05) < 0.01, JSON.stringify(counts));
});
