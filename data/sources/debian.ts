/**
 * Debian packages as data sources: `apt-get download` into a cache folder (once), then the
 * needed files extracted from the package's file system archive (`dpkg-deb --fsys-tarfile` into
 * `tar`, which is `dpkg -x` limited to those files: UniDic's package unpacks to 5 GB, of which
 * the build reads 230 MB).
 *
 * @module
 */

import { exists } from "../../deps/fs.ts";

/** A Debian package and the files the build reads from it. */
export interface DebSource {
  /** Package name, e.g. "skkdic". */
  name: string;
  /** Exact version, e.g. "20230109-1": the dataset is rebuilt from this version only. */
  version: string;
  /** Paths inside the package, e.g. "usr/share/skk/SKK-JISYO.L". */
  files: string[];
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot run "${cmd} ${args.join(" ")}": ${err || `exit ${out.code}`}`);
  }
  return text;
}

/**
 * Makes sure the package's files are extracted under the cache, downloading the package first
 * when its .deb is not cached.
 *
 * @param source The package, version and files.
 * @param cacheDir The cache folder (`.cache/` at the repository root).
 * @param progress Called with (bytes unpacked, bytes expected) while extracting.
 * @returns The folder that holds the extracted files at their package paths.
 * @throws {Error} When apt-get cannot download that version (run `apt-get update` first) or the
 *   package lacks a file.
 */
export async function ensureDebFiles(
  source: DebSource,
  cacheDir: string,
  progress: (done: number, total: number) => void = () => {},
): Promise<string> {
  const { name, version, files } = source;
  const root = `${cacheDir}/root/${name}_${version}`;
  const present = await Promise.all(files.map((f) => exists(`${root}/${f}`)));
  if (present.every(Boolean)) return root;
  const debDir = `${cacheDir}/deb`;
  const deb = `${debDir}/${name}_${version}_all.deb`;
  await Deno.mkdir(debDir, { recursive: true });
  if (!(await exists(deb))) {
    try {
      await run("apt-get", ["download", `${name}=${version}`], debDir);
    } catch (e) {
      throw new Error(
        `Cannot download Debian package "${name}" ${version}: run "apt-get update" and retry ` +
          `(${(e as Error).message})`,
      );
    }
  }
  const total = Number((await run("dpkg-deb", ["-f", deb, "Installed-Size"])).trim()) * 1024;
  await Deno.mkdir(root, { recursive: true });
  const unpack = new Deno.Command("dpkg-deb", { args: ["--fsys-tarfile", deb], stdout: "piped" })
    .spawn();
  const tar = new Deno.Command("tar", {
    args: ["-x", "-C", root, ...files.map((f) => `./${f}`)],
    stdin: "piped",
  }).spawn();
  const writer = tar.stdin.getWriter();
  let done = 0;
  for await (const chunk of unpack.stdout) {
    await writer.write(chunk);
    done += chunk.length;
    progress(done, total);
  }
  await writer.close();
  const [a, b] = await Promise.all([unpack.status, tar.status]);
  if (!a.success || !b.success) {
    throw new Error(`Cannot extract ${files.join(", ")} from "${deb}": the package may lack them`);
  }
  return root;
}
