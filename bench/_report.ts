/**
 * Result types and Markdown rendering of bench/pcgrad_bench.ts: the machine's limits, the table
 * with every ratio, and the cost-per-unit table that shows whether the curve has a step in d.
 * @module
 */

/** The machine and its measured limits. */
export interface Machine {
  deno: string;
  v8: string;
  target: string;
  logicalCpus: number;
  /** The library's kernel build: "relaxed-simd", "simd" or "typescript". */
  kernel: string;
  tfjs: string;
  /** Peak lane multiply-adds per second of the in-register loop. */
  peak: { plain: number; relaxed: number | null; best: number };
  /** Aggregate rate on all CPUs over one CPU's, for the compute loop and for streaming reads. */
  threadScaling: { threads: number; peak: number; read: number } | null;
  date: string;
}

/** One (T, d) row. Times are medians in ms; null where a baseline did not run. */
export interface SizeResult {
  T: number;
  d: number;
  surgeryMs: number;
  gramMs: number;
  combineMs: number;
  /** Two reads of T·d·4 bytes at the measured read bandwidth. */
  memoryFloorMs: number;
  /** T(T+1)/2 · d lane multiply-adds at the peak rate. */
  computeFloorMs: number;
  /** The read bandwidth behind the memory floor, and how many bytes it streamed. */
  readGBps: number;
  readBytes: number;
  naiveMs: number | null;
  /** tf.js Gram + combine per backend ("wasm", "cpu"). */
  tfjsMs: Record<string, number>;
  /** createParallelSurgery on all logical CPUs, gradients on shared arrays (staged per thread). */
  parallelMs: number | null;
  /** The same with the gradients in a shared gradient buffer, read in place by every thread. */
  parallelInPlaceMs: number | null;
  /** One thread in place on that same shared buffer, timed alternately with the threads. */
  inPlaceOneThreadMs: number | null;
  /**
   * The same three operations with the gradients in a gradient buffer (createGradientBuffer) and
   * the update written to its output row: no staging copy. Null where the buffer did not fit.
   */
  inPlace: { surgeryMs: number; gramMs: number; combineMs: number } | null;
  samplesMs: Record<string, number[]>;
  projections: number;
  conflicts: number;
  fillMs: number;
}

/** The whole run, as printed with --json. */
export interface BenchResult {
  machine: Machine;
  config: Record<string, unknown>;
  /** WASM memory the library's kernels hold after every size: their whole working memory. */
  kernelMemoryBytes: number;
  totalSeconds: number;
  results: SizeResult[];
}

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

function ratio(a: number | null | undefined, b: number): string {
  return a === null || a === undefined ? "—" : `${(a / b).toFixed(1)}×`;
}

function speedup(one: number | null | undefined, threads: number | null): string {
  return one === null || one === undefined || threads === null
    ? "—"
    : `${(one / threads).toFixed(2)}×`;
}

function fmtD(d: number): string {
  const e = Math.round(Math.log10(d));
  return 10 ** e === d ? `1e${e}` : String(d);
}

/** The machine's limits, as Markdown lines. */
export function machineSection(m: Machine): string {
  const g = (x: number) => (x / 1e9).toFixed(1);
  const lines = [
    "# PCGrad benchmark: the library beside the machine's limits and the baselines",
    "",
    `Deno ${m.deno}, V8 ${m.v8}, ${m.target}, ${m.logicalCpus} logical CPUs, kernels ` +
    `${m.kernel}, tf.js ${m.tfjs}, ${m.date}.`,
    `Compute limit: ${g(m.peak.best)} G lane multiply-adds/s (in-register loop; plain SIMD ` +
    `${g(m.peak.plain)}, relaxed ${m.peak.relaxed === null ? "n/a" : g(m.peak.relaxed)}).`,
  ];
  if (m.threadScaling !== null) {
    const s = m.threadScaling;
    lines.push(
      `Thread scaling on ${s.threads} threads at once (aggregate over one thread): compute loop ` +
        `${s.peak.toFixed(2)}×, streaming reads ${s.read.toFixed(2)}× — the most any split of ` +
        "the work across threads can gain here.",
    );
  }
  return lines.join("\n");
}

/** Each size's floor: the larger of the memory and compute floors. */
function floorMs(r: SizeResult): number {
  return Math.max(r.memoryFloorMs, r.computeFloorMs);
}

/**
 * The library beside the machine's limits: staged and in-place inputs, both passes; `notes`
 * adds the paragraph that says what each column is.
 */
