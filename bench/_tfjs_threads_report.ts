/**
 * Results of bench/tfjs_threads.ts and their table and summary, shared by the benchmark's printout
 * and the generated docs (tools/docs_tables.ts), so both say the same thing about the same JSON.
 * @module
 */

import { fmtMs, markdownTable } from "./_tfjs_report.ts";
import { median } from "./_timing.ts";

/** One page load of bench/_threads_page.ts: the wasm backend with `requestedThreads` threads. */
export interface BrowserRun {
  requestedThreads: number;
  /** `getThreadsCount()` once the backend was up: the threads XNNPACK actually got. */
  threadsInEffect: number;
  crossOriginIsolated: boolean;
  /** tf.js's WASM_HAS_MULTITHREAD_SUPPORT flag: whether it could pick the threaded build. */
  multithreadSupport: boolean;
  /** The .wasm files the page fetched (the threaded build is tfjs-backend-wasm-threaded-simd.wasm). */
  wasmFiles: string[];
  /** `navigator.hardwareConcurrency` in the page: the machine's logical CPUs. */
  hardwareConcurrency: number;
  /**
   * Whether the page reported 2n logical cores to tf.js to lift its cap of hardwareConcurrency / 2
   * threads (bench/_threads_page.ts).
   */
  capLifted: boolean;
  /** Milliseconds of each timed plain step (Adam on L_left + L_right), after the warm-up. */
  innerMs: number[];
  /** Milliseconds of each timed `SurgeryOptimizer` PCGrad step, after the warm-up. */
  surgeryMs: number[];
}

/** One Deno process's share of a process run. */
export interface ProcessResult {
  /** `getThreadsCount()` in the process (1: tf.js turns threads off under Deno). */
  threadsInEffect: number;
  /** Milliseconds of each timed PCGrad step. */
  surgeryMs: number[];
  /** Wall-clock (epoch milliseconds) of the first timed step's start and the last one's end. */
  startMs: number;
  endMs: number;
}

/** `processes` Deno processes running the PCGrad step at the same time, each `steps` steps. */
export interface ProcessRun {
  processes: number;
  results: ProcessResult[];
}

/** The machine a run comes from. */
export interface ThreadsMachine {
  deno: string;
  v8: string;
  target: string;
  logicalCpus: number;
  /** 1-, 5- and 15-minute load averages when the run began: how busy the machine already was. */
  loadAverage: number[];
  tfjs: string;
  /** The browser's user agent (its Chromium version). */
  browser: string;
  date: string;
}

/** What `deno task bench:threads --json` writes to docs/bench_tfjs_threads.json. */
export interface ThreadsBench {
  machine: ThreadsMachine;
  settings: { batch: number; warmup: number; steps: number };
  /** A page asking for 2 threads with tf.js left as it is (no steps timed): what it gives. */
  stock: BrowserRun;
  browser: BrowserRun[];
  processes: ProcessRun[];
}

/** "median (min–max)" of a list of milliseconds. */
function spread(ms: readonly number[]): string {
  return `${fmtMs(median(ms))} (${fmtMs(Math.min(...ms))}–${fmtMs(Math.max(...ms))})`;
}

/** PCGrad steps per second of a page: one step at a time, at its median cost. */
export function browserRate(run: BrowserRun): number {
  return 1000 / median(run.surgeryMs);
}

/** PCGrad steps per second of a process run: every process's steps over the span they all ran. */
export function processRate(run: ProcessRun): number {
  const steps = run.results.reduce((n, r) => n + r.surgeryMs.length, 0);
  const start = Math.min(...run.results.map((r) => r.startMs));
  const end = Math.max(...run.results.map((r) => r.endMs));
  return (1000 * steps) / (end - start);
}

/**
 * One row per page load and per process run: the step costs and the PCGrad throughput, against the
 * one-thread (browser) or one-process (Deno) row of the same runtime.
 */
export function threadsTable(b: ThreadsBench): string {
  const header = [
    "run",
    "wasm threads",
    "plain step ms",
    "PCGrad step ms",
    "PCGrad steps/s",
    "vs one thread / process",
  ];
  const oneThread = b.browser.find((r) => r.requestedThreads === 1);
  const oneProcess = b.processes.find((r) => r.processes === 1);
  const relative = (rate: number, base: number | undefined) =>
    base === undefined ? "–" : `${(rate / base).toFixed(2)}×`;
  const browserRows = b.browser.map((r) => [
    `browser, ${r.requestedThreads} thread${r.requestedThreads === 1 ? "" : "s"}` +
    (r.capLifted ? " (cap lifted)" : ""),
    String(r.threadsInEffect),
    spread(r.innerMs),
    spread(r.surgeryMs),
    browserRate(r).toFixed(2),
    relative(browserRate(r), oneThread && browserRate(oneThread)),
  ]);
  const processRows = b.processes.map((r) => [
    r.processes === 1 ? "Deno, one process" : `Deno, ${r.processes} processes at once`,
    r.results.map((p) => p.threadsInEffect).join(" + "),
    "–",
    r.results.map((p) => spread(p.surgeryMs)).join("; "),
    processRate(r).toFixed(2),
    relative(processRate(r), oneProcess && processRate(oneProcess)),
  ]);
  return markdownTable(header, [...browserRows, ...processRows]);
}

/** What the table says, in words computed from it. */
export function threadsSummary(b: ThreadsBench): string {
  const parts: string[] = [];
  const s = b.stock;
  parts.push(
    `Left as it is, tf.js ${b.machine.tfjs} asked for ${s.requestedThreads} threads here ` +
      `(hardwareConcurrency ${s.hardwareConcurrency}) runs ${s.threadsInEffect}.`,
  );
  const oneThread = b.browser.find((r) => r.requestedThreads === 1);
  const twoThreads = b.browser.find((r) => r.requestedThreads === 2);
  const oneProcess = b.processes.find((r) => r.processes === 1);
  const twoProcesses = b.processes.find((r) => r.processes === 2);
  if (oneThread && twoThreads) {
    const ratio = median(twoThreads.surgeryMs) / median(oneThread.surgeryMs);
    parts.push(
      `In the browser a PCGrad step with 2 wasm threads takes ${ratio.toFixed(2)}× the time of ` +
        `one with 1 thread: ${ratio < 1 ? "faster" : "slower"}.`,
    );
  }
  if (oneProcess && twoProcesses) {
    const gain = processRate(twoProcesses) / processRate(oneProcess);
    parts.push(
      `Two 1-thread Deno processes at once make ${gain.toFixed(2)}× the PCGrad steps per second ` +
        `of one process alone.`,
    );
  }
  if (twoThreads && twoProcesses) {
    const ratio = processRate(twoProcesses) / browserRate(twoThreads);
    parts.push(
      `For throughput, two 1-thread processes are ${ratio > 1 ? "better" : "worse"} than one ` +
        `with 2 threads: ${ratio.toFixed(2)}× its steps per second.`,
    );
  }
  return parts.join(" ");
}

/** The machine and run the file comes from. */
export function threadsMachine(b: ThreadsBench, file: string): string {
  const m = b.machine;
  return `${file}: Deno ${m.deno}, V8 ${m.v8}, ${m.logicalCpus} logical CPUs (load average ` +
    `${m.loadAverage.map((x) => x.toFixed(2)).join(", ")} at the start), tf.js ${m.tfjs}, ` +
    `${m.browser}; batch ${b.settings.batch}, ${b.settings.warmup} warm-up and ` +
    `${b.settings.steps} timed steps per run, ${m.date.slice(0, 10)}.`;
}
