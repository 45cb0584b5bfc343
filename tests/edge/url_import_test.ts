// Import by URL: the repository served over HTTP on 127.0.0.1, a script in a fresh Deno cache that
// imports mod.ts by URL with no permission but --allow-import for that host (so nothing in the
// plain API may read files, the network or the environment), and the same numbers as a local
// import, from the WASM core; the parallel surgery's threads run from its embedded worker source.
import assert from "node:assert/strict";
import * as local from "../../mod.ts";
import { serveStatic } from "../../tools/static_server.ts";
import { sampleGrads, splitPhaseUpdate } from "./_workload.ts";

const ROOT = new URL("../../", import.meta.url);
/**
 * The script's time limit: a fresh cache fetching every module takes seconds; a stuck script
 * (say, a parallel surgery that never settles) is killed at this limit and fails the test.
 */
const LIMIT_MS = 120_000;

/** The script the fresh Deno runs: every entry point, printed as JSON. */
function script(base: string): string {
  return `
import * as gs from "${base}mod.ts";
import { sampleGrads, splitPhaseUpdate } from "${base}tests/edge/_workload.ts";
import { taskGradients } from "${base}examples/browser/workload.ts";

const grads = sampleGrads();
const stateful = gs.createSurgery({ seed: 3 });
const first = stateful.surgery(grads);
const second = stateful.surgery(grads);
let error = "";
try {
  gs.surgery([new Float32Array(3), new Float32Array(2)]);
} catch (e) {
  error = e.constructor.name + ": " + e.message;
}
// The parallel surgery: its worker comes with the modules (2 × 2^19 floats: enough for threads).
const big = taskGradients(2, 1 << 19);
const parallel = await gs.createParallelSurgery({ threads: 2, seed: 3 });
const threaded = await parallel.surgery(big);
parallel.close();
const single = gs.createSurgery({ seed: 3 }).surgery(big);
let parallelGap = 0;
let parallelScale = 0;
single.forEach((x, k) => {
  parallelGap = Math.max(parallelGap, Math.abs(x - threaded[k]));
  parallelScale = Math.max(parallelScale, Math.abs(x));
});
console.log(JSON.stringify({
  threads: parallel.threads,
  parallelGap,
  parallelScale,
  paper: Array.from(gs.surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])])),
  oneShot: Array.from(gs.surgery(grads, { seed: 3 })),
  first: Array.from(first),
  second: Array.from(second),
  kernel: stateful.stats.kernel,
  conflicts: stateful.stats.conflicts,
  split: Array.from(splitPhaseUpdate(gs, grads, 3)),
  error,
}));
`;
}

Deno.test("url import: mod.ts by URL in a fresh cache, no permissions, WASM core", async () => {
  const server = serveStatic(ROOT);
  const dir = await Deno.makeTempDir({ prefix: "gs_url_import_" });
  try {
    const main = `${dir}/main.ts`;
    await Deno.writeTextFile(main, script(server.url));
    const { code, signal, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        "--no-prompt",
        `--allow-import=127.0.0.1:${server.port}`,
        main,
      ],
      cwd: dir,
      clearEnv: true,
      env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(LIMIT_MS),
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(signal, null, `the URL-importing script was killed after ${LIMIT_MS} ms:\n${err}`);
    assert.equal(code, 0, `the URL-importing script failed:\n${err}`);
    const got = JSON.parse(new TextDecoder().decode(stdout));

    // Closed form (Algorithm 1 by hand), and bitwise the same as a local import.
    assert.deepEqual(got.paper, [0.5, 1.5]);
    const grads = sampleGrads();
    const stateful = local.createSurgery({ seed: 3 });
    assert.deepEqual(got.first, Array.from(stateful.surgery(grads)));
    assert.deepEqual(got.second, Array.from(stateful.surgery(grads)));
    assert.notDeepEqual(got.first, got.second, "the stream advances between steps");
    assert.deepEqual(got.oneShot, got.first);
    assert.deepEqual(got.conflicts, stateful.stats?.conflicts);
    assert.ok(got.conflicts.length > 0, "the sample has conflicting tasks");
    assert.deepEqual(got.split, Array.from(splitPhaseUpdate(local, grads, 3)));
    assert.equal(got.kernel, "wasm-simd");
    assert.match(got.error, /^RangeError: Cannot run surgery: task 1 has length 2, expected 3/);
    assert.equal(got.threads, 2);
    assert.ok(got.parallelGap <= 1e-5 * got.parallelScale, `threads: ${got.parallelGap}`);

    // Only TypeScript modules were fetched, all found: no data files, no npm.
    for (const { path, status } of server.requests) {
      assert.equal(status, 200, path);
      assert.match(path, /\.ts$/);
    }
    const fetched = new Set(server.requests.map((r) => r.path));
    assert.ok(fetched.has("/mod.ts"));
    assert.ok(fetched.has("/core/_wasm_module.ts"), "the embedded WASM module came by URL");
    // The worker runs from the text in parallel/_worker_source.ts: no module file of its own.
    assert.ok(
      fetched.has("/parallel/_worker_source.ts"),
      "the parallel worker's source came by URL",
    );
    assert.ok(!fetched.has("/parallel/worker.ts"), "the worker module itself is never loaded");
    assert.equal(fetched.size, server.requests.length, "each module fetched once");
    assert.equal(err.includes("Download"), true, "a fresh cache downloads the modules");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
