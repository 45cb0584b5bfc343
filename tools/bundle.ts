/**
 * Builds dist/: the library as one ESM file with the WASM core embedded (Node 20, browsers,
 * bundlers, edge runtimes), its type declarations, the edge-worker example as one deployable file,
 * and the static browser page; and in dist/edge/ the library and the worker again, importing the
 * core as the module core.wasm beside them, for runtimes that refuse to compile WebAssembly from
 * bytes (Cloudflare Workers, Vercel Edge; tools/_edge_core.ts). dist/ is built, never committed: `deno task bundle` (or
 * `npm run bundle`) writes it, and CI builds it before the tests in tests/edge/ use it.
 *
 * `deno bundle` (esbuild inside; fetched from npm on first use) does the bundling; the parallel
 * surgery's worker is already inside the library, as text (parallel/_worker_source.ts).
 * @module
 */

import { CORE_WASM_FILE, coreWasmBytes, importCoreWasm } from "./_edge_core.ts";

const ROOT = new URL("../", import.meta.url);
/** Where the build goes. */
export const DIST = new URL("dist/", ROOT);

/** One `deno bundle` run: an entry point of the repository to one file in dist/. */
interface Target {
  entry: string;
  output: string;
  /** Also emit a .d.mts beside the output. */
  declaration?: boolean;
  /** Imports the core as ./core.wasm (its entry imports tools/edge/provide_core.ts first). */
  coreWasm?: boolean;
}

/** The files dist/ holds, besides the copied page. */
export const TARGETS: readonly Target[] = [
  { entry: "mod.ts", output: "gradient-surgery.mjs", declaration: true },
  { entry: "examples/edge_worker/worker.ts", output: "edge_worker.mjs" },
  // The page's own code; it takes the library from ../gradient-surgery.mjs at run time.
  { entry: "examples/browser/toy_page.ts", output: "browser/toy_page.mjs" },
  // tf.js (core + webgpu backend) and the library's tf.js adapter, for the page's WebGPU section.
  { entry: "examples/browser/tfjs_page.ts", output: "browser/tfjs_page.mjs" },
  // The library and the worker on dist/edge/core.wasm, for runtimes without WebAssembly compiling.
  {
    entry: "tools/edge/library.ts",
    output: "edge/gradient-surgery.mjs",
    declaration: true,
    coreWasm: true,
  },
  { entry: "tools/edge/worker.ts", output: "edge/worker.mjs", coreWasm: true },
];

/** Where the edge builds' core.wasm goes. */
const CORE_WASM_OUTPUT = `edge/${CORE_WASM_FILE}`;

/** Static files of the page, copied as they are. */
const PAGE_FILES = ["index.html"];

/** Bundles `entry` (a path in the repository) for browsers into the one ESM file `output`. */
export async function bundleEntry(entry: string, output: URL, declaration = false): Promise<void> {
  const args = [
    "bundle",
    "--quiet",
    "--platform=browser",
    "--format=esm",
    `--output=${output.pathname}`,
    ...(declaration ? ["--declaration"] : []),
    new URL(entry, ROOT).pathname,
  ];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

/** Puts the import of core.wasm on top of a bundled edge target. */
async function writeCoreImport(target: Target, output: URL): Promise<void> {
  const { code, count } = importCoreWasm(await Deno.readTextFile(output));
  if (count === 0) {
    throw new Error(
      `Cannot import core.wasm in ${target.output}: its entry must import tools/edge/provide_core.ts, which reads the import`,
    );
  }
  await Deno.writeTextFile(output, code);
}

/** Builds every target into dist/ and copies the page's static files. */
export async function buildDist(): Promise<void> {
  await Deno.remove(DIST, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(new URL("browser/", DIST), { recursive: true });
  await Deno.mkdir(new URL("edge/", DIST), { recursive: true });
  for (const target of TARGETS) {
    const output = new URL(target.output, DIST);
    await bundleEntry(target.entry, output, target.declaration);
    if (target.coreWasm) await writeCoreImport(target, output);
  }
  await Deno.writeFile(new URL(CORE_WASM_OUTPUT, DIST), coreWasmBytes());
  for (const file of PAGE_FILES) {
    await Deno.copyFile(
      new URL(`examples/browser/${file}`, ROOT),
      new URL(`browser/${file}`, DIST),
    );
  }
}

if (import.meta.main) {
  await buildDist();
  for (const output of [...TARGETS.map((t) => t.output), CORE_WASM_OUTPUT]) {
    const { size } = await Deno.stat(new URL(output, DIST));
    console.log(`dist/${output}  ${(size / 1024).toFixed(1)} KiB`);
  }
}
