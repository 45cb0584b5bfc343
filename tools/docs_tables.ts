/**
 * Renders the numbers in the docs from the data that produced them, so no figure is ever copied
 * by hand: the benchmark tables from docs/bench_pcgrad*.json, docs/bench_tfjs_step.json and
 * docs/bench_tfjs_threads.json, the MultiMNIST tables from docs/multimnist_*.json, and the two toy
 * tables by running the toys (deterministic: the same code gives the same bits). Each figure sits
 * in a Markdown file between
 *
 *   <!-- generated:NAME -->
 *   …
 *   <!-- /generated:NAME -->
 *
 * and is replaced whole, with a blank line on either side. Fragments are formatted with `deno fmt`,
 * so the root Markdown files stay fmt-clean.
 *
 *   deno run --allow-read=. --allow-write=README.md,docs --allow-run tools/docs_tables.ts
 *   … --check    exit 1 and name the stale files instead of writing (what the test runs)
 * @module
 */

import { baselineTable, type BenchResult, floorTable, scalingTable } from "../bench/_report.ts";
import { type StepResult, stepTable } from "../bench/_tfjs_report.ts";
import {
  type ThreadsBench,
  threadsMachine,
  threadsSummary,
  threadsTable,
} from "../bench/_tfjs_threads_report.ts";
import { createSurgery } from "../mod.ts";
import { resultCells, ToyRun } from "../examples/toy/run.ts";
import {
  METHODS as CAGRAD_TOY_METHODS,
  paretoDistance,
  runMethod,
} from "../examples/cagrad_toy/main.ts";
import { STARTS } from "../examples/cagrad_toy/problem.ts";
import { meanStd } from "../examples/_shared/mean_std.ts";
import { PAPER_MULTIMNIST, paperAccuracy } from "../examples/multimnist/paper.ts";
import { byRun } from "../examples/multimnist/run_label.ts";

const ROOT = new URL("../", import.meta.url);

/** The files that hold generated fragments. */
export const FILES = ["README.md", "docs/performance.md", "docs/tfjs.md", "docs/demos.md"];

async function json<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as T;
}

