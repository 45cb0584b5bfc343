/**
 * Benchmark: does the thread count of tf.js's wasm backend make the MultiMNIST training step
 * (bench/_multimnist_step.ts: LeNet, two heads, batch 256) faster, and is one process with 2
 * threads better or worse than two 1-thread processes?
 *
 * 1. Browser: tf.js threads its wasm backend only in a cross-origin-isolated page (under Deno and
 *    Node it turns threads off), so the step runs in headless Chromium (tools/chromium.ts), in a
 *    page (bench/_threads_page.ts) served with COOP/COEP headers, one page load per thread count,
 *    timing the plain step (Adam on L_left + L_right) and the `SurgeryOptimizer` PCGrad step in
 *    turn after a warm-up. tf.js caps its threads at half the logical CPUs; a first page records
 *    what that leaves here (asking for 2, no steps), and the timed pages lift the cap where it is
 *    below their thread count (the page explains how). A page that did not get the threaded build,
 *    or not the threads asked for, stops the benchmark with what it got instead of being reported
 *    as a 1-thread run.
 * 2. Processes: the PCGrad step in one Deno process (bench/_threads_process.ts), then in two at
 *    once, started together once both are warm: each process's ms per step and the steps per
 *    second of all of them over the span they ran.
 *
 *   deno task bench:threads [--threads=1,2,4] [--warmup=W] [--steps=N] [--json]
 *
 * W warm-up and N timed steps per page and per process (default 3 and 20: about two minutes).
 *
 * `--json` writes docs/bench_tfjs_threads.json (tools/docs_tables.ts renders it into
 * docs/performance.md). Every browser page and process has a time limit and is closed at the end.
 * @module
 */

import { version } from "@tensorflow/tfjs";
import type { BrowserContext, Page } from "playwright-core";
import { bundleEntry } from "../tools/bundle.ts";
import { launchChromium } from "../tools/chromium.ts";
import { CROSS_ORIGIN_ISOLATION, serveStatic } from "../tools/static_server.ts";
import { BATCH } from "./_multimnist_step.ts";
import { READY } from "./_threads_process.ts";
import {
  type BrowserRun,
  type ProcessResult,
  type ProcessRun,
  type ThreadsBench,
  threadsMachine,
  threadsSummary,
  threadsTable,
} from "./_tfjs_threads_report.ts";
import { parseList } from "./_timing.ts";

const ROOT = new URL("../", import.meta.url);
/** Where `--json` writes. */
export const JSON_FILE = "docs/bench_tfjs_threads.json";
/** The build tf.js loads when it can run threads. */
export const THREADED_WASM = "tfjs-backend-wasm-threaded-simd.wasm";
const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", THREADED_WASM];
const WASM_DIST = new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", ROOT);
const PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>tf.js wasm threads</title><link rel="icon" href="data:,"></head>
<body data-state="loading"><pre id="result"></pre>
<script type="module" src="threads_page.mjs"></script></body>
</html>
`;

/** How many steps to warm up and to time, per page load or process. */
export interface StepCounts {
  warmup: number;
  steps: number;
}

/** Longest a page or a process may take: generous, the machine may be busy. */
function limitMs({ warmup, steps }: StepCounts): number {
  return 60_000 + 20_000 * (warmup + steps);
}

/** The page, its bundle and tf.js's .wasm files in a folder of their own. */
async function buildPage(dir: URL): Promise<void> {
  await bundleEntry("bench/_threads_page.ts", new URL("threads_page.mjs", dir));
  for (const file of WASM_FILES) await Deno.copyFile(new URL(file, WASM_DIST), new URL(file, dir));
  await Deno.writeTextFile(new URL("index.html", dir), PAGE_HTML);
}

/**
 * Why a page's run is not what was asked for (isolation, threaded build, and with a lifted cap the
 * thread count), or null when it is.
 */
export function browserRunProblem(run: BrowserRun, lift = true): string | null {
  const n = run.requestedThreads;
  const got = `crossOriginIsolated ${run.crossOriginIsolated}, multithreading flag ` +
    `${run.multithreadSupport}, fetched ${run.wasmFiles.join(", ") || "no .wasm"}, ` +
    `getThreadsCount() ${run.threadsInEffect}`;
  if (
    !run.crossOriginIsolated || !run.multithreadSupport || !run.wasmFiles.includes(THREADED_WASM)
  ) {
    return `the page asked for ${n} thread(s) but tf.js did not load its threaded build ` +
      `${THREADED_WASM} (${got})`;
  }
  if (lift && run.threadsInEffect !== n) return `the page asked for ${n} thread(s) but got ${got}`;
  return null;
}

/** "Chromium 156.0.8078.114 (headless)", from the browser itself (user agents hide the version). */
async function browserVersion(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { product } = await cdp.send("Browser.getVersion");
    return `Chromium ${product.split("/").pop()} (headless)`;
  } finally {
    await cdp.detach();
  }
}

/**
 * One page load with `n` threads, tf.js's cap lifted or not; throws when the page fails or did not
 * get what it asked for.
 */
async function measurePage(
  context: BrowserContext,
  url: string,
  n: number,
  counts: StepCounts,
  lift: boolean,
): Promise<{ run: BrowserRun; browser: string }> {
  const page = await context.newPage();
  try {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const query = `threads=${n}&warmup=${counts.warmup}&steps=${counts.steps}&lift=${+lift}`;
    await page.goto(`${url}index.html?${query}`, { timeout: 60_000 });
    await page.waitForSelector('body:not([data-state="loading"])', { timeout: limitMs(counts) });
    const state = await page.locator("body").getAttribute("data-state");
    const text = await page.locator("#result").textContent() ?? "";
    if (state !== "done") {
      throw new Error(`The ${n}-thread page failed: ${text} ${errors.join("; ")}`);
    }
    const run: BrowserRun = JSON.parse(text);
    const problem = browserRunProblem(run, lift);
    if (problem !== null) throw new Error(`Cannot measure wasm threads: ${problem}`);
    return { run, browser: await browserVersion(page) };
  } finally {
    await page.close();
  }
}

/**
 * Part 1 in headless Chromium: what tf.js gives a page asking for 2 threads (`stock`), then one
 * page load per thread count, the cap lifted. Throws when a page fails or did not run the threads
 * asked for.
 */
export async function measureBrowser(
  threads: readonly number[],
  counts: StepCounts,
): Promise<{ stock: BrowserRun; runs: BrowserRun[]; browser: string }> {
  const dir = new URL(`file://${await Deno.makeTempDir({ prefix: "gs_threads_page_" })}/`);
  try {
    await buildPage(dir);
    const server = serveStatic(dir, CROSS_ORIGIN_ISOLATION);
    try {
      const chromium = await launchChromium({ webgpu: false });
      try {
        const probe = { warmup: 0, steps: 0 };
        const stock = await measurePage(chromium.context, server.url, 2, probe, false);
        const runs: BrowserRun[] = [];
        for (const n of threads) {
          runs.push((await measurePage(chromium.context, server.url, n, counts, true)).run);
        }
        return { stock: stock.run, runs, browser: stock.browser };
      } finally {
        await chromium.close();
      }
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A started bench/_threads_process.ts: waits until warm, then times its steps when told. */
function startProcess(counts: StepCounts, signal: AbortSignal) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL("bench/_threads_process.ts", ROOT).pathname,
      `--warmup=${counts.warmup}`,
      `--steps=${counts.steps}`,
    ],
    cwd: ROOT.pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const fail = async (what: string) =>
    new Error(`A step process ${what}: ${await stderr}\n${text}`.trimEnd());
  return {
    /** Resolves once the process printed READY. */
    async ready(): Promise<void> {
      while (!text.split("\n").includes(READY)) {
        const { value, done } = await reader.read();
        if (done) throw await fail("exited before it was ready");
        text += value;
      }
    },
    /** Starts the timed steps and resolves with the process's result once it exits. */
    async run(): Promise<ProcessResult> {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      if (!(await child.status).success) throw await fail("failed");
      return JSON.parse(text.trim().split("\n").pop() ?? "") as ProcessResult;
    },
    /** Ends the process if it still runs, and waits for it. */
    async close(): Promise<void> {
      try {
        child.kill("SIGKILL");
      } catch {
        // It has exited already.
      }
      await child.status;
      await stderr;
    },
  };
}

