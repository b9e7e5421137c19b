/**
 * The edge entries build into single files that carry the models and the page, and those
 * files serve without reading anything from disk.
 *
 * The build runs in a scratch copy of the sources with small random models in `models/`, so
 * it works before the shipped models exist and never touches the real `models/` folder.
 */

import { assert } from "../deps/assert.ts";
import { randomModelBytes } from "./_http_fixture.ts";

const ROOT = new URL("../", import.meta.url);
/**
 * A child process (bundler or server) that outlives this is killed (SIGTERM), so that a hang
 * fails its test instead of stalling the suite; each takes a few seconds when all is well.
 */
const CHILD_LIMIT_MS = 120_000;

async function copyTree(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const src = new URL(entry.name + (entry.isDirectory ? "/" : ""), from);
    if (entry.isDirectory) await copyTree(src, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(src, `${to}/${entry.name}`);
  }
}

/** A scratch copy of what the entries import, with random models; returns its path. */
async function scratchCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2k-deploy-" });
  for (const folder of ["infer", "deploy", "web"]) {
    await copyTree(new URL(`${folder}/`, ROOT), `${dir}/${folder}`);
  }
  for (const file of ["deno.json", "deno.lock"]) {
    await Deno.copyFile(new URL(file, ROOT), `${dir}/${file}`);
  }
  await Deno.symlink(new URL("node_modules", ROOT).pathname, `${dir}/node_modules`);
  await Deno.mkdir(`${dir}/models`);
  await Deno.writeFile(`${dir}/models/c2k.safetensors`, randomModelBytes("c2k", 3));
  await Deno.writeFile(`${dir}/models/p2k.safetensors`, randomModelBytes("p2k", 4));
  return dir;
}

async function bundle(dir: string, entry: string, platform: string): Promise<string> {
  const out = `${dir}/dist/${entry.replace(/^deploy\//, "").replace(/\.ts$/, ".js")}`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--unstable-raw-imports",
      "--platform",
      platform,
      "--output",
      out,
      entry,
    ],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(CHILD_LIMIT_MS),
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return out;
}

Deno.test({
  name: "the Cloudflare Worker bundle carries the models and the page and serves them",
  // The bundled module keeps its decoded models alive for the rest of the test process.
  sanitizeResources: false,
  fn: async () => {
    const dir = await scratchCopy();
    try {
      const file = await bundle(dir, "deploy/cloudflare_worker.ts", "browser");
      const code = await Deno.readTextFile(file);
      assert.ok(
        !/\bDeno\.(readFile|open|stat|serve)/.test(code),
        "the Worker bundle uses no Deno file or server API",
      );
      // Moved away from the scratch copy, it still serves: nothing comes from the disk.
      const moved = await Deno.makeTempFile({ suffix: ".js" });
      await Deno.rename(file, moved);
      await Deno.remove(dir, { recursive: true });
      const worker = (await import(`file://${moved}`)).default as {
        fetch(req: Request, env: unknown, ctx: unknown): Promise<Response>;
      };
      const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
      const call = (path: string, init?: RequestInit) =>
        worker.fetch(new Request(`https://e2k.example${path}`, init), {}, ctx);
      const res = await call("/v1/convert?text=computer");
      assert.equal(res.status, 200, await res.clone().text());
      assert.match((await res.json()).kana, /^[\u30a1-\u30fc]+$/);
      const post = await call("/v1/convert", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ words: ["data", "center"], strategy: "beam", nbest: 2 }),
      });
      assert.equal(post.status, 200, await post.clone().text());
      // One model only: Workers limit the script's size.
      const models = await (await call("/v1/models")).json();
      assert.deepEqual(models.models.map((m: { task: string }) => m.task), ["c2k"]);
      assert.match(await (await call("/")).text(), /<title>e2k/);
      const model = await call("/models/c2k.safetensors");
      assert.deepEqual(new Uint8Array(await model.arrayBuffer()), randomModelBytes("c2k", 3));
      await Deno.remove(moved);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("the Deno Deploy bundle starts a server that answers from the bundled model", async () => {
  const dir = await scratchCopy();
  try {
    const file = await bundle(dir, "deploy/deno_deploy.ts", "deno");
    // A port that was free a moment ago (the bundle takes its port from PORT).
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const child = new Deno.Command(Deno.execPath(), {
      // Only the network: the bundle must not need to read files.
      args: ["run", `--allow-net=127.0.0.1:${port},0.0.0.0:${port}`, "--allow-env", file],
      env: { PORT: String(port) },
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(CHILD_LIMIT_MS),
    }).spawn();
    try {
      let res: Response | undefined;
      for (let i = 0; i < 100 && !res; i++) {
        res = await fetch(`http://127.0.0.1:${port}/v1/convert?text=computer`).catch(() =>
          undefined
        );
        if (!res) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(res, "the server did not answer");
      assert.equal(res.status, 200, await res.clone().text());
      assert.match((await res.json()).kana, /^[\u30a1-\u30fc]+$/);
      const p2k = await fetch(`http://127.0.0.1:${port}/v1/convert?model=p2k&text=K%20AE1%20T`);
      assert.equal(p2k.status, 200, await p2k.clone().text());
      assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /<title>e2k/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await child.stderr.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
