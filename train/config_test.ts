import { assert } from "../deps/assert.ts";
import { DEFAULTS, modelConfigOf, parseTrainArgs, usage } from "./config.ts";
import { validateConfig } from "../infer/model_spec.ts";

const noFile = (path: string): string => {
  throw new Deno.errors.NotFound(`No such file: ${path}`);
};

function throwsWith(fn: () => unknown, cls: ErrorConstructor, text: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    assert.ok((e as Error).message.includes(text), `"${(e as Error).message}" lacks "${text}"`);
    return true;
  });
}

Deno.test("parseTrainArgs() gives the defaults with no flags", () => {
  const { config, resume, explicit } = parseTrainArgs([], noFile);
  assert.deepEqual(config, DEFAULTS);
  assert.equal(resume, false);
  assert.equal(explicit.size, 0);
  validateConfig(modelConfigOf(config));
});

Deno.test("parseTrainArgs() lays flags over the file over the defaults", () => {
  const file = JSON.stringify({ dModel: 128, heads: 2, epochs: 3, trainKinds: ["en"] });
  const { config, explicit, resume } = parseTrainArgs(
    ["--config", "x.json", "--epochs", "7", "--task-weights", "romaji=0.5", "--resume"],
    () => file,
  );
  assert.equal(config.dModel, 128);
  assert.equal(config.epochs, 7);
  assert.deepEqual(config.trainKinds, ["en"]);
  assert.deepEqual(config.taskWeights, { en: 1, phrase: 1, romaji: 0.5 });
  assert.equal(resume, true);
  assert.deepEqual([...explicit].sort(), [
    "dModel",
    "epochs",
    "heads",
    "taskWeights",
    "trainKinds",
  ]);
});

Deno.test("parseTrainArgs() parses lists in canonical order", () => {
  const { config } = parseTrainArgs(["--valid-kinds", "romaji,en"], noFile);
  assert.deepEqual(config.validKinds, ["en", "romaji"]);
});

Deno.test("parseTrainArgs() names the flag and value of a bad number", () => {
  throwsWith(
    () => parseTrainArgs(["--d-model", "abc"], noFile),
    RangeError,
    '--d-model: "dModel" must be an integer >= 1, got "abc"',
  );
  throwsWith(
    () => parseTrainArgs(["--dropout", "1.5"], noFile),
    RangeError,
    '"dropout" must be a number >= 0 and <= 0.9, got "1.5"',
  );
  throwsWith(() => parseTrainArgs(["--lr", "0"], noFile), RangeError, '"lr" must be a number > 0');
  throwsWith(
    () => parseTrainArgs(["--epochs", "2.5"], noFile),
    RangeError,
    '"epochs" must be an integer',
  );
});

Deno.test("parseTrainArgs() names the key and file of a bad JSON value", () => {
  throwsWith(
    () => parseTrainArgs(["--config", "c.json"], () => '{"activation": "tanh"}'),
    RangeError,
    'in "c.json": "activation" must be one of "relu", "gelu", got "tanh"',
  );
  throwsWith(
    () => parseTrainArgs(["--config", "c.json"], () => '{"dmodel": 64}'),
    RangeError,
    'unknown key "dmodel"; did you mean "dModel"?',
  );
  throwsWith(
    () => parseTrainArgs(["--config", "c.json"], () => '{"heads": "4"}'),
    RangeError,
    '"heads" must be an integer >= 1, got "4"',
  );
  throwsWith(
    () => parseTrainArgs(["--config", "c.json"], () => "[1, 2]"),
    SyntaxError,
    "expected a JSON object",
  );
  throwsWith(
    () => parseTrainArgs(["--config", "c.json"], () => "{oops"),
    SyntaxError,
    'Cannot parse config file "c.json"',
  );
  throwsWith(
    () => parseTrainArgs(["--config", "missing.json"], noFile),
    TypeError,
    'Cannot read config file "missing.json"',
  );
});

Deno.test("parseTrainArgs() rejects bad lists, weights and combinations", () => {
  throwsWith(
    () => parseTrainArgs(["--train-kinds", "en,klingon"], noFile),
    RangeError,
    '"trainKinds" must be a non-empty list',
  );
  throwsWith(
    () => parseTrainArgs(["--task-weights", "en=-1"], noFile),
    RangeError,
    '"taskWeights" must be kind=weight pairs',
  );
  throwsWith(() => parseTrainArgs(["--task-weights", "en"], noFile), RangeError, '"taskWeights"');
  throwsWith(
    () => parseTrainArgs(["--d-model", "100", "--heads", "3"], noFile),
    RangeError,
    '"dModel" 100 must be divisible by "heads" 3',
  );
  throwsWith(
    () => parseTrainArgs(["--train-kinds", "en", "--task-weights", "en=0"], noFile),
    RangeError,
    '"taskWeights" are 0 for every trained kind',
  );
});

Deno.test("parseTrainArgs() rejects unknown flags and missing values", () => {
  throwsWith(() => parseTrainArgs(["--dmodel", "3"], noFile), TypeError, "--dmodel");
  throwsWith(() => parseTrainArgs(["--epochs"], noFile), TypeError, "--epochs");
  throwsWith(() => parseTrainArgs(["stray"], noFile), TypeError, "stray");
});

Deno.test("usage() lists every flag with its default", () => {
  const text = usage();
  assert.ok(text.includes("--d-model"));
  assert.ok(text.includes('--task-weights         default "en=1,phrase=1,romaji=1"'));
});
