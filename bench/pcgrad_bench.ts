/**
 * Benchmark: PCGrad through the library beside this machine's limits and the baselines, in one run
 * on the same buffers, for T ∈ {2, 4, 8, 16, 32} tasks and d ∈ {1e5, 1e6, 1e7} parameters, plus
 * d = 1e8 for T ≤ 8 (3.2 GB of input at T = 8, streamed through the kernels in chunks).
 *
 * Per (T, d), medians of at least 5 timed runs of:
 * - the library: `surgery` (PCGrad), its Gram pass (`accumulateGram`) and combine pass
 *   (`combineBlock`), on ordinary Float32Arrays (staged) and on the same numbers in a gradient
 *   buffer (in place), and `createParallelSurgery` on all logical CPUs (gradients on shared
 *   arrays, and in a shared gradient buffer read in place);
 * - the memory floor: two reads of the T×d input at the streaming read bandwidth of a WASM SIMD loop
 *   over that same data (bench/floors.ts);
 * - the compute floor: the Gram's T(T+1)/2 · d multiply-adds at the peak rate of an in-register
 *   WASM SIMD loop (bench/floors.ts, the better of plain and relaxed SIMD);
 * - a naive TypeScript loop of Algorithm 1 (bench/naive_pcgrad.ts) and tf.js (wasm and cpu
 *   backends) doing Gram + combine with tf ops (bench/tfjs_baseline.ts); both up to d = 1e7.
 * Before the table: the thread-scaling probe (bench/thread_scaling.ts), which bounds what threads
 * can gain here.
 *
 *   node tools/deno.mjs task bench                  # full run (about 15 minutes)
 *   node tools/deno.mjs task bench --quick          # d ≤ 1e6
 *   node tools/deno.mjs task bench --T=8 --d=1e5,1e6,1e7,1e8
 *   node tools/deno.mjs task bench --skip=tfjs,naive,parallel,inplace
 *   node tools/deno.mjs task bench --json           # machine-readable results on stdout
 *
 * Every baseline's first output is checked against the library's before timing (max |difference|
 * / max |output| < 1e-3, else the run aborts).
 *
 * On a terminal a progress bar shows what is measured, the time spent and about how much is left;
 * each T's tables are printed as soon as its sizes are done, and the full tables at the end.
 * @module
 */

import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createParallelSurgery,
  surgery,
  surgeryWeights,
} from "../mod.ts";
import type { GradientBuffer, GradientBufferOptions, ParallelSurgery } from "../mod.ts";
import { kernelFlavor, kernelMemoryBytes } from "../core/kernels.ts";
import { sharedFloat32Array } from "../parallel/shared_memory.ts";
import { median, parseList, timeMs, timeMsAsync } from "./_timing.ts";
import { measurePeak, readBandwidth } from "./floors.ts";
import { makeGrads } from "./inputs.ts";
import { naivePcgrad } from "./naive_pcgrad.ts";
import { createProgress } from "./_progress.ts";
import { baselineTable, floorTable, machineSection, scalingTable } from "./_report.ts";
import type { BenchResult, Machine, SizeResult } from "./_report.ts";
import { threadScaling } from "./thread_scaling.ts";
import { TF_BACKENDS, TF_VERSION, tfPcgradStep, toTensor, useBackend } from "./tfjs_baseline.ts";

const USAGE = "usage: deno task bench [--quick] [--json] [--T=2,8] [--d=1e5,1e6] " +
  "[--skip=tfjs,naive,parallel,inplace,probe] [--runs=5]";
/** Largest tolerated max |baseline − library| / max |library|. */
const TOLERANCE = 1e-3;
/** Warm-up: every operation at least once, repeated until WARMUP_MS have passed. */
const WARMUP_MS = 300;
/** Timed runs: at least `runs` (default 5), more while under BUDGET_MS, at most MAX_RUNS. */
const MIN_RUNS = 5;
const BUDGET_MS = 1000;
const MAX_RUNS = 100;
/** Baselines (naive loop, tf.js) run up to this d; beyond it the rows check the library's scaling. */
const BASELINE_MAX_D = 1e7;
/** d = 1e8 runs only for T up to this (T = 8 is 3.2 GB of input). */
const MAX_T_AT_1E8 = 8;
const SEED = 0;

