// The tf.js wasm-threads benchmark (bench/tfjs_threads.ts), run small: in real headless Chromium the
// page is cross-origin isolated, tf.js loads its threaded build and each thread count asked for is
// the one in effect; Deno step processes started together report their own steps. The timings
// are only checked to be real numbers (no timed assertions).
import assert from "node:assert/strict";
import {
  browserRunProblem,
  measureBrowser,
  measureProcesses,
  THREADED_WASM,
} from "../../bench/tfjs_threads.ts";
import type { BrowserRun } from "../../bench/_tfjs_threads_report.ts";
import { chromiumAvailable } from "../../tools/chromium.ts";

const SMALL = { warmup: 1, steps: 2 };

function assertTimings(ms: readonly number[], what: string) {
  assert.equal(ms.length, SMALL.steps, what);
  for (const t of ms) assert.ok(Number.isFinite(t) && t > 0, `${what}: ${t}`);
}

Deno.test({
  name: "bench:threads: the page is cross-origin isolated and runs the wasm threads asked for",
  // CI installs Chromium (.ci/run); elsewhere the test says it was skipped instead of failing.
  ignore: !chromiumAvailable() && Deno.env.get("CI") !== "true",
  async fn() {
    const { stock, runs, browser } = await measureBrowser([1, 2], SMALL);
    assert.match(browser, /^Chromium \d+\./);
    // Left as it is, tf.js 4.22 gives at most hardwareConcurrency / 2 threads (at least 1).
    assert.equal(stock.crossOriginIsolated, true);
    assert.ok(stock.wasmFiles.includes(THREADED_WASM), stock.wasmFiles.join(", "));
    assert.equal(stock.capLifted, false);
    assert.equal(
      stock.threadsInEffect,
      Math.min(2, Math.max(1, Math.floor(stock.hardwareConcurrency / 2))),
    );
    assert.deepEqual(runs.map((r) => r.requestedThreads), [1, 2]);
    for (const run of runs) {
      const what = `${run.requestedThreads} thread(s)`;
      assert.equal(run.crossOriginIsolated, true, what);
      assert.equal(run.multithreadSupport, true, what);
      assert.deepEqual(run.wasmFiles, [THREADED_WASM], what);
      assert.equal(run.threadsInEffect, run.requestedThreads, what);
      assertTimings(run.innerMs, `${what}, plain step`);
      assertTimings(run.surgeryMs, `${what}, PCGrad step`);
    }
  },
});

Deno.test("bench:threads: a page without the threaded build is a failure that says so", () => {
  const fellBack: BrowserRun = {
    requestedThreads: 2,
    threadsInEffect: 1,
    crossOriginIsolated: false,
    multithreadSupport: false,
    wasmFiles: ["tfjs-backend-wasm-simd.wasm"],
    hardwareConcurrency: 8,
    capLifted: false,
    innerMs: [1],
    surgeryMs: [1],
  };
  assert.match(
    browserRunProblem(fellBack) ?? "",
    /did not load its threaded build tfjs-backend-wasm-threaded-simd\.wasm \(crossOriginIsolated false/,
  );
  const threaded = { ...fellBack, crossOriginIsolated: true, multithreadSupport: true };
  const withThreaded = { ...threaded, wasmFiles: [THREADED_WASM] };
  assert.match(browserRunProblem(withThreaded) ?? "", /asked for 2 thread\(s\) but got/);
  assert.equal(browserRunProblem({ ...withThreaded, threadsInEffect: 2 }), null);
  // Left as it is (no cap lifted), fewer threads than asked are what is being recorded.
  assert.equal(browserRunProblem(withThreaded, false), null);
});

Deno.test("bench:threads: Deno step processes run together, one wasm thread each", async () => {
  const run = await measureProcesses(2, SMALL);
  assert.equal(run.processes, 2);
  assert.equal(run.results.length, 2);
  for (const [k, r] of run.results.entries()) {
    assert.equal(r.threadsInEffect, 1, `process ${k}`);
    assertTimings(r.surgeryMs, `process ${k}`);
    assert.ok(r.endMs > r.startMs, `process ${k}: ${r.startMs} → ${r.endMs}`);
  }
});
