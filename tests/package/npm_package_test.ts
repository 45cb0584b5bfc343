// The npm package as a consumer gets it: `npm pack` (which builds lib/ through "prepack"), the
// tarball installed beside @tensorflow/tfjs into an empty project, then imported by its name from
// Node, Bun and Deno (node_modules resolution), and type-checked by tsc against its declarations.
// One install serves every runtime. Every subprocess runs under a time limit.
import assert from "node:assert/strict";
import * as local from "../../mod.ts";
import { PARALLEL_MIN_FLOATS } from "../../parallel/parallel_surgery.ts";
import { BIG, checkScript, consumerGrads, MARKER, SMALL, TYPES_SCRIPT } from "./_consumer.ts";
import { run } from "./_run.ts";

const ROOT = new URL("../../", import.meta.url);
const manifest = JSON.parse(await Deno.readTextFile(new URL("package.json", ROOT)));
/** The tf.js the consumer installs: the version the repository develops against. */
const TFJS = `@tensorflow/tfjs@${manifest.devDependencies["@tensorflow/tfjs"]}`;
const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
const BUN = new URL("node_modules/.bin/bun", ROOT).pathname;
const TSC = new URL("node_modules/typescript/bin/tsc", ROOT).pathname;

/** What the check script reports (see tests/package/_consumer.ts). */
interface Report {
  runtime: string;
  paper: number[];
  small: number[];
  kernel: string;
  threads?: number;
  parallelGap?: number;
  parallelScale?: number;
  parallelError?: string;
  theta?: number[];
  conflicts?: [number, number][];
  tfUpdate?: number[];
  leaked?: number;
  tfjsError?: string;
}

function report(stdout: string): Report {
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  assert.ok(line, `the check script printed no result:\n${stdout}`);
  return JSON.parse(line.slice(MARKER.length));
}

/** The single-thread step from the sources, for comparison with the compiled package. */
function expectedSmall(): number[] {
  return Array.from(
    local.createSurgery({ seed: 3 }).surgery(consumerGrads(SMALL.T, SMALL.d)),
  );
}

/**
 * The plain API from the package: the closed form exactly, and the sources' update to within
 * rounding. Not bit for bit across engines: where the engine has relaxed SIMD (Deno's V8) the
 * kernels fuse multiply-adds, elsewhere (Node 20) they round twice.
 */