interface Config {
  json: boolean;
  Ts: number[];
  ds: number[];
  skip: Set<string>;
  runs: number;
}

function parseArgs(args: readonly string[]): Config {
  const config: Config = {
    json: false,
    Ts: [2, 4, 8, 16, 32],
    ds: [1e5, 1e6, 1e7, 1e8],
    skip: new Set(),
    runs: MIN_RUNS,
  };
  let quick = false;
  for (const arg of args) {
    if (arg === "--json") config.json = true;
    else if (arg === "--quick") quick = true;
    else if (arg.startsWith("--T=")) config.Ts = parseList(arg.slice(4), "T");
    else if (arg.startsWith("--d=")) config.ds = parseList(arg.slice(4), "d");
    else if (arg.startsWith("--skip=")) config.skip = new Set(arg.slice(7).split(","));
    else if (arg.startsWith("--runs=")) config.runs = Math.max(MIN_RUNS, Number(arg.slice(7)));
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else {
      console.error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
      Deno.exit(2);
    }
  }
  if (quick) config.ds = config.ds.filter((d) => d <= 1e6);
  return config;
}

/** Sync operations round-robin: ≥ minRuns rounds, more while under BUDGET_MS; times per op. */
function repeat(ops: readonly (() => unknown)[], minRuns: number): number[][] {
  const samples: number[][] = ops.map(() => []);
  const start = performance.now();
  while (
    samples[0].length < minRuns ||
    (performance.now() - start < BUDGET_MS && samples[0].length < MAX_RUNS)
  ) {
    ops.forEach((op, i) => samples[i].push(timeMs(op)));
  }
  return samples;
}

/** Warm-up of sync operations: each at least once, repeated until WARMUP_MS have passed. */
function warmUp(ops: readonly (() => unknown)[]): number {
  const start = performance.now();
  let n = 0;
  do {
    for (const op of ops) op();
    n++;
  } while (performance.now() - start < WARMUP_MS);
  return n;
}

/**
 * Operations, sync or async, round-robin (each awaited in turn): a warm-up like warmUp, then
 * ≥ minRuns rounds, more while under BUDGET_MS; times per op. Round-robin, so that ops compared
 * with each other meet the same moments of a shared machine.
 */
async function repeatAsync(
  ops: readonly (() => unknown)[],
  minRuns: number,
): Promise<number[][]> {
  const warm = performance.now();
  do for (const op of ops) await op(); while (performance.now() - warm < WARMUP_MS);
  const samples: number[][] = ops.map(() => []);
  const start = performance.now();
  while (
    samples[0].length < minRuns ||
    (performance.now() - start < BUDGET_MS && samples[0].length < MAX_RUNS)
  ) {
    for (const [i, op] of ops.entries()) samples[i].push(await timeMsAsync(async () => await op()));
  }
  return samples;
}

/** The better of two peak measurements, build by build. */
function bestPeak(a: Machine["peak"], b: Machine["peak"]): Machine["peak"] {
  const relaxed = a.relaxed === null || b.relaxed === null ? null : Math.max(a.relaxed, b.relaxed);
  const plain = Math.max(a.plain, b.plain);
  return { plain, relaxed, best: Math.max(plain, relaxed ?? 0) };
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return diff / (scale || 1);
}

function check(name: string, tag: string, err: number, log: (s: string) => void): void {
  const ok = Number.isFinite(err) && err < TOLERANCE;
  log(
    `  check ${tag}: ${name} vs surgery, max rel diff ${err.toExponential(2)} ${
      ok ? "ok" : "FAIL"
    }`,
  );
  if (!ok) {
    console.error(
      `\n!!! CHECK FAILED at ${tag}: ${name} disagrees with surgery (${err}). Aborting.`,
    );
    Deno.exit(1);
  }
}

/**
 * Roughly how many seconds one size takes on 2 logical CPUs, fitted to the samples of a full run
 * (12 minutes): about 2.5 s of warm-ups, budgets and the compute-limit probe; 1e-7 s per input
 * float to fill the inputs, copy them into buffers and measure the read bandwidth; about 1 s per
 * baseline at small sizes, and the naive loop and tf.js at O(T²d), which take most of the largest
 * sizes. Only the progress bar uses it, to weigh the sizes so that its time left is about right.
 */
