// Node's side of the bundle check (run by tests/edge/bundle_test.ts, or by hand after
// `deno task bundle`): `node tests/edge/node_bundle_check.mjs dist/ < workload.json`.
// Loads the single-file ESM build and the bundled edge worker in plain Node (20 or later), checks
// what it can on its own (closed form, WASM core, errors, the worker's fetch), runs the parallel
// surgery on worker_threads, and prints the updates of the workload on stdin
// ({ grads: number[][], seed }) and what the threads did as JSON, for the test to compare.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as workerThreads from "node:worker_threads";
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

// The parallel surgery on Node's worker_threads. Every Worker the library starts is counted, and
// so is every reply its thread sends: one "gram" and one "done" per step means the thread ran it.
const threadsModule = process.getBuiltinModule("node:worker_threads");
assert.equal(threadsModule.Worker, workerThreads.Worker);
const replies = [];
threadsModule.Worker = class extends workerThreads.Worker {
  constructor(...args) {
    super(...args);
    this.on("message", (reply) => replies.push(reply.type));
  }
};
// 2 × 2^19 floats: the smallest step that runs on the workers.
const big = [0, 1].map((t) =>
  Float32Array.from({ length: 1 << 19 }, (_, k) => Math.sin(k * (t + 1)) * (t + 1))
);
const runs = [];
for (let run = 0; run < 2; run++) {
  const pcgrad = await gs.createParallelSurgery({ threads: 2, seed });
  try {
    assert.equal(pcgrad.threads, 2);
    assert.equal(pcgrad.singleThreadReason, null);
    runs.push([await pcgrad.surgery(big), await pcgrad.surgery(big)]);
    // The steps may resolve on the shared counters before the worker's replies are delivered
    // (close() would drop them): wait for them, 30 s at most.
    const until = Date.now() + 30_000;
    while (replies.filter((type) => type === "done").length < 2 * (run + 1) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    pcgrad.close();
  }
}
threadsModule.Worker = workerThreads.Worker;
const single = gs.createSurgery({ seed });
const singleSteps = [single.surgery(big), single.surgery(big)];
const gaps = runs[0].map((update, s) => {
  const scale = singleSteps[s].reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const gap = singleSteps[s].reduce((m, x, k) => Math.max(m, Math.abs(x - update[k])), 0);
  return gap / scale;
});
const defaults = await gs.createParallelSurgery();
const defaultThreads = defaults.threads;
defaults.close();
const parallel = {
  threads: 2,
  workersStarted: replies.filter((type) => type === "ready").length,
  replies: replies.filter((type) => type !== "ready"),
  relativeGaps: gaps,
  bitwiseRepeat: runs[0].every((u, s) => u.every((x, k) => Object.is(x, runs[1][s][k]))),
  defaultThreads,
  expectedDefault: Math.min(8, availableParallelism()),
};

console.log(JSON.stringify({
  node: process.versions.node,
  parallel,
  first,
  second,
  split,
  worker: fromWorker.update,
}));
