/// <reference lib="dom" />
/**
 * The browser page's toy section: the PCGrad paper's 2-D toy (Figure 1) run in the page with
 * the library's bundled build (WASM core), drawn while it runs. It steps through exactly the loop
 * of the Deno demo (examples/toy/run.ts), so the same steps and seed give the same numbers; the
 * finished results are written as JSON into the page for tests (tests/edge/browser_test.ts).
 *
 * URL parameters: `steps` (default the paper's 500 000) and `seed` (PCGrad's order stream,
 * default 0).
 * @module
 */

import { loss } from "../toy/problem.ts";
import {
  type CreateSurgery,
  LR,
  resultCells,
  type RunName,
  type RunResult,
  STEPS,
  ToyRun,
} from "../toy/run.ts";
import { LandscapeCanvas } from "./landscape_canvas.ts";

/** What the page reads from its URL. */
export interface PageSettings {
  steps: number;
  seed: number;
}

/** What the page writes into `#toy-results` when both runs are done. */
export interface PageResult {
  settings: PageSettings;
  runs: RunResult[];
}

/**
 * How each path is drawn, as in the Deno demo's SVG: plain Adam, which stops early on the slope
 * both runs start along, dashed and on top of PCGrad's longer path.
 */
const STYLE: Record<RunName, { color: string; dash?: number[] }> = {
  "Adam": { color: "#d62728", dash: [7, 4] },
  "Adam + PCGrad": { color: "#1f5fbf" },
};
/** Draw order: later over earlier. */
const DRAW_ORDER: readonly RunName[] = ["Adam + PCGrad", "Adam"];
/** Steps of each run between two redraws. */
const SLICE = 10_000;
/** Contour levels of L, as in the Deno demo. */
const THRESHOLDS = Array.from({ length: 25 }, (_, k) => -160 + 10 * k);

/** Reads `steps` and `seed` from a query string; RangeError for a bad value. */
export function settingsFrom(search: string): PageSettings {
  const params = new URLSearchParams(search);
  const steps = Number(params.get("steps") ?? STEPS);
  const seed = Number(params.get("seed") ?? 0);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`Cannot run the toy: steps must be a whole number ≥ 1, found ${steps}`);
  }
  if (!Number.isFinite(seed)) {
    throw new RangeError(`Cannot run the toy: seed must be a finite number, found ${seed}`);
  }
  return { steps, seed };
}

function element<T extends HTMLElement>(doc: Document, id: string): T {
  const found = doc.getElementById(id);
  if (found === null) throw new Error(`Cannot start the toy page: no element #${id}`);
  return found as T;
}

/** The results table: final θ, the losses there, the kernel and the time. */
function fillTable(body: HTMLTableSectionElement, runs: readonly RunResult[]): void {
  body.replaceChildren(
    ...runs.map((run) => {
      const row = body.ownerDocument.createElement("tr");
      const cells = [...resultCells(run), run.kernel ?? "—", run.seconds.toFixed(2)];
      row.replaceChildren(...cells.map((text) => {
        const cell = body.ownerDocument.createElement("td");
        cell.textContent = text;
        return cell;
      }));
      return row;
    }),
  );
}

/** Lets the page paint between slices. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs Adam and Adam + PCGrad side by side from the paper's start, redrawing both paths every
 * {@linkcode SLICE} steps, then fills the table and `#toy-results`.
 */
export async function startToyPage(
  library: { createSurgery: CreateSurgery },
  doc: Document,
  search: string,
): Promise<PageResult> {
  const settings = settingsFrom(search);
  const status = element(doc, "toy-status");
  element(doc, "toy-setup").textContent = `Adam, lr ${LR}, ${
    settings.steps.toLocaleString("en")
  } steps from (0.5, −3), seed ${settings.seed}`;
  const plot = new LandscapeCanvas(
    element<HTMLCanvasElement>(doc, "toy-canvas"),
    { f: loss, x: [-9, 5], y: [-6, 8], thresholds: THRESHOLDS },
    doc.defaultView?.devicePixelRatio ?? 1,
  );
  const runs = (["Adam", "Adam + PCGrad"] as const).map((name) =>
    new ToyRun(name, library.createSurgery, { steps: settings.steps, seed: settings.seed })
  );
  const draw = () =>
    plot.draw(DRAW_ORDER.map((name) => {
      const run = runs.find((r) => r.name === name)!;
      return { points: run.result().trajectory, ...STYLE[name] };
    }));
  draw();
  while (runs.some((run) => !run.finished)) {
    for (const run of runs) run.advance(SLICE);
    draw();
    const done = runs.reduce((sum, run) => sum + run.stepsDone, 0);
    status.textContent = `Running: ${(100 * done / (2 * settings.steps)).toFixed(0)}%`;
    await nextTask();
  }
  const result: PageResult = { settings, runs: runs.map((run) => run.result()) };
  fillTable(element<HTMLTableSectionElement>(doc, "toy-table"), result.runs);
  element(doc, "toy-results").textContent = JSON.stringify(result);
  status.textContent = "Done.";
  return result;
}
