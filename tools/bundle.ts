/**
 * Builds dist/: the library as one ESM file with the WASM core embedded (Node 20, browsers,
 * bundlers, edge runtimes), its type declarations, the edge-worker example as one deployable file,
 * and the static browser page. dist/ is built, never committed: `deno task bundle` (or
 * `npm run bundle`) writes it, and CI builds it before the tests in tests/edge/ use it.
 *
 * `deno bundle` (esbuild inside; fetched from npm on first use) does the bundling; the parallel
 * surgery's worker is already inside the library, as text (parallel/_worker_source.ts).
 * @module
 */

const ROOT = new URL("../", import.meta.url);
/** Where the build goes. */
export const DIST = new URL("dist/", ROOT);

/** One `deno bundle` run: an entry point of the repository to one file in dist/. */
interface Target {
  entry: string;
  output: string;
  /** Also emit a .d.mts beside the output. */
  declaration?: boolean;
}

/** The files dist/ holds, besides the copied page. */
export const TARGETS: readonly Target[] = [
  { entry: "mod.ts", output: "gradient-surgery.mjs", declaration: true },
  { entry: "examples/edge_worker/worker.ts", output: "edge_worker.mjs" },
  // The page's own code; it takes the library from ../gradient-surgery.mjs at run time.
  { entry: "examples/browser/toy_page.ts", output: "browser/toy_page.mjs" },
  // tf.js (core + webgpu backend) and the library's tf.js adapter, for the page's WebGPU section.
  { entry: "examples/browser/tfjs_page.ts", output: "browser/tfjs_page.mjs" },
];

/** Static files of the page, copied as they are. */
const PAGE_FILES = ["index.html"];

async function bundle(entry: string, output: URL, declaration = false): Promise<void> {
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

/** Builds every target into dist/ and copies the page's static files. */
export async function buildDist(): Promise<void> {
  await Deno.remove(DIST, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(new URL("browser/", DIST), { recursive: true });
  for (const target of TARGETS) {
    await bundle(target.entry, new URL(target.output, DIST), target.declaration);
  }
  for (const file of PAGE_FILES) {
    await Deno.copyFile(
      new URL(`examples/browser/${file}`, ROOT),
      new URL(`browser/${file}`, DIST),
    );
  }
}

if (import.meta.main) {
  await buildDist();
  for (const target of TARGETS) {
    const { size } = await Deno.stat(new URL(target.output, DIST));
    console.log(`dist/${target.output}  ${(size / 1024).toFixed(1)} KiB`);
  }
}
