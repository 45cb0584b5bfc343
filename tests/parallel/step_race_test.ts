// The step protocol under injected descheduling. Every worker runs the real worker source behind
// a prelude that stalls it, for lengths drawn from a seed, at each point of the protocol: before it
// handles a step message, before and after each reply, before and after each Atomics.wait. That is
// what a loaded machine does at random, made frequent, so that the interleavings a 2-core CI run
// meets once in thousands of steps come within a few seconds: the main thread's spin gives up and
// it waits for replies, a worker starts late, replies and then stalls, sleeps late on a word that
// has already changed. Every step must still finish (a deadlock fails through _with_parallel.ts's
// time limit) with the single-threaded update, and the same bits when repeated.
import assert from "node:assert/strict";
import { createGradientBuffer, createSurgery, sharedFloat32Array } from "../../mod.ts";
import { d, maxRelDiff, T } from "./_fixtures.ts";
import { WORKER_SOURCE } from "../../parallel/_worker_source.ts";
import { makeGrads } from "../../bench/inputs.ts";
import { withParallel } from "./_with_parallel.ts";

/** Longest stall: past the main thread's spin (SPIN_MS), so it falls back on the replies. */
const MAX_STALL_MS = 15;
/** Longest a step may take here before the test fails as a deadlock. */
const LIMIT_MS = 20_000;

/**
 * The worker's prelude: a linear congruential generator from `seed` decides, at each protocol
 * point, whether the worker stalls (one point in two) and for how long (busy, as a descheduled
 * thread: it neither runs nor handles messages meanwhile).
 */
function stallingPrelude(seed: number): string {
  return `
let seed = ${seed >>> 0};
const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const stall = () => {
  if (next() < 0.5) return;
  const until = performance.now() + next() * ${MAX_STALL_MS};
  while (performance.now() < until);
};
const post = self.postMessage.bind(self);
self.postMessage = (message) => { stall(); post(message); stall(); };
const wait = Atomics.wait;
Atomics.wait = (...args) => { stall(); const woken = wait(...args); stall(); return woken; };
let handler = null;
self.addEventListener("message", (event) => { stall(); handler(event); });
Object.defineProperty(self, "onmessage", { get: () => handler, set: (h) => { handler = h; } });
`;
}

/**
 * Runs `body` with every Worker started meanwhile running the stalling prelude before the worker
 * source (worker k's stalls seeded by seed + k); the global Worker is restored afterwards.
 */
async function withStallingWorkers(seed: number, body: () => Promise<void>): Promise<void> {
  const RealWorker = globalThis.Worker;
  const urls: string[] = [];
  globalThis.Worker = class extends RealWorker {
    constructor(_url: string | URL, options?: WorkerOptions) {
      const source = stallingPrelude(seed + urls.length) + WORKER_SOURCE;
      const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      urls.push(url);
      super(url, options);
    }
  };
  try {
    await body();
  } finally {
    globalThis.Worker = RealWorker;
    urls.forEach((url) => URL.revokeObjectURL(url));
  }
}

Deno.test("parallel under stalled workers: every step finishes, with the same update", async () => {
  const plain = makeGrads(T, d);
  const shared = makeGrads(T, d, sharedFloat32Array);
  const buffer = createGradientBuffer(T, d, { shared: true });
  buffer.rows.forEach((row, t) => row.set(plain[t]));
  const bad = plain.map((g) => g.slice());
  bad[2][d - 3] = NaN;
  for (const [seed, threads] of [[1, 2], [2, 3], [3, 2]]) {
    await withStallingWorkers(seed * 100, () =>
      withParallel({ threads, seed }, async (p) => {
        const single = createSurgery({ seed });
        const check = async (grads: readonly Float32Array[], out?: Float32Array) => {
          const want = single.surgery(plain);
          const got = await p.surgery(grads, { out });
          if (out !== undefined) assert.equal(got, out);
          assert.ok(maxRelDiff(got, want) < 1e-5, `seed ${seed}, ${threads} threads`);
          return got;
        };
        // Out alternating between the buffer's, plain, shared and default memory: new shapes.
        for (const out of [buffer.output, new Float32Array(d), sharedFloat32Array(d), undefined]) {
          await check(buffer.rows, out);
        }
        // The same step again (rung, not posted), from the same state: the same bits.
        const runs: Float32Array[] = [];
        for (let r = 0; r < 3; r++) {
          p.reset();
          single.reset();
          runs.push((await check(buffer.rows, buffer.output)).slice());
        }
        assert.deepEqual(runs[1], runs[0]);
        assert.deepEqual(runs[2], runs[0]);
        // Plain and shared rows in turn, a pause (workers asleep), a failed step, and on.
        for (const grads of [plain, plain, shared, plain]) await check(grads);
        await new Promise((resolve) => setTimeout(resolve, 2 * MAX_STALL_MS));
        await assert.rejects(p.surgery(bad), /non-finite value/);
        for (const grads of [shared, shared, plain]) await check(grads);
      }, LIMIT_MS));
  }
});