function markdown(header: string[], rows: string[][], align?: ("l" | "r")[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((
    _,
    c,
  ) => ((align?.[c] ?? (c === 0 ? "l" : "r")) === "l" ? "---" : "--:"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

/** 1e6 for powers of ten, else the integer as it is. */
const fmtD = (d: number) => (Number.isInteger(Math.log10(d)) ? `1e${Math.log10(d)}` : String(d));
const times = (x: number) => `${x.toFixed(1)}×`;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** min–max of a list, formatted. */
function range(values: number[], f: (x: number) => string = (x) => x.toFixed(1)): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`;
}

// ---------------------------------------------------------------- the PCGrad benchmark

/** The README's headline: the speed-ups at T = 8, d = 1e7 and their range over every size. */
function headline(b: BenchResult): string {
  const at = b.results.find((r) => r.T === 8 && r.d === 1e7);
  if (at === undefined) throw new Error("docs_tables: the benchmark has no T = 8, d = 1e7 row");
  const naive = b.results.filter((r) => r.naiveMs !== null).map((r) => r.naiveMs! / r.surgeryMs);
  const wasm = b.results.filter((r) => r.tfjsMs.wasm !== undefined).map((r) =>
    r.tfjsMs.wasm / r.surgeryMs
  );
  return `At T = 8 tasks and d = 10⁷ shared parameters one PCGrad step takes ${
    ms(at.surgeryMs)
  } ms on one core of the benchmark machine: ${times(at.naiveMs! / at.surgeryMs)} faster than a ` +
    `direct TypeScript port of the vector algorithm and ${
      times(at.tfjsMs.wasm / at.surgeryMs)
    } faster than the same two passes in tf.js's wasm backend (${range(naive)}× and ` +
    `${range(wasm)}× over every size measured, T = 2…32, d = 10⁵…10⁷).`;
}

/** The machine and run a benchmark file comes from. */
function machine(b: BenchResult, file: string): string {
  const m = b.machine;
  return `${file}: Deno ${m.deno}, V8 ${m.v8}, ${m.logicalCpus} logical CPUs, kernels ` +
    `${m.kernel}, tf.js ${m.tfjs}; in-register peak ${(m.peak.best / 1e9).toFixed(1)} G lane ` +
    `multiply-adds/s; ${Math.round(b.totalSeconds)} s in all, ${m.date.slice(0, 10)}.`;
}

/** bench/_report.ts's table, without the paragraph it appends for the terminal. */
function tableOnly(text: string): string {
  return text.split("\n\n")[0];
}

function scalingOnly(text: string): string {
  return text.split("\n\n").slice(1).join("\n\n");
}

// ---------------------------------------------------------------- the tf.js step benchmark

interface TfjsPass {
  backend: string;
  T: number;
  d: number;
  ms: Record<string, number>;
}

function tfjsPassTable(passes: TfjsPass[]): string {
  return markdown(
    ["backend", "T", "d", "tf ops ms", "chosen", "chosen ms", "tf ops / chosen"],
    passes.map((r) => {
      const chosen = r.ms.WGSL !== undefined ? "WGSL" : "WASM core";
      return [
        r.backend,
        String(r.T),
        fmtD(r.d),
        ms(r.ms["tf ops"]),
        chosen,
        ms(r.ms[chosen]),
        times(r.ms["tf ops"] / r.ms[chosen]),
      ];
    }),
    ["l", "r", "r", "r", "l", "r", "r"],
  );
}

/** The ranges the adapter docs quote: how much faster the chosen passes are, per backend. */
function tfjsPassSummary(passes: TfjsPass[]): string {
  const per = (backend: string) => {
    const rows = passes.filter((p) => p.backend === backend);
    if (rows.length === 0) return null;
    const chosen = (p: TfjsPass) => p.ms.WGSL ?? p.ms["WASM core"];
    return `${backend} ${range(rows.map((p) => p.ms["tf ops"] / chosen(p)))}×`;
  };
  const parts = ["cpu", "wasm", "webgpu"].map(per).filter((p) => p !== null);
  return `The chosen passes against the same passes in tf.js ops, over the sizes above: ${
    parts.join(", ")
  }.`;
}

// ---------------------------------------------------------------- MultiMNIST

interface MnistRun {
  settings: { method: string; variant?: string; seed: number; epochs: number };
  curve: { epoch: number; testAccuracy: [number, number] }[];
  accuracy: [number, number];
  conflictRate: number | null;
}
interface MnistFile {
  setting: { train: number; test: number; epochs: number; seeds: number };
  table: string;
  results: MnistRun[];
  /** Runs not finished when the file was gathered (--collect). */
  pending?: { run: string; seed: number; done: number; total: number }[];
}

/** The paper's left and right accuracy for `run` as two table cells. */
function paperCells(run: keyof typeof PAPER_MULTIMNIST): string {
  return PAPER_MULTIMNIST[run].map((v) => v.toFixed(2)).join(" | ");
}

/** A MultiMNIST run's table with the paper's numbers (Yu et al. 2020, Appendix E) beneath. */
function withPaperRows(file: MnistFile): string {
  return [
    file.table,
    `| paper: MGDA-UB (Sener & Koltun) | | ${paperCells("mgda-ub")} | | |`,
    `| paper: PCGrad | | ${paperCells("pcgrad")} | | |`,
  ].join("\n");
}

/** Every method after one epoch: the zoo run, and sum / pcgrad read off the full run at epoch 1. */
function mnistZoo(full: MnistFile, zoo: MnistFile): string {
  const methods = (f: MnistFile) => [...new Set(f.results.map((r) => r.settings.method))];
  const row = (f: MnistFile, method: string, atEpochOne: boolean) => {
    const runs = f.results.filter((r) => r.settings.method === method);
    const acc = (r: MnistRun, t: 0 | 1) =>
      atEpochOne ? r.curve.find((p) => p.epoch === 1)!.testAccuracy[t] : r.accuracy[t];
    return [
      method,
      String(runs.length),
      meanStd(runs.map((r) => acc(r, 0))),
      meanStd(runs.map((r) => acc(r, 1))),
      atEpochOne || runs[0].conflictRate === null
        ? "–"
        : `${meanStd(runs.map((r) => 100 * r.conflictRate!), 0)} %`,
    ];
  };
  return markdown(
    ["method", "seeds", "left acc %", "right acc %", "steps in conflict"],
    [
      ...methods(full).map((m) => row(full, m, true)),
      ...methods(zoo).map((m) => row(zoo, m, false)),
    ],
  );
}

/** Every run's final accuracy by seed, and the runs still training when the file was gathered. */
function mnistSenerSeeds(file: MnistFile): string {
  const seeds = [
    ...new Set([
      ...file.results.map((r) => r.settings.seed),
      ...(file.pending ?? []).map((p) => p.seed),
    ]),
  ].sort((a, b) => a - b);
  const groups = byRun(file.results);
  const labels = [...new Set([...groups.keys(), ...(file.pending ?? []).map((p) => p.run)])];
  const cell = (label: string, seed: number) => {
    const run = groups.get(label)?.find((r) => r.settings.seed === seed);
    if (run !== undefined) return run.accuracy.map((a) => a.toFixed(2)).join(" / ");
    const p = file.pending?.find((q) => q.run === label && q.seed === seed);
    return p === undefined ? "–" : `training (${Math.floor((100 * p.done) / p.total)} %)`;
  };
  return markdown(
    ["run", ...seeds.map((s) => `seed ${s}: left / right %`)],
    labels.map((label) => [label, ...seeds.map((s) => cell(label, s))]),
  );
}

/**
 * Each run against the plain sum on the same seed (same initial weights, data order and dropout
 * masks), and PCGrad's ablation arms against each other (the paper found full PCGrad best and
 * direction-only better than magnitude-only): the paired difference of final accuracy, mean ± std
 * over the seeds both runs have finished.
 */
function mnistSenerPaired(file: MnistFile): string {
  const groups = byRun(file.results);
  const comparisons: [string, string][] = [...groups.keys()]
    .filter((label) => label !== "sum")
    .map((label) => [label, "sum"]);
  const ablation: [string, string][] = [
    ["pcgrad", "pcgrad direction"],
    ["pcgrad", "pcgrad magnitude"],
    ["pcgrad direction", "pcgrad magnitude"],
  ];
  comparisons.push(...ablation.filter(([a, b]) => groups.has(a) && groups.has(b)));
  const rows = comparisons.map(([label, baseline]) => {
    const base = groups.get(baseline) ?? [];
    const pairs = groups.get(label)!.flatMap((r) => {
      const b = base.find((q) => q.settings.seed === r.settings.seed);
      return b === undefined ? [] : [[0, 1].map((t) => r.accuracy[t] - b.accuracy[t])];
    });
    const delta = (t: number) => pairs.length === 0 ? "–" : signed(meanStd(pairs.map((p) => p[t])));
    return [`${label} − ${baseline}`, String(pairs.length), delta(0), delta(1)];
  });
  return markdown(["difference (same seed)", "pairs", "left Δ points", "right Δ points"], rows);
}

/** "+0.12 ± 0.30" for a non-negative mean (meanStd already prints the minus sign). */
function signed(text: string): string {
  return text.startsWith("-") ? text : `+${text}`;
}

/**
 * Whether the runs had plateaued: the change of mean test accuracy from epochs 81–90 to epochs
 * 91–100, per task, averaged over every finished run.
 */
function mnistSenerPlateau(file: MnistFile): string {
  const window = (r: MnistRun, from: number, t: number) => {
    const points = r.curve.filter((p) => p.epoch > from && p.epoch <= from + 10);
    return points.reduce((a, p) => a + p.testAccuracy[t], 0) / points.length;
  };
  const change = [0, 1].map((t) =>
    signed(
      meanStd(file.results.map((r) =>
        window(r, r.settings.epochs - 10, t) - window(r, r.settings.epochs - 20, t)
      )),
    )
  );
  return `The runs had plateaued: from the second-to-last ten epochs to the last ten, mean test accuracy changed by ` +
    `${change[0]} points (left) and ${change[1]} points (right), mean ± std over the ` +
    `${file.results.length} finished runs.`;
}

/** The README's summary: each run's mean accuracy beside the paper's, where the paper has one. */
function readmeMultimnist(file: MnistFile): string {
  const rows = [...byRun(file.results)].map(([label, runs]) => {
    const paper = paperAccuracy(label);
    return [
      label,
      String(runs.length),
      ...[0, 1].map((t) => meanStd(runs.map((r) => r.accuracy[t]))),
      paper === undefined ? "–" : paper.map((v) => v.toFixed(2)).join(" / "),
    ];
  });
  return markdown(["run", "seeds", "left acc %", "right acc %", "paper left / right"], rows);
}

/**
 * How far this library's PCGrad and MGDA-UB runs land from the paper's numbers, and PCGrad's edge
 * over MGDA-UB here and in the paper (the comparison the paper's table makes).
 */
function mnistSenerGap(file: MnistFile): string {
  const groups = byRun(file.results);
  const mean = (method: keyof typeof PAPER_MULTIMNIST, t: number) => {
    const runs = groups.get(method) ?? [];
    return runs.reduce((a, r) => a + r.accuracy[t], 0) / runs.length;
  };
  const pair = (f: (t: number) => number) => [0, 1].map((t) => signed(f(t).toFixed(2))).join(" / ");
  const parts = (Object.keys(PAPER_MULTIMNIST) as (keyof typeof PAPER_MULTIMNIST)[]).flatMap(
    (method) => {
      const seeds = groups.get(method)?.length ?? 0;
      if (seeds === 0) return [];
      return [
        `${method === "pcgrad" ? "PCGrad" : "MGDA-UB"} ${
          pair((t) => mean(method, t) - PAPER_MULTIMNIST[method][t])
        } points (${seeds} seed${seeds === 1 ? "" : "s"})`,
      ];
    },
  );
  const edge = parts.length < 2
    ? ""
    : ` PCGrad minus MGDA-UB: ${pair((t) => mean("pcgrad", t) - mean("mgda-ub", t))} points here, ${
      pair((t) => PAPER_MULTIMNIST.pcgrad[t] - PAPER_MULTIMNIST["mgda-ub"][t])
    } in the paper.`;
  return `Mean final accuracy minus the paper's, left / right: ${parts.join("; ")}.${edge}`;
}

// ---------------------------------------------------------------- the toys

function toyTable(): string {
  const rows = (["Adam", "Adam + PCGrad"] as const).map((name) => {
    const run = new ToyRun(name, createSurgery);
    run.advance(run.steps);
    return resultCells(run.result());
  });
  return markdown(["run", "θ1", "θ2", "L1", "L2", "L"], rows);
}

function cagradToyTable(): string {
  const fixed = (x: number) => (Math.abs(x) < 0.005 ? 0 : x).toFixed(2); // no "-0.00"
  const point = ([x1, x2]: readonly number[]) => `(${fixed(x1)}, ${fixed(x2)})`;
  const rows = CAGRAD_TOY_METHODS.map((method) => {
    const ends = STARTS.map((start) => runMethod(method, start, undefined, Infinity).end);
    const far = Math.max(...ends.map(paretoDistance));
    return [method.name, ends.map(point).join(", "), far.toFixed(2)];
  });
  return markdown(
    ["method", `ends from ${STARTS.map(point).join(", ")}`, "farthest from the Pareto set"],
    rows,
    ["l", "l", "r"],
  );
}

// ---------------------------------------------------------------- the synthetic ablation

interface AblationFile {
  settings: {
    phis: number[];
    ratios: number[];
    steps: number;
    adamLr: number;
    sgdLrTimesCurvature: number;
  };
  records: {
    optimizer: "adam" | "sgd";
    phi: number;
    ratio: number;
    arm: string;
    stepsToTarget: number | null;
  }[];
}

/** The strong-conflict cells the summary averages over: φ ≥ 150° and R ≥ 2. */
const STRONG = (phi: number, ratio: number) => phi >= 150 && ratio >= 2;

/**
 * Geometric-mean speed-up of each arm over the sum in the strong-conflict cells: per cell the mean
 * steps to the target over seeds, a run that never reached it counting as the whole budget.
 */
function ablationRow(file: AblationFile, optimizer: "adam" | "sgd"): string[] {
  const { settings } = file;
  const strong = file.records.filter((r) => r.optimizer === optimizer && STRONG(r.phi, r.ratio));
  const cell = new Map<string, number[]>();
  for (const r of strong) {
    const key = `${r.phi}/${r.ratio}/${r.arm}`;
    cell.set(key, [...(cell.get(key) ?? []), r.stepsToTarget ?? settings.steps]);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const speedUp = (arm: string) => {
    const logs: number[] = [];
    for (const phi of settings.phis) {
      for (const ratio of settings.ratios) {
        const sum = cell.get(`${phi}/${ratio}/sum`);
        const own = cell.get(`${phi}/${ratio}/${arm}`);
        if (sum && own) logs.push(Math.log(mean(sum) / mean(own)));
      }
    }
    return `×${Math.exp(mean(logs)).toFixed(2)}`;
  };
  // Runs that never reached the target, per arm: where the sum's are many a speed-up is
  // understated, where the arm's are, overstated.
  const missed = ABLATION_ARMS.map((arm) =>
    strong.filter((r) => r.arm === arm && r.stepsToTarget === null).length
  );
  const runs = strong.filter((r) => r.arm === "sum").length;
  const label = optimizer === "adam"
    ? `Adam, lr ${settings.adamLr}`
    : `gradient descent, step ${settings.sgdLrTimesCurvature}/λ`;
  return [
    label,
    ...["pcgrad", "direction", "magnitude"].map(speedUp),
    `${missed.join(" / ")} of ${runs}`,
  ];
}

/** The arms in the order of the missed-target column. */
const ABLATION_ARMS = ["sum", "pcgrad", "direction", "magnitude"];

function ablationTable(files: AblationFile[]): string {
  return markdown(
    [
      "optimizer, step",
      "PCGrad",
      "direction only",
      "magnitude only",
      "runs that missed (sum / PCGrad / dir. / mag.)",
    ],
    (["sgd", "adam"] as const).flatMap((o) => files.map((f) => ablationRow(f, o))),
  );
}

// ---------------------------------------------------------------- assembly

/** Every fragment by name, computed once. */
export async function fragments(): Promise<Record<string, string>> {
  const full = await json<BenchResult>("docs/bench_pcgrad.json");
  const t8 = await json<BenchResult>("docs/bench_pcgrad_t8.json");
  const tfjs = await json<{ steps: StepResult[]; passes: TfjsPass[] }>("docs/bench_tfjs_step.json");
  const threads = await json<ThreadsBench>("docs/bench_tfjs_threads.json");
  const mnist = await json<MnistFile>("docs/multimnist_full.json");
  const zoo = await json<MnistFile>("docs/multimnist_full_zoo.json");
  const quick = await json<MnistFile>("docs/multimnist_quick.json");
  const sener = await json<MnistFile>("docs/multimnist_full_sener.json");
  const ablation = await Promise.all(
    ["", "_lr_low", "_lr_high"].map((tag) =>
      json<AblationFile>(`docs/ablation_synthetic${tag}.json`)
    ),
  );
  return {
    "headline": headline(full),
    "readme-headline": `${headline(full)} Details in [docs/performance.md](docs/performance.md).`,
    "bench-machine": machine(full, "docs/bench_pcgrad.json") + "\n\n" +
      machine(t8, "docs/bench_pcgrad_t8.json"),
    "bench-floors": tableOnly(floorTable(full)),
    "bench-baselines": tableOnly(baselineTable(full)),
    "bench-scaling": scalingOnly(scalingTable(full, 8)),
    "bench-t8-floors": tableOnly(floorTable(t8)),
    "bench-t8-baselines": tableOnly(baselineTable(t8)),
    "bench-t8-scaling": scalingOnly(scalingTable(t8, 8)),
    "tfjs-step": stepTable(tfjs.steps),
    "tfjs-passes": tfjsPassTable(tfjs.passes) + "\n\n" + tfjsPassSummary(tfjs.passes),
    "tfjs-threads": threadsTable(threads) + "\n\n" + threadsSummary(threads) + "\n\n" +
      threadsMachine(threads, "docs/bench_tfjs_threads.json"),
    "multimnist-full": withPaperRows(mnist),
    "multimnist-zoo": mnistZoo(mnist, zoo),
    "multimnist-quick": quick.table,
    "multimnist-sener": withPaperRows(sener),
    "multimnist-sener-seeds": mnistSenerSeeds(sener),
    "multimnist-sener-paired": mnistSenerPaired(sener),
    "multimnist-sener-gap": mnistSenerGap(sener),
    "multimnist-sener-plateau": mnistSenerPlateau(sener),
    "readme-multimnist": readmeMultimnist(sener),
    "toy": toyTable(),
    "cagrad-toy": cagradToyTable(),
    "ablation-synthetic": ablationTable(ablation),
  };
}

/** Formats a Markdown fragment as `deno fmt` would format it in place. */
async function fmt(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text + "\n"));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout).trimEnd();
}

const MARKER = /<!-- generated:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** The file's text with every generated fragment re-rendered. */
export async function render(text: string, values: Record<string, string>): Promise<string> {
  const names = [...text.matchAll(MARKER)].map((m) => m[1]);
  const formatted: Record<string, string> = {};
  for (const name of names) {
    if (values[name] === undefined) throw new Error(`docs_tables: unknown fragment ${name}`);
    formatted[name] = await fmt(values[name]);
  }
  return text.replace(
    MARKER,
    (_, name: string) =>
      `<!-- generated:${name} -->\n\n${formatted[name]}\n\n<!-- /generated:${name} -->`,
  );
}

/** Files whose generated fragments differ from a fresh rendering, with the fresh text. */
export async function stale(): Promise<{ file: string; fresh: string }[]> {
  const values = await fragments();
  const out: { file: string; fresh: string }[] = [];
  for (const file of FILES) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    const fresh = await render(text, values);
    if (fresh !== text) out.push({ file, fresh });
  }
  return out;
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const changed = await stale();
  for (const { file, fresh } of changed) {
    if (check) console.error(`stale: ${file}`);
    else {
      await Deno.writeTextFile(new URL(file, ROOT), fresh);
      console.log(`wrote ${file}`);
    }
  }
  if (check && changed.length > 0) {
    console.error(
      "Run: deno run --allow-read=. --allow-write=README.md,docs --allow-run tools/docs_tables.ts",
    );
    Deno.exit(1);
  }
}
