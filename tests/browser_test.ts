/// <reference lib="dom" />
/**
 * The page in real headless Chromium (Debian's `chromium`, driven by `playwright-core`): it
 * loads, converts as you type on the CPU, shows the n-best list and the attention heat map,
 * switches strategy, model and backend, and leaves a screenshot in `test-artifacts/`.
 *
 * With the shipped model (models/c2k.safetensors) the page must turn "computer" into
 * コンピューター. Without it the page runs a random model, so the test checks the mechanics:
 * the katakana decoded in the browser equals what the same model gives in Deno.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium fonts-noto-cjk`); it is skipped,
 * visibly, where that is missing.
 */

import { chromium, type Page } from "playwright-core";
import { assert } from "../deps/assert.ts";
import { loadConverter } from "../infer/converter.ts";
import { createApp } from "../infer/http.ts";
import { pageAssets } from "../infer/serve.ts";
import { randomModelBytes, serveOnLoopback, shippedModelBytes } from "./_http_fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

const shipped = shippedModelBytes("c2k");
const c2kBytes = shipped ?? randomModelBytes("c2k");
const p2kBytes = shippedModelBytes("p2k") ?? randomModelBytes("p2k");

async function waitConverted(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (t) => document.body.dataset.converted === t && document.body.dataset.state !== "converting",
    text,
    { timeout: 20_000 },
  );
  const state = await page.getAttribute("body", "data-state");
  assert.equal(state, "ready", `page state ${state}: ${await page.textContent("#status")}`);
}

Deno.test({
  name: "the page converts as you type on the CPU and shows the n-best list and attention",
  ignore: !hasChromium,
  // playwright-core keeps its pipes to the browser open until the process ends.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = serveOnLoopback(
      createApp({
        models: { c2k: c2kBytes },
        assets: pageAssets({ c2k: c2kBytes, p2k: p2kBytes }),
      }),
    );
    const profile = await Deno.makeTempDir({ prefix: "e2k-chromium-" });
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
      await page.goto(`${server.origin}/`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });

      // Greedy on the CPU, as typed.
      await page.fill("#input", "computer");
      await waitConverted(page, "computer");
      const kana = (await page.textContent("#kana"))!;
      const inDeno = await (await loadConverter(c2kBytes, { backend: "cpu" })).convertText(
        "computer",
      );
      if (shipped) assert.equal(kana, "コンピューター");
      assert.equal(kana, inDeno.kana, "the browser decodes as Deno does");
      assert.match(kana, /^[\u30a1-\u30fc]+$/);
      assert.match((await page.textContent("#status"))!, /C2K on (cpu|wasm)/);

      // The n-best list: best first, ranked by logProb / (length + 1) (beam's default length
      // normalisation, alpha 1, EOS counted), the best is what is shown.
      await page.selectOption("#strategy", "beam");
      await waitConverted(page, "computer");
      const items = await page.$$eval("#nbest-list li", (lis) =>
        lis.map((li) => ({
          kana: (li as HTMLElement).dataset.kana!,
          score: Number((li as HTMLElement).dataset.score),
        })));
      assert.equal(items.length, 5);
      assert.equal(items[0].kana, await page.textContent("#kana"));
      const ranked = items.map((it) => it.score / ([...it.kana].length + 1));
      for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1] >= ranked[i] - 1e-9);
      assert.equal(new Set(items.map((i) => i.kana)).size, 5, "n-best entries are distinct");

      // The heat map is drawn: some pixels of the canvas are coloured.
      const inked = await page.$eval("#attention", (c) => {
        const canvas = c as HTMLCanvasElement;
        const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      });
      assert.ok(inked > 500, `only ${inked} pixels drawn`);
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL("page.png", ARTIFACTS).pathname, fullPage: true });

      // Another model, and a second word typed on.
      await page.selectOption("#model", "p2k");
      await page.fill("#input", "K AH0 M P Y UW1 T ER0");
      await waitConverted(page, "K AH0 M P Y UW1 T ER0");
      assert.match((await page.textContent("#kana"))!, /^[\u30a1-\u30fc]+$/);
      assert.match((await page.textContent("#status"))!, /P2K on (cpu|wasm)/);

      // WebGPU: a result or a clear error, never a hang (headless Chromium has no GPU here).
      await page.selectOption("#backend", "webgpu");
      await page.waitForFunction(() => document.body.dataset.state !== "converting", null, {
        timeout: 20_000,
      });
      const status = (await page.textContent("#status"))!;
      assert.match(status, /on webgpu|Cannot|not available/i, status);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(profile, { recursive: true });
    }
  },
});
