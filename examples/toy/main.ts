/**
 * The PCGrad paper's 2-D toy (Yu et al. 2020, Figure 1 / Appendix D): Adam on
 * the sum of the two task gradients against Adam on PCGrad's update, 500 000 steps from
 * (0.5, −3) with lr 0.001. Prints the final points and losses and draws both trajectories on
 * the loss landscape into out/toy_pcgrad.svg (docs/toy_pcgrad.svg with `--docs`).
 *
 * Run it with `deno task demo` (`deno task demo:docs` updates the figure in docs/).
 * @module
 */

import { createSurgery } from "../../mod.ts";
import { noOtherArguments, outputFolder, writeOutput } from "../_shared/output.ts";
import { landscapeSvg } from "../_shared/plot.ts";
import { loss } from "./problem.ts";
import {
  LR,
  resultCells,
  type RunName,
  type RunOptions,
  type RunResult,
  STEPS,
  ToyRun,
} from "./run.ts";

export { LR, RECORD_EVERY, type RunName, type RunOptions, type RunResult, STEPS } from "./run.ts";

/** The picture's file name (in out/, or docs/ with `--docs`). */
const OUTPUT = "toy_pcgrad.svg";

/** Runs Adam from the paper's start with the named update rule, recording the trajectory. */
export function runToy(name: RunName, options: RunOptions = {}): RunResult {
  const run = new ToyRun(name, createSurgery, options);
  run.advance(run.steps);
  return run.result();
}

/** The printed summary: final θ, the losses there, and the time taken. */
export function summaryTable(results: readonly RunResult[]): string {
  const header = ["run", "θ1", "θ2", "L1", "L2", "L", "seconds"];
  const rows = results.map((r) => [...resultCells(r), r.seconds.toFixed(2)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * How each run is drawn. Both start along the same slope, so plain Adam, which stops early, is
 * drawn dashed and on top of PCGrad's longer path, and each end is labelled with where it is.
 */
const STYLE: Record<RunName, { color: string; dash?: number[]; layer: number }> = {
  "Adam + PCGrad": { color: "#1f5fbf", layer: 0 },
  "Adam": { color: "#d62728", dash: [7, 4], layer: 1 },
};

/** The picture: the landscape L over a window that holds both valleys and both runs. */
export function toyPlotSvg(results: readonly RunResult[]): Promise<string> {
  const thresholds: number[] = [];
  for (let level = -160; level <= 80; level += 10) thresholds.push(level);
  const number = (x: number) => x.toFixed(2).replace("-", "−");
  const point = ([t1, t2]: readonly [number, number]) => `(${number(t1)}, ${number(t2)})`;
  return landscapeSvg({
    title: "PCGrad 2-D toy (Yu et al. 2020, Fig. 1)",
    subtitle: `L = L1 + L2; Adam, lr ${LR}, ${STEPS.toLocaleString("en")} steps from (0.5, −3)`,
    xLabel: "θ1",
    yLabel: "θ2",
    landscape: { f: loss, x: [-9, 5], y: [-6, 8], thresholds, label: "L", scheme: "greys" },
    trajectories: [...results]
      .sort((a, b) => STYLE[a.name].layer - STYLE[b.name].layer)
      .map((r) => ({
        name: r.name,
        points: r.trajectory,
        color: STYLE[r.name].color,
        dash: STYLE[r.name].dash,
        endLabel: {
          text: [`${r.name} ${r.name === "Adam" ? "stalls" : "reaches"}`, point(r.theta)],
          // Below and right of Adam's end, where the landscape is empty; beside PCGrad's.
          ...(r.name === "Adam" ? { dx: 10, dy: 8 } : { dx: 10, dy: -14 }),
        },
      })),
  });
}

async function main(args: readonly string[]): Promise<void> {
  const { folder, rest } = outputFolder(args);
  noOtherArguments(rest, "examples/toy/main.ts [--docs]");
  const results = (["Adam", "Adam + PCGrad"] as const).map((name) => runToy(name));
  console.log(summaryTable(results));
  const svg = await toyPlotSvg(results);
  const path = await writeOutput(folder, OUTPUT, svg);
  console.log(`wrote ${path} (${(svg.length / 1024).toFixed(0)} KiB)`);
}

if (import.meta.main) await main(Deno.args);
