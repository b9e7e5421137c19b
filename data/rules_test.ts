import { assert } from "../deps/assert.ts";
import { createRuleLog, RULES } from "./rules.ts";

Deno.test("createRuleLog() counts removals per rule and source, in RULES order", () => {
  const log = createRuleLog();
  log.remove("not-sound-alike", "edict");
  log.remove("acronym", "skk", 2);
  log.remove("acronym", "edict");
  assert.deepEqual(log.counts(), {
    acronym: { edict: 1, skk: 2 },
    "not-sound-alike": { edict: 1 },
  });
  assert.ok(Object.keys(RULES).indexOf("acronym") < Object.keys(RULES).indexOf("not-sound-alike"));
});

Deno.test("createRuleLog() rejects a rule that is not documented", () => {
  assert.throws(() => createRuleLog().remove("made-up", "skk"), RangeError);
});
