// Node's side of the bundle check (run by tests/edge/bundle_test.ts, or by hand after
// `deno task bundle`): `node tests/edge/node_bundle_check.mjs dist/ < workload.json`.
// Loads the single-file ESM build and the bundled edge worker in plain Node (20 or later), checks
// what it can on its own (closed form, WASM core, errors, the worker's fetch), and prints the
// updates of the workload on stdin ({ grads: number[][], seed }) as JSON for bitwise comparison.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dir] = process.argv.slice(2);
assert.ok(dir, "usage: node node_bundle_check.mjs <dist dir> < workload.json");
assert.equal(typeof globalThis.Deno, "undefined", "run this with node, not deno");
const major = Number(process.versions.node.split(".")[0]);
assert.ok(major >= 20, `Node 20 or later expected, found ${process.versions.node}`);

const load = (file) => import(pathToFileURL(resolve(dir, file)).href);
const gs = await load("gradient-surgery.mjs");
const { default: worker } = await load("edge_worker.mjs");

// The paper's two-task example (Algorithm 1 by hand) and the kernel the bundle brought.
assert.deepEqual(Array.from(gs.surgery([Float32Array.of(1, 0), Float32Array.of(-1, 1)])), [
  0.5,
  1.5,
]);
const probe = gs.createSurgery();
probe.surgery([Float32Array.of(1, 2), Float32Array.of(3, 4)]);
assert.equal(probe.stats.kernel, "wasm-simd");
assert.throws(
  () => gs.surgery([new Float32Array(3), new Float32Array(2)]),
  (e) => e instanceof RangeError && /task 1 has length 2, expected 3/.test(e.message),
);

const { grads: rows, seed } = JSON.parse(readFileSync(0, "utf8"));
const grads = rows.map((row) => Float32Array.from(row));
const stateful = gs.createSurgery({ seed });
const first = Array.from(stateful.surgery(grads));
const second = Array.from(stateful.surgery(grads));

const cut = Math.floor(grads[0].length / 2);
const left = grads.map((g) => g.subarray(0, cut));
const right = grads.map((g) => g.subarray(cut));
const { weights } = gs.surgeryWeights(gs.accumulateGram(right, gs.accumulateGram(left)), { seed });
const split = [...gs.combineBlock(left, weights), ...gs.combineBlock(right, weights)];

const response = await worker.fetch(
  new Request("http://worker.test/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grads: rows, options: { seed } }),
  }),
);
assert.equal(response.status, 200);
const fromWorker = await response.json();
assert.equal(fromWorker.stats.kernel, "wasm-simd");

console.log(JSON.stringify({
  node: process.versions.node,
  first,
  second,
  split,
  worker: fromWorker.update,
}));
