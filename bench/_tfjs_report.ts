/**
 * The tf.js step-cost table, shared by the benchmark's printout (bench/tfjs_step_bench.ts) and the
 * generated docs (tools/docs_tables.ts), so both say the same thing about the same JSON.
 * @module
 */

/** One backend's costs of a MultiMNIST training step, medians in milliseconds. */
export interface StepResult {
  backend: string;
  forwardMs: number;
  innerStepMs: number;
  taskGradsMs: number;
  surgeryMs: number;
  surgeryStepMs: number;
}

/** Milliseconds with the digits their size deserves. */
export const fmtMs = (ms: number) =>
  ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);

/** A Markdown table: the first column left-aligned, the rest right-aligned. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, c) => (c === 0 ? "---" : "---:"))), ...rows.map(line)]
    .join("\n");
}

/** The step costs per backend, with the step's cost over the inner optimizer's and the surgery's share. */
export function stepTable(results: readonly StepResult[]): string {
  const header = [
    "backend",
    "forward ms",
    "inner step ms",
    "T = 2 task grads ms",
    "surgery ms",
    "SurgeryOptimizer step ms",
    "step / inner",
    "surgery share of step",
  ];
  const rows = results.map((r) => [
    r.backend,
    fmtMs(r.forwardMs),
    fmtMs(r.innerStepMs),
    fmtMs(r.taskGradsMs),
    fmtMs(r.surgeryMs),
    fmtMs(r.surgeryStepMs),
    `${(r.surgeryStepMs / r.innerStepMs).toFixed(2)}×`,
    `${((100 * r.surgeryMs) / r.surgeryStepMs).toFixed(1)} %`,
  ]);
  return markdownTable(header, rows);
}
