/**
 * Builds lib/, the npm package's contents: every module that "." (mod.ts) and "./tfjs"
 * (adapters/tfjs.ts) reach, plus the parallel surgery's worker, compiled one file per module to
 * ESM JavaScript with .d.ts declarations by TypeScript's own compiler (npm package `typescript`).
 * One file per module keeps one copy of the embedded WASM core for both entry points, and keeps
 * parallel/worker.js beside parallel/parallel_surgery.js, where the module URL that starts the
 * workers points. `npm pack` runs this through the `prepack` script; lib/ is never committed.
 * @module
 */

const ROOT = new URL("../", import.meta.url);
/** Where the build goes (package.json "files" and "exports" point here). */
export const LIB = new URL("lib/", ROOT);

/**
 * The modules compiled with everything they import. Modules that code loads by URL (a worker's
 * `new URL("./worker.ts", import.meta.url)`) are found in the output and compiled too.
 */
const ENTRIES = ["mod.ts", "adapters/tfjs.ts"];

/**
 * tsc resolves `/// <reference lib="deno.worker" />` (a worker's Deno-only global types) to no
 * lib file and reports TS2726; the DOM lib's Worker types stand in for it. Any other diagnostic
 * fails the build.
 */
const TOLERATED =
  /^[\w/]+\.ts\(\d+,\d+\): error TS2726: Cannot find lib definition for 'deno\.[a-z.]+'\.$/;

/** A module URL built from a relative .ts path beside the module (the worker's). */
const TS_MODULE_URL = /new URL\((["'])(\.{1,2}\/[^"']+)\.ts\1, import\.meta\.url\)/g;
/** The same through `import.meta.resolve`. */
const TS_RESOLVE = /import\.meta\.resolve\((["'])(\.{1,2}\/[^"']+)\.ts\1\)/g;
const ANY_MODULE_URL = /new URL\((["'])(\.{1,2}\/[^"']+)\1, import\.meta\.url\)/g;
/**
 * A relative .ts specifier in a declaration file's import or export (tsc rewrites them in the
 * JavaScript only). Doc comments, whose examples import "./tfjs.ts", start with " *" and are left.
 */
const DTS_SPECIFIER =
  /^((?:import|export)\b[^\n]*? from |[^*\n]*\bimport\()(["'])(\.{1,2}\/[^"'\n]+)\.ts\2/gm;

/** tsc's command line: the entries and the options (a tsconfig.json would need a file). */
function tscArgs(entries: readonly string[]): string[] {
  return [
    ...entries,
    ...["--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler"],
    // Imports keep their .ts extensions in the sources (Deno's way); the output says .js.
    "--rewriteRelativeImportExtensions",
    "--declaration",
    ...["--outDir", LIB.pathname, "--rootDir", ROOT.pathname],
    ...["--strict", "--noImplicitReturns", "--noImplicitOverride", "--noFallthroughCasesInSwitch"],
    "--skipLibCheck",
    ...["--lib", "ES2024,ESNext.Array,DOM,DOM.Iterable"],
    ...["--newLine", "lf", "--pretty", "false"],
  ];
}

async function runTsc(entries: readonly string[]): Promise<void> {
  const tsc = new URL("node_modules/typescript/bin/tsc", ROOT).pathname;
  const { stdout, stderr } = await new Deno.Command("node", {
    args: [tsc, ...tscArgs(entries)],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  const lines = (text.decode(stdout) + text.decode(stderr)).split("\n").filter((l) => l !== "");
  const problems = lines.filter((line) => !TOLERATED.test(line));
  if (problems.length > 0) {
    throw new Error(`tsc failed to compile the npm package:\n${problems.join("\n")}`);
  }
}

function existsIn(file: URL, path: string): boolean {
  try {
    Deno.statSync(new URL(path, file));
    return true;
  } catch {
    return false;
  }
}

async function* files(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* files(url);
    else yield url;
  }
}

/** Sources that the compiled code loads by a module URL (relative to the repository). */
async function loadedByUrl(): Promise<string[]> {
  const found = new Set<string>();
  for await (const file of files(LIB)) {
    if (!file.pathname.endsWith(".js")) continue;
    const code = await Deno.readTextFile(file);
    for (const pattern of [TS_MODULE_URL, TS_RESOLVE]) {
      for (const [, , path] of code.matchAll(pattern)) {
        const source = new URL(
          `${path}.ts`,
          new URL(file.pathname.slice(LIB.pathname.length), ROOT),
        );
        found.add(source.pathname.slice(ROOT.pathname.length));
      }
    }
  }
  return [...found].sort();
}

/**
 * Points module URLs at the compiled files (`new URL("./worker.ts", import.meta.url)` becomes
 * "./worker.js") and the declarations' imports at the .d.ts files beside them (through the ".js"
 * names, as TypeScript resolves them), drops Deno-only lib references, then checks that every
 * module URL in lib/ names a file that exists.
 */
async function fixModuleUrls(): Promise<void> {
  for await (const file of files(LIB)) {
    if (!file.pathname.endsWith(".js") && !file.pathname.endsWith(".d.ts")) continue;
    const before = await Deno.readTextFile(file);
    let after = before.replace(/^\/\/\/ <reference lib="deno\.[a-z.]+" \/>\n/gm, "");
    if (file.pathname.endsWith(".d.ts")) {
      after = after.replace(DTS_SPECIFIER, (_, head: string, q: string, path: string) => {
        if (!existsIn(file, `${path}.d.ts`)) {
          throw new Error(`${file.pathname} refers to ${path}.ts, which has no declaration file`);
        }
        return `${head}${q}${path}.js${q}`;
      });
    }
    if (file.pathname.endsWith(".js")) {
      after = after.replace(TS_MODULE_URL, (_, q: string, path: string) => {
        return `new URL(${q}${path}.js${q}, import.meta.url)`;
      }).replace(TS_RESOLVE, (_, q: string, path: string) => {
        return `import.meta.resolve(${q}${path}.js${q})`;
      });
      for (const [, , path] of after.matchAll(ANY_MODULE_URL)) {
        const target = new URL(path, file);
        try {
          await Deno.stat(target);
        } catch {
          throw new Error(`${file.pathname} refers to ${path}, which the build did not emit`);
        }
      }
    }
    if (after !== before) await Deno.writeTextFile(file, after);
  }
}

/** Compiles the package into lib/ (replacing it) and returns the files written. */
export async function buildNpm(): Promise<string[]> {
  await Deno.remove(LIB, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  let entries = [...ENTRIES];
  await runTsc(entries);
  const extra = (await loadedByUrl()).filter((source) => !entries.includes(source));
  if (extra.length > 0) {
    entries = [...entries, ...extra];
    await runTsc(entries);
  }
  await fixModuleUrls();
  const written: string[] = [];
  for await (const file of files(LIB)) written.push(file.pathname.slice(LIB.pathname.length));
  for (const entry of entries) {
    const js = entry.replace(/\.ts$/, ".js");
    if (!written.includes(js)) throw new Error(`Cannot build the npm package: no lib/${js}`);
  }
  return written.sort();
}

if (import.meta.main) {
  const written = await buildNpm();
  const js = written.filter((f) => f.endsWith(".js")).length;
  console.log(`lib/: ${js} modules, ${written.length - js} declaration files`);
}
