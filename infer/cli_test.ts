import { assert } from "../deps/assert.ts";
import { randomModel, tinyConfig, tinyP2kConfig } from "./_test_model.ts";
import { main } from "./cli.ts";
import { loadConverter } from "./converter.ts";
import { writeModel } from "./model_file.ts";
import type { ModelConfig } from "./model_spec.ts";

const C2K = tinyConfig({ maxSrcLen: 24, maxTgtLen: 24 });

async function modelFile(config: ModelConfig): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await Deno.writeFile(path, writeModel(config, randomModel(config, 3), { dtype: "F32" }));
  return path;
}

/** Runs the CLI in-process with `stdin` text; returns its exit status and outputs. */
async function run(args: string[], stdin = "") {
  let stdout = "", stderr = "";
  const code = await main(args, {
    stdin: new Blob([stdin]).stream(),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTerminal: false,
  });
  return { code, stdout, stderr };
}

Deno.test("cli main() prints one tab-separated line per word argument, in order", async () => {
  const model = await modelFile(C2K);
  try {
    const { code, stdout } = await run(["-m", model, "--kernels", "ts", "cat", "FBI", "東京"]);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    const c = await loadConverter(await Deno.readFile(model), { kernels: "ts" });
    assert.equal(lines[0], `cat\t${(await c.convert("cat")).kana}`);
    assert.equal(lines[1], "FBI\tエフビーアイ");
    assert.equal(lines[2], "東京\t東京");
    c.dispose();
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() reads stdin and a file, keeping blank lines and the order", async () => {
  const model = await modelFile(C2K);
  const file = await Deno.makeTempFile();
  try {
    const input = "cat\n\nDog\r\nNew York\n";
    await Deno.writeTextFile(file, input);
    const fromStdin = await run(["-m", model, "--kernels", "ts"], input);
    const fromFile = await run(["-m", model, "--kernels", "ts", "--file", file]);
    assert.equal(fromStdin.code, 0);
    assert.equal(fromStdin.stdout, fromFile.stdout);
    const lines = fromStdin.stdout.split("\n");
    assert.equal(lines.length, 5); // four lines, each ended by "\n"
    assert.match(lines[0], /^cat\t[ァ-ヴー]+$/);
    assert.equal(lines[1], "");
    assert.match(lines[2], /^Dog\t[ァ-ヴー]+$/);
    assert.match(lines[3], /^New York\t[ァ-ヴー]+$/);
  } finally {
    await Deno.remove(model);
    await Deno.remove(file);
  }
});

Deno.test("cli main() --json prints one conversion object per line", async () => {
  const model = await modelFile(C2K);
  try {
    const { code, stdout } = await run(
      ["-m", model, "--kernels", "ts", "--json", "--strategy", "beam", "--nbest", "2"],
      "cat\nFBI\n",
    );
    assert.equal(code, 0);
    const [cat, fbi] = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(cat.input, "cat");
    assert.equal(cat.source, "model");
    assert.equal(cat.nbest.length, 2);
    assert.equal(typeof cat.logProb, "number");
    assert.equal(typeof cat.incomplete, "boolean");
    assert.equal(fbi.kana, "エフビーアイ");
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() reports bad lines on stderr, keeps going and exits 1", async () => {
  const model = await modelFile(C2K);
  try {
    const { code, stdout, stderr } = await run(
      ["-m", model, "--kernels", "ts", "--on-invalid", "error"],
      "cat\ndog!\nsun\n",
    );
    assert.equal(code, 1);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.equal(lines[1], "dog!\t");
    assert.match(lines[2], /^sun\t/);
    assert.match(stderr, /line 2: Cannot convert "dog!": unsupported characters "!"/);
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() --text converts running text line by line", async () => {
  const model = await modelFile(C2K);
  try {
    const { code, stdout } = await run(["-m", model, "--kernels", "ts", "--text"], "I like it.\n");
    assert.equal(code, 0);
    assert.match(stdout, /^I like it\.\tアイ [ァ-ヴー]+ [ァ-ヴー]+\.\n$/);
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() warns about readings cut at the maximum length", async () => {
  const model = await modelFile(C2K);
  try {
    const { stdout, stderr } = await run(
      ["-m", model, "--kernels", "ts", "--max-length", "1"],
      "cat\ndog\nsun\nmoon\ntree\n",
    );
    assert.equal(stdout.trimEnd().split("\n").length, 5);
    assert.match(stderr, /readings? (was|were) cut at the maximum length \(incomplete; lines 1/);
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() draws a progress bar on stderr when asked", async () => {
  const model = await modelFile(C2K);
  try {
    const words = Array.from({ length: 30 }, (_, i) => "ab".repeat(1 + (i % 3))).join("\n");
    const { code, stdout, stderr } = await run(
      ["-m", model, "--kernels", "ts", "--progress", "--batch", "8"],
      words,
    );
    assert.equal(code, 0);
    assert.equal(stdout.trimEnd().split("\n").length, 30);
    assert.match(stderr, /30\/30 100%/);
    const quiet = await run(["-m", model, "--kernels", "ts"], words);
    assert.doesNotMatch(quiet.stderr, /%/, "no bar off a terminal unless asked");
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() reads ARPAbet with a p2k model", async () => {
  const model = await modelFile(tinyP2kConfig({ maxSrcLen: 24, maxTgtLen: 24 }));
  try {
    const ok = await run(["-m", model, "--kernels", "ts", "K AH0 M P Y UW1 T ER0"]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^K AH0 M P Y UW1 T ER0\t[ァ-ヴー]+\n$/);
    const bad = await run(["-m", model, "--kernels", "ts", "K AH M"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /AH0, AH1 or AH2/);
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli main() rejects bad flags with exit status 2 before loading a model", async () => {
  const cases: [string[], RegExp][] = [
    [["--beam", "0"], /Invalid --beam "0": expected an integer ≥ 1/],
    [["--beam", "2.5"], /Invalid --beam "2.5"/],
    [["--p", "1.5"], /Invalid --p "1.5": expected a number in \(0, 1\]/],
    [["--temperature", "0"], /Invalid --temperature "0"/],
    [["--strategy", "best"], /Invalid --strategy "best": use greedy, beam, top_k, top_p/],
    [["--backend", "tpu"], /Invalid --backend "tpu"/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["--file", "x", "word"], /not both/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr, stdout } = await run(["-m", "/nonexistent.safetensors", ...args]);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, message);
    assert.match(stderr, /--help/);
    assert.equal(stdout, "");
  }
});

Deno.test("cli main() says clearly when the model cannot be read", async () => {
  const missing = await run(["-m", "/nonexistent/model.safetensors", "cat"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Cannot read model file "\/nonexistent\/model.safetensors"/);
  assert.equal(missing.stdout, "");
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: deno task convert/);
});

/**
 * A child process that outlives this is killed (SIGTERM), so that a CLI that hangs fails its
 * test instead of stalling the suite; it ends in under a second when all is well.
 */
const CHILD_LIMIT_MS = 60_000;

Deno.test("infer/cli.ts runs as a program: stdin in, stdout out, exit status", async () => {
  const model = await modelFile(C2K);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./cli.ts", import.meta.url).pathname, "-m", model, "--json"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_LIMIT_MS),
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("FBI\n"));
    await writer.close();
    const { code, stdout } = await child.output();
    assert.equal(code, 0);
    assert.equal(JSON.parse(new TextDecoder().decode(stdout)).kana, "エフビーアイ");
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./cli.ts", import.meta.url).pathname, "--k", "x"],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_LIMIT_MS),
    }).output();
    assert.equal(bad.code, 2);
  } finally {
    await Deno.remove(model);
  }
});

Deno.test("cli --model both reads a word and its ARPAbet a line, with both shipped models", async () => {
  const input = "florida F L AO1 R AH0 D AH0\n\nreceipt R IH0 S IY1 T\ncat\n";
  const { code, stdout, stderr } = await run(["--model", "both"], input);
  assert.equal(code, 1); // "cat" has no pronunciation
  assert.equal(
    stdout,
    "florida F L AO1 R AH0 D AH0\tフロリダ\n\nreceipt R IH0 S IY1 T\tレシート\ncat\t\n",
  );
  assert.match(stderr, /line 4: Cannot convert "cat" with both models: give the word, then/);
  const json = await run(["--model", "both", "--nbest", "2", "--json", "receipt R IH0 S IY1 T"]);
  const r = JSON.parse(json.stdout);
  assert.equal(r.nbest.length, 2);
  assert.equal(r.kana, r.nbest[0].kana);
  const text = await run(["--model", "both", "--text", "x"]);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /--text reads running text with c2k/);
});
