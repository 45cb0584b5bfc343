/**
 * The CAGrad toy in the demo (Liu et al. 2021, §5.1): Adam (lr 0.001, 100 000 steps as in
 * CAGrad's `toy.py`) on the update of each method, from the CAGrad paper's five starts, drawn on
 * the average loss into out/cagrad_toy.svg (docs/cagrad_toy.svg with `--docs`). Settings follow `toy.py`: GD on the mean gradient,
 * MGDA (2-task closed form), PCGrad with the mean reduction, CAGrad with c = 0.5 divided by 1 + c.
 *
 * Run it with `deno task demo` (after the PCGrad toy; `deno task demo:docs` updates docs/).
 * @module
 */

import { createSurgery, type SurgeryOptions } from "../../mod.ts";
import { Adam } from "../_shared/adam.ts";
import { landscapeSvg } from "../_shared/plot.ts";
import { composeGrid } from "../_shared/plot_grid.ts";
import { noOtherArguments, outputFolder, writeOutput } from "../_shared/output.ts";
import { average, PARETO_X2, STARTS, task } from "./problem.ts";

/** Adam steps per run (CAGrad's toy.py: 100 000). */
export const STEPS = 100_000;
/** Adam's step size (toy.py: 0.001). */
export const LR = 0.001;
/** Keep every RECORD_EVERY-th point of a trajectory (plus the start and the last). */
export const RECORD_EVERY = 250;
/** The picture's file name (in out/, or docs/ with `--docs`). */
const OUTPUT = "cagrad_toy.svg";

/** The compared methods and their library options (as in CAGrad's toy.py). */
export const METHODS: readonly { name: string; options: Omit<SurgeryOptions, "out" | "losses"> }[] =
  [
    { name: "GD (mean)", options: { method: "mean" } },
    { name: "MGDA", options: { method: "mgda" } },
    { name: "PCGrad", options: { method: "pcgrad", reduction: "mean" } },
    { name: "CAGrad (c = 0.5)", options: { method: "cagrad", c: 0.5, rescale: "1+c" } },
  ];

/** One run's outcome. */
export interface ToyRun {
  method: string;
  start: readonly [number, number];
  end: [number, number];
  trajectory: [number, number][];
}

/** Adam from `start` on the method's update of the two task gradients. */
export function runMethod(
  method: (typeof METHODS)[number],
  start: readonly [number, number],
  steps = STEPS,
  recordEvery = RECORD_EVERY,
): ToyRun {
  const surgery = createSurgery({ seed: 0, ...method.options });
  const x = Float64Array.from(start);
  const adam = new Adam(2, { lr: LR });
  const trajectory: [number, number][] = [[x[0], x[1]]];
  const g1 = new Float32Array(2);
  const g2 = new Float32Array(2);
  const out = new Float32Array(2);
  for (let step = 1; step <= steps; step++) {
    g1.set(task(0, x[0], x[1]).grad);
    g2.set(task(1, x[0], x[1]).grad);
    adam.step(x, surgery.surgery([g1, g2], { out }));
    if (step % recordEvery === 0 || step === steps) trajectory.push([x[0], x[1]]);
  }
  return { method: method.name, start, end: [x[0], x[1]], trajectory };
}

/** Distance from x to the drawn Pareto segment x1 ∈ [−7, 7], x2 = −8.3552. */
export function paretoDistance([x1, x2]: readonly [number, number]): number {
  const dx = Math.max(Math.abs(x1) - 7, 0);
  return Math.hypot(dx, x2 - PARETO_X2);
}

/** The printed table: each run's end point, losses, and where it ended. */
export function summaryTable(runs: readonly ToyRun[]): string {
  const header = ["method", "start", "x1", "x2", "L1", "L2", "L0", "to Pareto set"];
  const rows = runs.map((r) => [
    r.method,
    `(${r.start[0]}, ${r.start[1]})`,
    r.end[0].toFixed(4),
    r.end[1].toFixed(4),
    task(0, ...r.end).value.toFixed(3),
    task(1, ...r.end).value.toFixed(3),
    average(...r.end).toFixed(3),
    paretoDistance(r.end).toFixed(4),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * One panel per method: the average loss, the five trajectories, the optimum and the ends of the
 * Pareto segment x1 ∈ [−7, 7], x2 = −8.3552 (crosses).
 */
export async function toyPlotSvg(runs: readonly ToyRun[]): Promise<string> {
  const thresholds: number[] = [];
  for (let level = -15; level <= 10; level += 1) thresholds.push(level);
  const panels: string[] = [];
  for (const method of METHODS) {
    const mine = runs.filter((r) => r.method === method.name);
    panels.push(
      await landscapeSvg({
        title: method.name,
        subtitle: `Adam, lr ${LR}, ${STEPS.toLocaleString("en")} steps, 5 starts`,
        xLabel: "x1",
        yLabel: "x2",
        width: 330,
        height: 330,
        landscape: {
          f: average,
          x: [-10, 10],
          y: [-10, 10],
          thresholds,
          label: "L0",
          scheme: "greys",
          nx: 120,
          ny: 120,
        },
        trajectories: [
          ...mine.map((r) => ({
            name: `start (${r.start[0]}, ${r.start[1]})`,
            points: r.trajectory,
          })),
        ],
        markers: [
          { label: "min L0", x: 0, y: PARETO_X2 },
          { label: "Pareto set", x: -7, y: PARETO_X2 },
          { label: "", x: 7, y: PARETO_X2 },
        ],
      }),
    );
  }
  return composeGrid(
    panels,
    2,
    "CAGrad toy (Liu et al. 2021, §5.1): the average loss L0 = ½(L1 + L2)",
  );
}

async function main(args: readonly string[]): Promise<void> {
  const { folder, rest } = outputFolder(args);
  noOtherArguments(rest, "examples/cagrad_toy/main.ts [--docs]");
  const runs: ToyRun[] = [];
  const started = performance.now();
  for (const method of METHODS) for (const start of STARTS) runs.push(runMethod(method, start));
  console.log(summaryTable(runs));
  console.log(`${runs.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const svg = await toyPlotSvg(runs);
  const path = await writeOutput(folder, OUTPUT, svg);
  console.log(`wrote ${path} (${(svg.length / 1024).toFixed(0)} KiB)`);
}

if (import.meta.main) await main(Deno.args);