function expectedSeconds(T: number, d: number, skip: ReadonlySet<string>): number {
  let seconds = 2.5 + 1e-7 * T * d;
  if (d > BASELINE_MAX_D) return seconds;
  if (!skip.has("naive")) seconds += 0.6 + 0.6e-8 * T * T * d;
  if (!skip.has("tfjs")) seconds += 1.2 + 1.4e-8 * T * T * d;
  if (!skip.has("parallel")) seconds += 1;
  return seconds;
}

/** The sizes a run measures, in order. */
function plannedSizes(config: Config): { T: number; d: number }[] {
  return config.Ts.flatMap((T) =>
    config.ds.filter((d) => !(d > 1e7 && T > MAX_T_AT_1E8)).map((d) => ({ T, d }))
  );
}

/** Copies `grads` into a gradient buffer, or null (logged) where the runtime refuses the memory. */
function bufferOf(
  grads: readonly Float32Array[],
  log: (line: string) => void,
  options?: GradientBufferOptions,
): GradientBuffer | null {
  try {
    const buffer = createGradientBuffer(grads.length, grads[0].length, options);
    buffer.rows.forEach((row, t) => row.set(grads[t]));
    return buffer;
  } catch (error) {
    log(`  in place: skipped (${(error as Error).message})`);
    return null;
  }
}

/** surgery, accumulateGram and combineBlock on the gradients copied into a gradient buffer. */
function benchInPlace(
  grads: readonly Float32Array[],
  weights: ArrayLike<number>,
  reference: Float32Array,
  config: Config,
  tag: string,
  log: (line: string) => void,
) {
  if (config.skip.has("inplace")) return null;
  const buffer = bufferOf(grads, log);
  if (buffer === null) return null;
  const options = { seed: SEED, out: buffer.output };
  surgery(buffer.rows, options);
  check("in place", tag, relDiff(buffer.output, reference), log);
  const ops = [
    () => surgery(buffer.rows, options),
    () => accumulateGram(buffer.rows),
    () => combineBlock(buffer.rows, weights, buffer.output),
  ];
  warmUp(ops);
  const [s, g, c] = repeat(ops, config.runs);
  return {
    times: { surgeryMs: median(s), gramMs: median(g), combineMs: median(c) },
    samples: { "inplace-surgery": s, "inplace-gram": g, "inplace-combine": c },
  };
}

/**
 * The parallel surgery on `rows` into `out`: checked, then timed with the same orders each run,
 * alternating with `alongside` (if given: what it is compared with). Samples of each.
 */
async function benchParallel(
  parallel: ParallelSurgery,
  rows: readonly Float32Array[],
  out: Float32Array,
  reference: Float32Array,
  config: Config,
  tag: string,
  log: (line: string) => void,
  alongside?: () => unknown,
): Promise<number[][]> {
  parallel.reset();
  await parallel.surgery(rows, { out });
  const where = rows[0].buffer === out.buffer ? " in place" : "";
  check(`${parallel.threads} threads${where}`, tag, relDiff(out, reference), log);
  const threads = () => {
    parallel.reset(); // the same orders as the single-threaded runs
    return parallel.surgery(rows, { out });
  };
  return await repeatAsync(alongside === undefined ? [threads] : [threads, alongside], config.runs);
}

