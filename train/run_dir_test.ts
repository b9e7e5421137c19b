import { assert } from "../deps/assert.ts";
import { DEFAULTS } from "./config.ts";
import {
  type EpochRecord,
  hashExamples,
  renderCurves,
  renderReadme,
  type RunInfo,
} from "./run_dir.ts";

function epoch(n: number, validLoss: number, exact: number): EpochRecord {
  const f = { count: 10, exact, bleu: 0.9, cer: 0.05 };
  return {
    epoch: n,
    step: 100 * n,
    lr: 1e-3,
    trainLoss: 2 / n,
    validLoss,
    validTokenAccuracy: 0.9,
    valid: { overall: f, byKind: { en: f, romaji: { ...f, exact: 1 } } },
    taskWeights: { en: 1 },
    trainSeconds: 60,
    validSeconds: 6,
    tokensPerSecond: 1000,
  };
}

const info: RunInfo = {
  config: DEFAULTS,
  dataHash: "ab".repeat(32),
  data: { trainItems: 5 },
  parameters: 5_600_088,
  seed: 1,
  versions: {},
  git: { commit: "0123abc", dirty: false },
  createdAt: "2025-01-01T00:00:00Z",
};

Deno.test("renderCurves() draws one line per series, losses on a log scale", () => {
  const svg = renderCurves([epoch(1, 1.5, 0.2), epoch(2, 0.5, 0.6), epoch(3, 0.05, 0.8)]);
  assert.ok(svg.startsWith("<svg xmlns="));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.equal(svg.match(/<polyline /g)?.length, 5); // train, valid; all, en, romaji
  assert.ok(svg.includes(">100%<") && svg.includes("log scale"));
  assert.ok(!svg.includes("NaN"));
});

Deno.test("renderCurves() copes with no epochs and with a single one", () => {
  for (const epochs of [[], [epoch(1, 1, 0.5)]]) {
    const svg = renderCurves(epochs);
    assert.ok(!svg.includes("NaN") && !svg.includes("Infinity"), svg);
  }
});

Deno.test("renderReadme() names the best epoch and lists every epoch", () => {
  const text = renderReadme("runs/x", info, [
    epoch(1, 1.5, 0.2),
    epoch(2, 0.5, 0.6),
    epoch(3, 0.7, 0.5),
  ]);
  assert.ok(text.includes("Best validation loss 0.5000 at epoch 2: exact 60.0%"), text);
  assert.ok(text.includes("5,600,088 parameters"));
  assert.equal(text.match(/^\| \d+ \|/gm)?.length, 3);
});

Deno.test("hashExamples() changes with any field and is stable otherwise", async () => {
  const a = [{ key: "cat", kana: ["キャット"] }];
  assert.equal(await hashExamples(a), await hashExamples(structuredClone(a)));
  assert.notEqual(await hashExamples(a), await hashExamples([{ key: "cat", kana: ["キヤット"] }]));
  assert.match(await hashExamples([]), /^[0-9a-f]{64}$/);
});