export function floorTable(b: BenchResult, notes = true): string {
  const lines = [
    "| T | d | surgery ms | gram ms | combine ms | in place: surgery ms | gram ms | " +
    "combine ms | memory floor ms | compute floor ms | surgery / floor | in place / floor |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of b.results) {
    const p = r.inPlace;
    lines.push(
      `| ${r.T} | ${fmtD(r.d)} | ${fmtMs(r.surgeryMs)} | ${fmtMs(r.gramMs)} | ` +
        `${fmtMs(r.combineMs)} | ${fmtMs(p?.surgeryMs)} | ${fmtMs(p?.gramMs)} | ` +
        `${fmtMs(p?.combineMs)} | ${fmtMs(r.memoryFloorMs)} | ${fmtMs(r.computeFloorMs)} | ` +
        `${(r.surgeryMs / floorMs(r)).toFixed(2)}× | ` +
        `${p === null ? "—" : (p.surgeryMs / floorMs(r)).toFixed(2) + "×"} |`,
    );
  }
  if (!notes) return lines.join("\n");
  lines.push(
    "",
    "Medians of at least 5 timed runs after a warm-up (floors: the fastest of 7 runs). " +
      "surgery, gram (accumulateGram), combine (combineBlock, with its non-finite check): " +
      "gradients in ordinary Float32Arrays, staged into WASM memory chunk by chunk. in place: " +
      "the same numbers in a gradient buffer (createGradientBuffer), read where they are, the " +
      "update written to the buffer's output row. floor = max(memory floor, compute floor); " +
      "≤ 2× is the target. memory floor = 2 reads of T·d·4 bytes at the read bandwidth of a " +
      "WASM SIMD loop over the same data (up to 1 GiB of it); compute floor = T(T+1)/2 · d " +
      "multiply-adds at the in-register peak. " +
      `Kernel WASM memory after the run: ${(b.kernelMemoryBytes / 1048576).toFixed(2)} MiB ` +
      "(the shared core's scratch; a gradient buffer holds its rows plus about 0.1 MiB).",
  );
  return lines.join("\n");
}

/** The library beside the baselines and its threaded form; `notes` as in floorTable. */
export function baselineTable(b: BenchResult, notes = true): string {
  const threads = b.config.parallelThreads ?? "N";
  const lines = [
    `| T | d | surgery ms | naive ms | naive / surgery | tf.js wasm ms | wasm / surgery | ` +
    `tf.js cpu ms | cpu / surgery | ${threads} threads ms | speedup | ` +
    `${threads} threads in place ms | speedup over 1 in place |`,
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of b.results) {
    lines.push(
      `| ${r.T} | ${fmtD(r.d)} | ${fmtMs(r.surgeryMs)} | ${fmtMs(r.naiveMs)} | ` +
        `${ratio(r.naiveMs, r.surgeryMs)} | ${fmtMs(r.tfjsMs.wasm)} | ` +
        `${ratio(r.tfjsMs.wasm, r.surgeryMs)} | ${fmtMs(r.tfjsMs.cpu)} | ` +
        `${ratio(r.tfjsMs.cpu, r.surgeryMs)} | ${fmtMs(r.parallelMs)} | ` +
        `${speedup(r.surgeryMs, r.parallelMs)} | ${fmtMs(r.parallelInPlaceMs)} | ` +
        `${speedup(r.inPlaceOneThreadMs, r.parallelInPlaceMs)} |`,
    );
  }
  if (!notes) return lines.join("\n");
  lines.push(
    "",
    "surgery as above (staged inputs). naive = bench/naive_pcgrad.ts; tf.js = G = X Xᵀ and wᵀX " +
      "with tf ops, same weights; both skipped above d = 1e7. threads = createParallelSurgery " +
      "on every logical CPU with gradients on shared arrays (each thread stages its chunks); " +
      "speedup = surgery / threads. threads in place = the same with the gradients in a shared " +
      "gradient buffer; speedup over 1 in place = one thread in place on that buffer (timed " +
      "alternately with the threads) / threads in place.",
  );
  return lines.join("\n");
}

/** Cost per unit of work for one T across d: flat columns mean no step where d outgrows a cache. */
export function scalingTable(b: BenchResult, T: number): string {
  const rows = b.results.filter((r) => r.T === T);
  if (rows.length === 0) return "";
  const lines = [
    `Scaling at T = ${T}: cost per unit of work (flat = O(T²d) Gram, O(Td) combine, no step)`,
    "",
    "| d | gram ps / (T(T+1)/2·d) | combine ps / (T·d) | surgery GB/s (2·T·d·4 bytes) | " +
    "in place: gram ps | combine ps | surgery GB/s |",
    "|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const pairs = ((T * (T + 1)) / 2) * r.d;
    const units = (g: number, c: number, s: number) =>
      `${(g * 1e9 / pairs).toFixed(1)} | ${(c * 1e9 / (T * r.d)).toFixed(1)} | ` +
      `${((2 * T * r.d * 4) / (s * 1e6)).toFixed(2)}`;
    const p = r.inPlace;
    lines.push(
      `| ${fmtD(r.d)} | ${units(r.gramMs, r.combineMs, r.surgeryMs)} | ` +
        `${p === null ? "— | — | —" : units(p.gramMs, p.combineMs, p.surgeryMs)} |`,
    );
  }
  return lines.join("\n");
}
