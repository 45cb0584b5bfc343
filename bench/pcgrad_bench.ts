/**
 * Benchmark: PCGrad through the library (Gram pass → T×T weights → combine pass, SIMD WASM)
 * against a naive TypeScript loop of Algorithm 1 in vector form (bench/naive_pcgrad.ts), for
 * T ∈ {2, 8, 32} tasks and d ∈ {1e5, 1e6, 1e7} parameters. Prints a Markdown table of medians.
 *
 *   node tools/deno.mjs task bench                 # full run (several minutes)
 *   node tools/deno.mjs task bench --quick         # d = 1e5 and 1e6 only
 *   node tools/deno.mjs task bench --T=2,8 --d=1e5 # filters
 *   node tools/deno.mjs task bench --json          # machine-readable results on stdout
 *
 * Per (T, d): the inputs are filled once from a seeded generator and reused by every run; one
 * warm-up run of each operation comes first, and its outputs are the correctness check (surgery
 * and the naive loop must agree: max |difference| / max |output| < 1e-3, else the run aborts).
 * @module
 */

import { accumulateGram, combineBlock, surgery, surgeryWeights } from "../mod.ts";
import { naivePcgrad } from "./naive_pcgrad.ts";
import { fillNormalish, uniforms } from "./rng.ts";

const USAGE = "usage: deno task bench [--quick] [--json] [--T=2,8,32] [--d=1e5,1e6,1e7]";
/** Largest tolerated max |surgery − naive| / max |surgery|. */
const TOLERANCE = 1e-3;
/**
 * Warm-up: one run of every operation, repeated until WARMUP_MS have passed (short runs need
 * several calls before V8 has optimised the naive loop). Then timed runs: at least MIN_RUNS, and
 * more while one size's timed loop has run under BUDGET_MS, at most MAX_RUNS.
 */
const WARMUP_MS = 300;
const MIN_RUNS = 5;
const BUDGET_MS = 1000;
const MAX_RUNS = 200;
/** The naive loop does only NAIVE_SLOW_RUNS timed runs where its first run took over NAIVE_SLOW_MS. */
const NAIVE_SLOW_RUNS = 3;
const NAIVE_SLOW_MS = 5000;
const SEED = 0;

interface Config {
  json: boolean;
  quick: boolean;
  Ts: number[];
  ds: number[];
}

interface Check {
  /** max |surgery − naive| / max |surgery|. */
  relError: number;
  maxAbsOutput: number;
  /** max |combineBlock(gram → weights) − surgery|, expected 0. */
  splitVsSurgery: number;
  /** Projection steps PCGrad took, and conflicting pairs (i < j). */
  projections: number;
  conflicts: number;
}

interface SizeResult {
  T: number;
  d: number;
  surgeryMs: number;
  gramMs: number;
  combineMs: number;
  naiveMs: number;
  /** naive median / surgery median. */
  speedup: number;
  /** 2·T·d·4 bytes / surgery median. */
  surgeryGBps: number;
  /** Timed runs (medians are over these) and warm-up runs before them. */
  runs: { library: number; naive: number };
  warmupRuns: { library: number; naive: number };
  /** The very first call of surgery and of the naive loop (cold JIT). */
  firstRunMs: { surgery: number; naive: number };
  fillMs: number;
  check: Check;
  samplesMs: { surgery: number[]; gram: number[]; combine: number[]; naive: number[] };
}

function parseList(arg: string, name: string): number[] {
  const values = arg.split(",").map((s) => Number(s.trim()));
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`--${name}: expected positive integers, found ${JSON.stringify(arg)}`);
    }
  }
  return values;
}

function parseArgs(args: readonly string[]): Config {
  const config: Config = { json: false, quick: false, Ts: [2, 8, 32], ds: [1e5, 1e6, 1e7] };
  for (const arg of args) {
    if (arg === "--json") config.json = true;
    else if (arg === "--quick") config.quick = true;
    else if (arg.startsWith("--T=")) config.Ts = parseList(arg.slice(4), "T");
    else if (arg.startsWith("--d=")) config.ds = parseList(arg.slice(4), "d");
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else {
      console.error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
      Deno.exit(2);
    }
  }
  if (config.quick) config.ds = config.ds.filter((d) => d <= 1e6);
  return config;
}

/**
 * T task gradients of length d: g_t = s_t · (a_t · z + n_t), with z a shared normal-ish vector,
 * n_t the task's own, a_t = ±(0.3…1) (mixed signs, so about half the pairs conflict, and strongly
 * enough that the conflict tests are far from a tie) and a different scale s_t ∈ [1/4, 4] per task.
 */
