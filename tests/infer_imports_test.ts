import { assert } from "../deps/assert.ts";

// infer/ must run in browsers and edge runtimes: nothing from outside infer/ and no Deno API.
// Exempt: the HTTP handler and the CLI (the only entry points allowed packages and Deno), the
// dev-time WASM build script, and tests, which run under `deno test`.
const EXEMPT = new Set(["infer/http.ts", "infer/serve.ts", "infer/cli.ts", "infer/wasm/build.ts"]);
const isTest = (path: string) => path.endsWith("_test.ts");

const root = new URL("../", import.meta.url);

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(new URL(dir, root))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sources(path);
    else if (/\.(ts|js|mjs)$/.test(e.name)) yield path;
  }
}

/** Import and export specifiers of a module, static and dynamic. */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]/g,
  ];
  for (const p of patterns) for (const m of code.matchAll(p)) found.push(m[1]);
  return found;
}

Deno.test("infer/ imports nothing outside infer/ and uses no Deno API", async () => {
  const problems: string[] = [];
  let checked = 0;
  for await (const path of sources("infer")) {
    if (EXEMPT.has(path) || isTest(path)) continue;
    checked++;
    const text = await Deno.readTextFile(new URL(path, root));
    for (const spec of specifiers(text)) {
      if (!spec.startsWith(".")) {
        problems.push(`${path} imports "${spec}"`);
        continue;
      }
      const target = new URL(spec, new URL(path, root)).pathname;
      if (!target.startsWith(new URL("infer/", root).pathname)) {
        problems.push(`${path} imports "${spec}" from outside infer/`);
      }
    }
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    if (/\bDeno\s*\./.test(code)) problems.push(`${path} uses the Deno API`);
  }
  assert.ok(checked > 5, `only ${checked} files checked`);
  assert.deepEqual(problems, []);
});

Deno.test("specifiers() finds static, side-effect and dynamic imports", () => {
  const text = `import { a } from "./a.ts";\nimport type { B } from "../b.ts";\n` +
    `export * from "npm:c";\nimport "./d.ts";\nconst e = await import("node:fs");\n` +
    `// import { x } from "commented.ts";\n`;
  assert.deepEqual(specifiers(text).sort(), ["../b.ts", "./a.ts", "./d.ts", "node:fs", "npm:c"]);
});