async function benchSize(
  T: number,
  d: number,
  config: Config,
  peak: number,
  parallel: ParallelSurgery | null,
  log: (line: string) => void,
  stage: (action: string) => void,
): Promise<SizeResult> {
  const tag = `T=${T}, d=${d.toExponential(0)}`;
  stage(`${tag}: filling the inputs`);
  let grads: Float32Array[] = [];
  const fillMs = timeMs(() => (grads = makeGrads(T, d)));
  log(`${tag}: inputs filled in ${fillMs.toFixed(0)} ms`);
  const out = new Float32Array(d);
  const combined = new Float32Array(d);
  const options = { seed: SEED, out };

  // Library: surgery, and its two passes through the public split phase.
  stage(`${tag}: the library`);
  surgery(grads, options);
  const reference = out.slice();
  const { weights, stats } = surgeryWeights(accumulateGram(grads), { seed: SEED });
  const libraryOps = [
    () => surgery(grads, options),
    () => accumulateGram(grads),
    () => combineBlock(grads, weights, combined),
  ];
  warmUp(libraryOps);
  const [surgeryS, gramS, combineS] = repeat(libraryOps, config.runs);
  check("split phase", tag, relDiff(combined, reference), log);

  // The same numbers in a gradient buffer, read in place.
  stage(`${tag}: the library in place`);
  const inPlace = benchInPlace(grads, weights, reference, config, tag, log);

  // Floors.
  stage(`${tag}: the read bandwidth`);
  const bw = readBandwidth(grads);
  const memoryFloorMs = (2 * T * d * 4) / bw.bytesPerS * 1000;
  const computeFloorMs = ((T * (T + 1)) / 2) * d / peak * 1000;

  const result: SizeResult = {
    T,
    d,
    surgeryMs: median(surgeryS),
    gramMs: median(gramS),
    combineMs: median(combineS),
    memoryFloorMs,
    computeFloorMs,
    readGBps: bw.bytesPerS / 1e9,
    readBytes: bw.bytes,
    naiveMs: null,
    tfjsMs: {},
    parallelMs: null,
    parallelInPlaceMs: null,
    inPlaceOneThreadMs: null,
    inPlace: inPlace?.times ?? null,
    samplesMs: { surgery: surgeryS, gram: gramS, combine: combineS, ...inPlace?.samples },
    projections: stats.projections,
    conflicts: stats.conflicts.length,
    fillMs,
  };

  if (d <= BASELINE_MAX_D && !config.skip.has("naive")) {
    stage(`${tag}: the naive loop`);
    const naiveOut = new Float32Array(d);
    const scratch = new Float32Array(d);
    const run = () => naivePcgrad(grads, stats.orders, naiveOut, scratch);
    run();
    check("naive loop", tag, relDiff(naiveOut, reference), log);
    const [s] = repeat([run], config.runs);
    result.naiveMs = median(s);
    result.samplesMs.naive = s;
  }

  if (d <= BASELINE_MAX_D && !config.skip.has("tfjs")) {
    for (const backend of TF_BACKENDS) {
      stage(`${tag}: tf.js ${backend}`);
      const why = await useBackend(backend);
      if (why !== null) {
        log(`  tf.js ${backend}: unavailable (${why})`);
        continue;
      }
      const X = toTensor(grads);
      try {
        check(`tf.js ${backend}`, tag, relDiff(tfPcgradStep(X, SEED), reference), log);
        const [s] = repeat([() => tfPcgradStep(X, SEED)], config.runs);
        result.tfjsMs[backend] = median(s);
        result.samplesMs[`tfjs-${backend}`] = s;
      } finally {
        X.dispose();
      }
    }
  }

  if (parallel !== null && d <= BASELINE_MAX_D && !config.skip.has("parallel")) {
    stage(`${tag}: ${parallel.threads} threads`);
    const shared = grads.map((g) => {
      const s = sharedFloat32Array(d);
      s.set(g);
      return s;
    });
    const sharedOut = sharedFloat32Array(d);
    const [s] = await benchParallel(parallel, shared, sharedOut, reference, config, tag, log);
    result.parallelMs = median(s);
    result.samplesMs.parallel = s;
    const buffer = config.skip.has("inplace") ? null : bufferOf(grads, log, { shared: true });
    if (buffer !== null) {
      // One thread on the same buffer, alternating with the threads: the speedup's baseline.
      const one = () => surgery(buffer.rows, { seed: SEED, out: buffer.output });
      const [p, o] = await benchParallel(
        parallel,
        buffer.rows,
        buffer.output,
        reference,
        config,
        tag,
        log,
        one,
      );
      result.parallelInPlaceMs = median(p);
      result.inPlaceOneThreadMs = median(o);
      result.samplesMs["parallel-inplace"] = p;
      result.samplesMs["inplace-one-thread"] = o;
    }
  }

  log(
    `  surgery ${result.surgeryMs.toFixed(2)} ms, in place ${
      result.inPlace?.surgeryMs.toFixed(2) ?? "—"
    } ms (floor ${Math.max(memoryFloorMs, computeFloorMs).toFixed(2)}), naive ${
      result.naiveMs?.toFixed(1) ?? "—"
    }, tf.js wasm ${result.tfjsMs.wasm?.toFixed(1) ?? "—"}, ${parallel?.threads ?? 1} threads ${
      result.parallelMs?.toFixed(2) ?? "—"
    } ms, in place ${result.parallelInPlaceMs?.toFixed(2) ?? "—"} ms`,
  );
  return result;
}