/** Part 2: `count` Deno processes timing the PCGrad step at the same time. */
export async function measureProcesses(count: number, counts: StepCounts): Promise<ProcessRun> {
  const signal = AbortSignal.timeout(limitMs(counts));
  const processes = Array.from({ length: count }, () => startProcess(counts, signal));
  try {
    await Promise.all(processes.map((p) => p.ready()));
    const results = await Promise.all(processes.map((p) => p.run()));
    return { processes: count, results };
  } finally {
    await Promise.all(processes.map((p) => p.close()));
  }
}

async function main(args: readonly string[]): Promise<void> {
  let threads = [1, 2, 4];
  const counts: StepCounts = { warmup: 3, steps: 20 };
  let json = false;
  for (const arg of args) {
    if (arg === "--json") json = true;
    else if (arg.startsWith("--threads=")) threads = parseList(arg.slice(10), "threads");
    else if (arg.startsWith("--warmup=")) counts.warmup = parseList(arg.slice(9), "warmup")[0];
    else if (arg.startsWith("--steps=")) counts.steps = parseList(arg.slice(8), "steps")[0];
    else throw new RangeError(`Unknown argument ${JSON.stringify(arg)}`);
  }
  const loadAverage = Deno.loadavg();
  const date = new Date().toISOString();
  console.error(`browser: ${threads.join(", ")} wasm thread(s), one page load each…`);
  const { stock, runs, browser } = await measureBrowser(threads, counts);
  const processes: ProcessRun[] = [];
  for (const count of [1, 2]) {
    console.error(`Deno: ${count} process(es) at once…`);
    processes.push(await measureProcesses(count, counts));
  }
  const result: ThreadsBench = {
    machine: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      target: Deno.build.target,
      logicalCpus: navigator.hardwareConcurrency,
      loadAverage,
      tfjs: version.tfjs,
      browser,
      date,
    },
    settings: { batch: BATCH, ...counts },
    stock,
    browser: runs,
    processes,
  };
  if (json) {
    await Deno.writeTextFile(new URL(JSON_FILE, ROOT), JSON.stringify(result, null, 1) + "\n");
    console.error(`wrote ${JSON_FILE}`);
  }
  console.log(`One MultiMNIST step (batch ${BATCH}) on tf.js's wasm backend, by threads:\n`);
  console.log(threadsTable(result));
  console.log(`\n${threadsSummary(result)}\n\n${threadsMachine(result, "this run")}`);
}

if (import.meta.main) await main(Deno.args);
