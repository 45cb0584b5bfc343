// The single-file ESM build (dist/gradient-surgery.mjs, from tools/bundle.ts): one self-contained
// file with the WASM core inside, loaded by plain Node and by Deno, giving bitwise the numbers of
// the source; the bundled edge worker beside it.
import assert from "node:assert/strict";
import * as local from "../../mod.ts";
import { freshDist } from "./_dist.ts";
import { taskGradients } from "../../examples/browser/workload.ts";
import { sampleGrads, splitPhaseUpdate } from "./_workload.ts";

const SEED = 5;

/** What every computation of the workload must give: the source's numbers. */
function expected() {
  const grads = sampleGrads();
  const stateful = local.createSurgery({ seed: SEED });
  return {
    first: Array.from(stateful.surgery(grads)),
    second: Array.from(stateful.surgery(grads)),
    split: Array.from(splitPhaseUpdate(local, grads, SEED)),
    worker: Array.from(local.surgery(grads, { seed: SEED })),
  };
}

Deno.test("bundle: one file, no imports, WASM embedded, no Deno APIs", async () => {
  const dist = await freshDist();
  for (const file of ["gradient-surgery.mjs", "edge_worker.mjs"]) {
    const code = await Deno.readTextFile(new URL(file, dist));
    assert.doesNotMatch(code, /^\s*import\s/m, `${file} imports nothing`);
    assert.doesNotMatch(code, /\bimport\s*\(/, `${file} has no dynamic import`);
    assert.doesNotMatch(code, /\bDeno\./, `${file} uses no Deno API`);
    assert.doesNotMatch(code, /import\.meta\.url/, `${file} needs no file beside it`);
    // "AGFzbQ" is base64 of the WASM magic number "\0asm".
    assert.match(code, /"AGFzbQ/, `${file} embeds the WASM module`);
  }
  const types = await Deno.readTextFile(new URL("gradient-surgery.d.mts", dist));
  for (const name of ["surgery", "createSurgery", "accumulateGram", "surgeryWeights"]) {
    assert.match(types, new RegExp(`export declare function ${name}\\(`));
  }
  // The page's own module takes the library from the bundle at run time, so it has no copy.
  const page = await Deno.readTextFile(new URL("browser/toy_page.mjs", dist));
  assert.doesNotMatch(page, /AGFzbQ/);
  assert.match(page, /export \{[^}]*startToyPage/);
});

Deno.test("bundle: Deno loads it and gets the source's numbers", async () => {
  const dist = await freshDist();
  const bundled: typeof local = await import(new URL("gradient-surgery.mjs", dist).href);
  const grads = sampleGrads();
  const stateful = bundled.createSurgery({ seed: SEED });
  const want = expected();
  assert.deepEqual(Array.from(stateful.surgery(grads)), want.first);
  assert.deepEqual(Array.from(stateful.surgery(grads)), want.second);
  assert.equal(stateful.stats?.kernel, "wasm-simd");
  assert.deepEqual(Array.from(splitPhaseUpdate(bundled, grads, SEED)), want.split);
});

Deno.test("bundle: the parallel surgery runs its threads from the one file", async () => {
  const dist = await freshDist();
  const bundled: typeof local = await import(new URL("gradient-surgery.mjs", dist).href);
  const grads = taskGradients(2, 1 << 19); // 2^20 floats: enough for the threads to start
  const parallel = await bundled.createParallelSurgery({ threads: 2, seed: SEED });
  try {
    assert.equal(parallel.threads, 2);
    const threaded = await parallel.surgery(grads);
    const single = local.createSurgery({ seed: SEED }).surgery(grads);
    const scale = single.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const gap = single.reduce((m, x, k) => Math.max(m, Math.abs(x - threaded[k])), 0);
    assert.ok(gap <= 1e-5 * scale, `threaded vs single: ${gap} of ${scale}`);
  } finally {
    parallel.close();
  }
});

Deno.test("bundle: plain Node loads it and the worker, gets the source's numbers within f32 rounding, and runs threads", async () => {
  const dist = await freshDist();
  const child = new Deno.Command("node", {
    args: [new URL("node_bundle_check.mjs", import.meta.url).pathname, dist.pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    // Node must exit by itself once the parallel surgery is closed; killed if it does not.
    signal: AbortSignal.timeout(120_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  const workload = { grads: sampleGrads().map((g) => Array.from(g)), seed: SEED };
  await writer.write(new TextEncoder().encode(JSON.stringify(workload)));
  await writer.close();
  const { code, signal, stdout, stderr } = await child.output();
  assert.equal(signal, null, "node did not exit by itself");
  assert.equal(code, 0, `node failed:\n${new TextDecoder().decode(stderr)}`);
  const { node, parallel, ...got } = JSON.parse(new TextDecoder().decode(stdout));
  assert.ok(Number(node.split(".")[0]) >= 20, `Node ${node}`);
  // worker_threads: one worker for each of the two surgeries of 2 threads, each of the four steps
  // run by it (a "gram" and a "done" reply), the single-threaded update within float32 rounding,
  // bitwise the same from the second surgery; by default as many threads as CPUs (at most 8).
  assert.equal(parallel.defaultThreads, parallel.expectedDefault);
  assert.equal(parallel.workersStarted, 2);
  assert.deepEqual(parallel.replies, Array(4).fill(["gram", "done"]).flat());
  for (const gap of parallel.relativeGaps) assert.ok(gap <= 1e-5, `threads vs one: ${gap}`);
  assert.equal(parallel.bitwiseRepeat, true);
  // Node 20's V8 has no relaxed SIMD, so its WASM core is the plain-SIMD build: separate multiply
  // and add where Deno fuses them. Equal within float32 rounding, not bit for bit.
  const want = expected();
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const [key, values] of Object.entries(want)) {
    const scale = Math.max(1, ...values.map(Math.abs));
    const worst = Math.max(...values.map((x, k) => Math.abs(x - got[key][k])));
    assert.equal(got[key].length, values.length, key);
    assert.ok(worst <= 1e-5 * scale, `${key}: Node differs from Deno by ${worst}`);
  }
});