function assertPlain(got: Report): void {
  assert.deepEqual(got.paper, [0.5, 1.5]);
  const expected = expectedSmall();
  assert.equal(got.small.length, expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  const gap = Math.max(...expected.map((x, k) => Math.abs(x - got.small[k])));
  assert.ok(gap <= 1e-6 * scale, `${got.runtime}: off the sources' update by ${gap}`);
  assert.equal(got.kernel, "wasm-simd", "the embedded WASM core loads from the package");
}

function assertTfjs(got: Report): void {
  assert.equal(got.tfjsError, undefined);
  // PCGrad on g1 = (1, 0), g2 = (−1, 1): update (0.5, 1.5); SGD at 0.1 from (1, 1).
  assert.deepEqual(got.tfUpdate, [0.5, 1.5]);
  assert.deepEqual(got.conflicts, [[0, 1]]);
  got.theta!.forEach((x, k) => assert.ok(Math.abs(x - [0.95, 0.85][k]) < 1e-6, `${got.theta}`));
  assert.equal(got.leaked, 0, "the step disposed every tensor it made");
}

function assertTwoThreads(got: Report): void {
  assert.equal(got.parallelError, undefined);
  assert.equal(got.threads, 2, `${got.runtime} ran the parallel surgery on one thread`);
  assert.ok(got.parallelGap! <= 1e-5 * got.parallelScale!, `threads: ${got.parallelGap}`);
}

Deno.test("npm package: packed, installed and run from Node, Bun and Deno", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "gs_npm_package_" });
  try {
    const packed = await run("npm", ["pack", "--pack-destination", dir, ...NPM_FLAGS], {
      cwd: ROOT.pathname,
      timeoutMs: 240_000,
    });
    const tarball = `${dir}/${packed.stdout.trim().split("\n").at(-1)}`;

    await t.step("the tarball: lib/ only, both entry points typed, no install script", async () => {
      const list = await run("tar", ["-tzf", tarball], { timeoutMs: 30_000 });
      const files = list.stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
      for (
        const file of [
          "package.json",
          "lib/mod.js",
          "lib/mod.d.ts",
          "lib/adapters/tfjs.js",
          "lib/adapters/tfjs.d.ts",
          "lib/core/_wasm_module.js",
        ]
      ) assert.ok(files.includes(file), `${file} is missing from the tarball`);
      const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
      assert.deepEqual(sources, [], "TypeScript sources in the tarball");
      const extract = await run("tar", ["-xzf", tarball, "-C", dir, "package/package.json"], {
        timeoutMs: 30_000,
      });
      assert.equal(extract.code, 0);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/package/package.json`));
      assert.equal(json.name, "gradient-surgery");
      assert.equal(json.private, undefined);
      assert.equal(json.type, "module");
      for (const script of ["preinstall", "install", "postinstall"]) {
        assert.equal(json.scripts?.[script], undefined, `the package runs "${script}"`);
      }
      assert.deepEqual(Object.keys(json.exports), [".", "./tfjs", "./package.json"]);
      assert.equal(json.peerDependenciesMeta["@tensorflow/tfjs"].optional, true);
      assert.equal(json.dependencies, undefined, "the package depends on nothing");
    });

    const project = `${dir}/consumer`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      `${project}/package.json`,
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await run("npm", ["install", ...NPM_FLAGS, tarball, TFJS], {
      cwd: project,
      timeoutMs: 240_000,
    });
    await Deno.writeTextFile(`${project}/check.mjs`, checkScript());
    await Deno.writeTextFile(`${project}/check_npm_prefix.mjs`, checkScript("npm:"));
    await Deno.writeTextFile(`${project}/types.ts`, TYPES_SCRIPT);

    const reports = new Map<string, Report>();
    const runtimes: [string, string, string[]][] = [
      ["Node", "node", ["check.mjs"]],
      ["Bun", BUN, ["check.mjs"]],
      // A Deno project with a package.json resolves bare names through node_modules.
      ["Deno", Deno.execPath(), ["run", "--allow-read", "--allow-env", "check.mjs"]],
      // npm: specifiers resolve through the same node_modules.
      ["Deno, npm: specifiers", Deno.execPath(), [
        "run",
        "--allow-read",
        "--allow-env",
        "check_npm_prefix.mjs",
      ]],
    ];
    for (const [name, command, args] of runtimes) {
      await t.step(`${name}: the plain API and "./tfjs" by the package's name`, async () => {
        const result = await run(command, args, { cwd: project, timeoutMs: 120_000 });
        const got = report(result.stdout);
        reports.set(name, got);
        if (name === "Node") assert.match(got.runtime, /^node (\d+)\./);
        if (name === "Node") assert.ok(Number(got.runtime.split(/[ .]/)[1]) >= 20, got.runtime);
        assertPlain(got);
        assertTfjs(got);
      });
    }
    // Node 20 has no Worker global: its threads run on node:worker_threads.
    for (const [name] of runtimes) {
      await t.step(
        `${name}: createParallelSurgery({ threads: 2 }) gets two threads`,
        () => {
          const got = reports.get(name);
          assert.ok(got, `${name} did not run`);
          assertTwoThreads(got);
        },
      );
    }

    await t.step("TypeScript: tsc checks a consumer against the .d.ts files", async () => {
      await run("node", [
        TSC,
        "--noEmit",
        ...["--strict", "--skipLibCheck"],
        ...["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"],
        "types.ts",
      ], { cwd: project, timeoutMs: 120_000 });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npm package: the threaded check is large enough to start workers", () => {
  assert.ok(BIG.T * BIG.d >= PARALLEL_MIN_FLOATS);
});