async function main(): Promise<void> {
  const config = parseArgs(Deno.args);
  const sizes = plannedSizes(config);
  const weight = ({ T, d }: { T: number; d: number }) => expectedSeconds(T, d, config.skip);
  // With --json, stdout carries only the JSON document; progress goes to stderr.
  const progress = createProgress(sizes.reduce((sum, size) => sum + weight(size), 0), config.json);
  const log = progress.log;
  const t0 = performance.now();
  const threads = navigator.hardwareConcurrency;
  // Limits are what the machine reaches: measured again after every size (and the scaling probe
  // at the end too) on this shared machine, and the best measurement counts.
  let peak = measurePeak();
  if (!config.skip.has("probe")) progress.stage("probing thread scaling");
  let scaling = config.skip.has("probe") ? null : await threadScaling(threads);
  const machine: Machine = {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    target: Deno.build.target,
    logicalCpus: threads,
    kernel: kernelFlavor() ?? "typescript",
    tfjs: TF_VERSION,
    peak,
    threadScaling: scaling,
    date: new Date().toISOString(),
  };
  log(machineSection(machine));

  const parallel = config.skip.has("parallel") ? null : await createParallelSurgery({
    threads,
    seed: SEED,
  });
  const results: SizeResult[] = [];
  const benchSoFar = (rows: SizeResult[]): BenchResult => ({
    machine,
    config: {
      Ts: config.Ts,
      ds: config.ds,
      seed: SEED,
      tolerance: TOLERANCE,
      warmupMs: WARMUP_MS,
      minRuns: config.runs,
      budgetMs: BUDGET_MS,
      maxRuns: MAX_RUNS,
      baselineMaxD: BASELINE_MAX_D,
      parallelThreads: parallel?.threads ?? null,
    },
    kernelMemoryBytes: kernelMemoryBytes(),
    totalSeconds: (performance.now() - t0) / 1000,
    results: rows,
  });
  try {
    for (const [k, size] of sizes.entries()) {
      const { T, d } = size;
      results.push(await benchSize(T, d, config, peak.best, parallel, log, progress.stage));
      progress.stage(`T=${T}, d=${d.toExponential(0)}: the machine's compute limit again`);
      peak = bestPeak(peak, measurePeak());
      progress.advance(weight(size));
      if (sizes[k + 1]?.T !== T) {
        // This T is done: its rows now, with the limits measured so far.
        const rows = results.filter((r) => r.T === T);
        log(
          `\n## T = ${T} (compute floor from the peak measured so far; the full tables at the ` +
            "end use the best)\n",
        );
        log(floorTable(benchSoFar(rows), false));
        log("");
        log(baselineTable(benchSoFar(rows), false));
        log("");
        log(scalingTable(benchSoFar(rows), T));
        log("");
      }
    }
  } finally {
    parallel?.close();
  }
  if (scaling !== null) {
    progress.stage("probing thread scaling again");
    const again = await threadScaling(threads);
    scaling = {
      threads,
      peak: Math.max(scaling.peak, again.peak),
      read: Math.max(scaling.read, again.read),
    };
  }
  progress.stop();
  machine.peak = peak;
  machine.threadScaling = scaling;
  for (const r of results) r.computeFloorMs = ((r.T * (r.T + 1)) / 2) * r.d / peak.best * 1000;
  const bench = benchSoFar(results);
  // The tables go to the log (stderr with --json), so one run gives both forms.
  log("");
  log(machineSection(machine));
  log("");
  log(floorTable(bench));
  log("");
  log(baselineTable(bench));
  log("");
  log(scalingTable(bench, 8));
  log(`\nTotal ${bench.totalSeconds.toFixed(0)} s.`);
  if (config.json) console.log(JSON.stringify(bench, null, 2));
}

if (import.meta.main) await main();
