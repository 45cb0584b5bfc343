/// <reference lib="dom" />
/**
 * The browser page of bench/tfjs_threads.ts: tf.js's wasm backend with the number of threads the
 * URL asks for (`?threads=n&warmup=w&steps=s`, `&lift=1` to lift tf.js's cap, below), timing the
 * MultiMNIST step (bench/_multimnist_step.ts) plainly and through `SurgeryOptimizer`. Threads need
 * the threaded SIMD build, which tf.js picks only where SharedArrayBuffer works, that is in a
 * cross-origin-isolated page; the page reports what it got (isolation, tf.js's multithreading flag,
 * the .wasm files fetched, `getThreadsCount()`) and leaves judging it to the benchmark. The result
 * goes as JSON into `#result` and `document.body.dataset.state` becomes "done" (or "error", with
 * the message in `#result`).
 *
 * tf.js 4.22 gives XNNPACK at most `navigator.hardwareConcurrency / 2` threads, whatever
 * `setThreadsCount` asks (it assumes two hardware threads per core), so on a 2-core machine the
 * wasm backend runs one thread. With `lift=1` the page reports 2n logical cores to tf.js (the
 * value its wasm module reads when the backend starts), so that n threads are what it gets.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerConv2dGradient } from "../examples/multimnist/conv_grad.ts";
import { multiMnistStep } from "./_multimnist_step.ts";
import type { BrowserRun } from "./_tfjs_threads_report.ts";

const query = new URL(location.href).searchParams;

/** An integer ≥ `min` from the URL's query. */
function param(name: string, min: number): number {
  const value = Number(query.get(name));
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`?${name}= must be an integer ≥ ${min}, found ${query.get(name)}`);
  }
  return value;
}

async function run(): Promise<BrowserRun> {
  const threads = param("threads", 1);
  const warmup = param("warmup", 0);
  const steps = param("steps", 0);
  const hardwareConcurrency = navigator.hardwareConcurrency;
  const capLifted = query.get("lift") === "1" && Math.floor(hardwareConcurrency / 2) < threads;
  if (capLifted) {
    Object.defineProperty(navigator, "hardwareConcurrency", {
      value: 2 * threads,
      configurable: true,
    });
  }
  tf.env().set("PROD", true);
  // The .wasm files sit beside the page; the thread count is read when the backend starts.
  setWasmPaths(new URL("./", location.href).href);
  setThreadsCount(threads);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.js's wasm backend did not start");
  await tf.ready();
  registerConv2dGradient();
  const step = multiMnistStep("threads");
  for (let k = 0; k < warmup; k++) {
    await step.innerStep();
    await step.surgeryStep();
  }
  const innerMs: number[] = [];
  const surgeryMs: number[] = [];
  // Alternating, so both kinds of step meet the same moments of a shared machine.
  for (let k = 0; k < steps; k++) {
    let t0 = performance.now();
    await step.innerStep();
    innerMs.push(performance.now() - t0);
    t0 = performance.now();
    await step.surgeryStep();
    surgeryMs.push(performance.now() - t0);
  }
  step.dispose();
  const wasmFiles = performance.getEntriesByType("resource")
    .map((entry) => new URL(entry.name).pathname.split("/").pop() ?? "")
    .filter((name) => name.endsWith(".wasm"));
  return {
    requestedThreads: threads,
    threadsInEffect: getThreadsCount(),
    crossOriginIsolated: globalThis.crossOriginIsolated,
    multithreadSupport: Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
    wasmFiles,
    hardwareConcurrency,
    capLifted,
    innerMs,
    surgeryMs,
  };
}

const out = document.getElementById("result")!;
try {
  out.textContent = JSON.stringify(await run());
  document.body.dataset.state = "done";
} catch (error) {
  out.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  document.body.dataset.state = "error";
}