function makeGrads(T: number, d: number): Float32Array[] {
  const u = uniforms(1000 * T + 7);
  const shared = fillNormalish(new Float32Array(d), 12345);
  const grads: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    const scale = 2 ** (4 * u() - 2);
    const a = (u() < 0.5 ? -1 : 1) * (0.3 + 0.7 * u());
    const g = fillNormalish(new Float32Array(d), 7919 * (t + 1) + d);
    for (let k = 0; k < d; k++) g[k] = scale * (g[k] + a * shared[k]);
    grads.push(g);
  }
  return grads;
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/**
 * Runs `ops` round-robin: at least `minRuns` rounds, then more while under `budgetMs` since the
 * start, at most `maxRuns`. Returns each round's times (ms), one per operation.
 */
function repeat(
  ops: readonly (() => unknown)[],
  minRuns: number,
  budgetMs: number,
  maxRuns: number,
): number[][] {
  const rounds: number[][] = [];
  const start = performance.now();
  while (
    rounds.length < minRuns ||
    (performance.now() - start < budgetMs && rounds.length < maxRuns)
  ) {
    rounds.push(ops.map(time));
  }
  return rounds;
}

/** Per-operation sample lists from per-round times. */
function transpose(rounds: readonly number[][]): number[][] {
  const n = rounds.length === 0 ? 0 : rounds[0].length;
  return Array.from({ length: n }, (_, i) => rounds.map((r) => r[i]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

function fmtD(d: number): string {
  const e = Math.round(Math.log10(d));
  return 10 ** e === d ? `1e${e}` : String(d);
}

function fmtMs(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

function benchSize(T: number, d: number, log: (line: string) => void): SizeResult {
  const tag = `T=${T}, d=${fmtD(d)}`;
  let grads: Float32Array[] = [];
  const fillMs = time(() => (grads = makeGrads(T, d)));
  const out = new Float32Array(d);
  const combined = new Float32Array(d);
  const naiveOut = new Float32Array(d);
  const scratch = new Float32Array(d);
  const options = { seed: SEED, out };

  // First runs: their outputs are the check, and they start the warm-up.
  const warmStart = performance.now();
  const surgeryFirstMs = time(() => surgery(grads, options));
  const gram = accumulateGram(grads);
  const { weights, stats } = surgeryWeights(gram, { seed: SEED });
  combineBlock(grads, weights, combined);
  const libraryOps = [
    () => surgery(grads, options),
    () => accumulateGram(grads),
    () => combineBlock(grads, weights, combined),
  ];
  // The naive loop visits the same per-task orders as surgery's seed (stats.orders).
  const orders = stats.orders;
  const naiveOps = [() => naivePcgrad(grads, orders, naiveOut, scratch)];
  const naiveFirstMs = time(naiveOps[0]);

  const maxAbsOutput = maxAbs(out);
  const relError = maxAbsDiff(out, naiveOut) / maxAbsOutput;
  const check: Check = {
    relError,
    maxAbsOutput,
    splitVsSurgery: maxAbsDiff(out, combined),
    projections: stats.projections,
    conflicts: stats.conflicts.length,
  };
  const ok = relError < TOLERANCE && Number.isFinite(relError);
  log(
    `check ${tag}: max|surgery − naive| / max|out| = ${relError.toExponential(2)} ` +
      `(< ${TOLERANCE}: ${ok ? "ok" : "FAIL"}); split phase vs surgery max diff ` +
      `${check.splitVsSurgery}; ${check.projections} projections, ${check.conflicts} of ` +
      `${(T * (T - 1)) / 2} pairs conflict; inputs filled in ${fmtMs(fillMs)} ms`,
  );
  if (!ok) {
    console.error(
      `\n!!! CHECK FAILED at ${tag}: surgery and the naive PCGrad loop disagree ` +
        `(relative max error ${relError}, tolerance ${TOLERANCE}). Aborting.\n`,
    );
    Deno.exit(1);
  }

  // Rest of the warm-up: short runs repeat until the JIT has settled.
  const warmups = {
    library: 1 + repeat(libraryOps, 0, WARMUP_MS - (performance.now() - warmStart), Infinity)
      .length,
    naive: 1 + repeat(naiveOps, 0, WARMUP_MS - naiveFirstMs, Infinity).length,
  };

  // Timed runs; the library operations round-robin, so drift on a noisy machine hits all alike.
  const [surgerySamples, gramSamples, combineSamples] = transpose(
    repeat(libraryOps, MIN_RUNS, BUDGET_MS, MAX_RUNS),
  );
  const [naiveSamples] = naiveFirstMs > NAIVE_SLOW_MS
    ? transpose(repeat(naiveOps, NAIVE_SLOW_RUNS, 0, NAIVE_SLOW_RUNS))
    : transpose(repeat(naiveOps, MIN_RUNS, BUDGET_MS, MAX_RUNS));
  const samples = { surgery: surgerySamples, gram: gramSamples, combine: combineSamples };

  const surgeryMs = median(samples.surgery);
  const naiveMs = median(naiveSamples);
  const result: SizeResult = {
    T,
    d,
    surgeryMs,
    gramMs: median(samples.gram),
    combineMs: median(samples.combine),
    naiveMs,
    speedup: naiveMs / surgeryMs,
    surgeryGBps: (2 * T * d * 4) / (surgeryMs * 1e6),
    runs: { library: samples.surgery.length, naive: naiveSamples.length },
    warmupRuns: warmups,
    firstRunMs: { surgery: surgeryFirstMs, naive: naiveFirstMs },
    fillMs,
    check,
    samplesMs: { ...samples, naive: naiveSamples },
  };
  log(
    `  ${tag}: surgery ${fmtMs(surgeryMs)} ms, naive ${fmtMs(naiveMs)} ms ` +
      `(${result.runs.library} / ${result.runs.naive} timed runs after ${warmups.library} / ` +
      `${warmups.naive} warm-up runs)`,
  );
  return result;
}

function table(results: readonly SizeResult[]): string {
  const lines = [
    "| T | d | surgery ms | gram ms | combine ms | naive ms | naive/surgery | surgery GB/s | runs lib/naive |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of results) {
    lines.push(
      `| ${r.T} | ${fmtD(r.d)} | ${fmtMs(r.surgeryMs)} | ${fmtMs(r.gramMs)} | ` +
        `${fmtMs(r.combineMs)} | ${fmtMs(r.naiveMs)} | ${r.speedup.toFixed(1)}× | ` +
        `${r.surgeryGBps.toFixed(2)} | ${r.runs.library}/${r.runs.naive} |`,
    );
  }
  return lines.join("\n");
}

function main(): void {
  const config = parseArgs(Deno.args);
  // With --json, stdout carries only the JSON document; progress goes to stderr.
  const log = config.json ? (line: string) => console.error(line) : (line: string) => {
    console.log(line);
  };
  const runtime = {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    target: Deno.build.target,
    hardwareConcurrency: navigator.hardwareConcurrency,
    date: new Date().toISOString(),
    kernel: surgeryWeights(new Float64Array([1])).stats.kernel,
  };
  log("# PCGrad benchmark: surgery (WASM core) vs a naive TypeScript loop");
  log("");
  log(
    `Deno ${runtime.deno}, V8 ${runtime.v8}, TypeScript ${runtime.typescript}, ` +
      `${runtime.target}, ${runtime.hardwareConcurrency} logical CPUs, kernel ` +
      `${runtime.kernel}, ${runtime.date}`,
  );
  log(`T ∈ {${config.Ts.join(", ")}}, d ∈ {${config.ds.map(fmtD).join(", ")}}`);
  log("");

  const t0 = performance.now();
  const results: SizeResult[] = [];
  for (const T of config.Ts) {
    // Each size's arrays live only inside benchSize, so they can be freed before the next one.
    for (const d of config.ds) results.push(benchSize(T, d, log));
  }
  const totalS = (performance.now() - t0) / 1000;

  if (config.json) {
    console.log(JSON.stringify(
      {
        runtime,
        config: {
          Ts: config.Ts,
          ds: config.ds,
          quick: config.quick,
          seed: SEED,
          tolerance: TOLERANCE,
          warmupMs: WARMUP_MS,
          minRuns: MIN_RUNS,
          budgetMs: BUDGET_MS,
          maxRuns: MAX_RUNS,
          naiveSlowRuns: NAIVE_SLOW_RUNS,
          naiveSlowMs: NAIVE_SLOW_MS,
        },
        totalSeconds: totalS,
        results,
      },
      null,
      2,
    ));
    return;
  }

  const slow = results.filter((r) => r.runs.naive < MIN_RUNS);
  log("");
  log(table(results));
  log("");
  log(
    `Medians of the timed runs. surgery = surgery(grads, { seed: ${SEED}, out }); ` +
      "gram = accumulateGram(grads); combine = combineBlock(grads, weights, out) (its public " +
      "entry also scans the output for non-finite values in JS); naive = bench/naive_pcgrad.ts " +
      "with the same task orders. GB/s = 2·T·d·4 bytes / surgery median (the input is read " +
      "twice). Per size: warm-up of at least one run of each operation, repeated for " +
      `${WARMUP_MS} ms; then at least ${MIN_RUNS} timed runs, more while under ${BUDGET_MS} ms ` +
      `(at most ${MAX_RUNS}); library operations round-robin.`,
  );
  log(
    slow.length === 0
      ? `Naive loop: at least ${MIN_RUNS} timed runs at every size.`
      : `Naive loop: at least ${MIN_RUNS} timed runs, but only ${NAIVE_SLOW_RUNS} where one run ` +
        `takes over ${NAIVE_SLOW_MS / 1000} s: ` +
        slow.map((r) => `T=${r.T}, d=${fmtD(r.d)}`).join("; ") + ".",
  );
  log(`Total ${totalS.toFixed(0)} s.`);
}

if (import.meta.main) main();
