/**
 * The synthetic ablation sweep: on the problem of problem.ts, over a grid of conflict angles φ and
 * magnitude ratios R, train with the plain sum, full PCGrad and its two ablation variants
 * (Yu et al. 2020, §5.2: the direction of PCGrad's update with the sum's length, and the length of
 * PCGrad's update with the sum's direction), under Adam and under plain gradient descent, over
 * several seeds, all with the same optimizer settings, and record how far each run got.
 * @module
 */

import { createSurgery } from "../../mod.ts";
import type { Method } from "../../vocabulary/methods.ts";
import type { Variant } from "../../vocabulary/options.ts";
import { Adam } from "../_shared/adam.ts";
import {
  createProblem,
  dot,
  type Problem,
  sumCurvature,
  taskGradients,
  taskLosses,
} from "./problem.ts";

/** The four updates compared: the plain sum, PCGrad, and PCGrad's two ablation variants. */
export const ARMS = ["sum", "pcgrad", "direction", "magnitude"] as const;
/** One of {@linkcode ARMS}. */
export type Arm = typeof ARMS[number];
/** The optimizers the update is handed to. */
export const OPTIMIZERS = ["adam", "sgd"] as const;
/** One of {@linkcode OPTIMIZERS}. */
export type OptimizerName = typeof OPTIMIZERS[number];

/** The library options of each arm. */
export function armOptions(arm: Arm): { method: Method; variant: Variant } {
  if (arm === "sum") return { method: "sum", variant: "full" };
  if (arm === "pcgrad") return { method: "pcgrad", variant: "full" };
  return { method: "pcgrad", variant: arm };
}

/** Settings shared by every run of a sweep. */
export interface SweepSettings {
  /** Conflict angles at the start, degrees. */
  phis: number[];
  /** Gradient-norm ratios at the start. */
  ratios: number[];
  /** Seeds (each one a random rotation of the problem's frame, and PCGrad's stream). */
  seeds: number[];
  /** Steps per run. */
  steps: number;
  /** Dimension of θ. */
  dim: number;
  /** Adam's step size (β1 = 0.9, β2 = 0.999, ε = 1e-8). */
  adamLr: number;
  /** Gradient descent's step size, as a multiple of 1 / (top curvature of L_1 + L_2). */
  sgdLrTimesCurvature: number;
  /** A run "reaches" the optimum when (L_1 + L_2) falls below this fraction of its start value. */
  target: number;
  /** Steps at which the relative losses are recorded (the curve). */
  recordAt: number[];
}

/** The default sweep (the one in docs/ablation_synthetic.json). */
export const DEFAULT_SETTINGS: SweepSettings = {
  phis: [0, 45, 90, 120, 150, 165, 175],
  ratios: [1, 2, 5, 10, 30, 100],
  seeds: [0, 1, 2, 3, 4],
  steps: 2000,
  dim: 8,
  adamLr: 0.01,
  sgdLrTimesCurvature: 1,
  target: 1e-4,
  recordAt: [10, 30, 100, 300, 1000, 2000],
};

/** How one run went. Relative losses are L(θ_t) / L(θ_0). */
export interface RunRecord {
  phi: number;
  ratio: number;
  seed: number;
  arm: Arm;
  optimizer: OptimizerName;
  /** Step size used. */
  lr: number;
  /** (L_1 + L_2) relative to its start value, after the last step; null if the run diverged. */
  sumRel: number | null;
  /** Each task's relative loss after the last step; null if the run diverged. */
  taskRel: [number, number] | null;
  /** The first step after which (L_1 + L_2) is below `target` of its start value; null if never. */
  stepsToTarget: number | null;
  /** True if a loss became non-finite or exceeded 10⁶ times its start value. */
  diverged: boolean;
  /**
   * Fraction of the steps up to the target (all steps taken, if it was never reached) whose two
   * task gradients conflicted (negative inner product). Steps after the target are left out: there
   * the gradients are near zero and the sign of their inner product is rounding noise.
   */
  conflictRate: number;
  /** [step, sumRel] at each `recordAt` step reached before any divergence. */
  curve: [number, number][];
}

/** Trains one arm with one optimizer on one problem. */
export function runOne(
  problem: Problem,
  arm: Arm,
  optimizer: OptimizerName,
  seed: number,
  settings: SweepSettings,
): RunRecord {
  const theta = problem.start.slice();
  const start = taskLosses(problem, theta);
  const start0 = start[0] + start[1];
  const surgery = createSurgery({ ...armOptions(arm), seed });
  const lr = optimizer === "adam"
    ? settings.adamLr
    : settings.sgdLrTimesCurvature / sumCurvature(problem);
  const adam = optimizer === "adam" ? new Adam(problem.dim, { lr }) : null;
  const record = new Set(settings.recordAt);
  const curve: [number, number][] = [];
  let conflicts = 0;
  let counted = 0;
  let stepsToTarget: number | null = null;
  let diverged = false;
  let losses = start;
  for (let t = 1; t <= settings.steps; t++) {
    const [g1, g2] = taskGradients(problem, theta);
    if (stepsToTarget === null) {
      counted++;
      if (dot(g1, g2) < 0) conflicts++;
    }
    const update = surgery.surgery([g1, g2]);
    if (adam !== null) adam.step(theta, update);
    else for (let k = 0; k < theta.length; k++) theta[k] -= lr * update[k];
    losses = taskLosses(problem, theta);
    const rel = (losses[0] + losses[1]) / start0;
    if (!Number.isFinite(rel) || rel > 1e6) {
      diverged = true;
      break;
    }
    if (stepsToTarget === null && rel <= settings.target) stepsToTarget = t;
    if (record.has(t)) curve.push([t, rel]);
  }
  return {
    phi: problem.phi,
    ratio: problem.ratio,
    seed,
    arm,
    optimizer,
    lr,
    sumRel: diverged ? null : (losses[0] + losses[1]) / start0,
    taskRel: diverged ? null : [losses[0] / start[0], losses[1] / start[1]],
    stepsToTarget: diverged ? null : stepsToTarget,
    diverged,
    conflictRate: conflicts / counted,
    curve,
  };
}

/** Every (φ, R, seed, arm, optimizer) of the settings, in a fixed order. */
export function sweep(
  settings: SweepSettings,
  onProgress: (done: number, total: number) => void = () => {},
): RunRecord[] {
  const out: RunRecord[] = [];
  const total = settings.phis.length * settings.ratios.length * settings.seeds.length *
    ARMS.length * OPTIMIZERS.length;
  for (const phi of settings.phis) {
    for (const ratio of settings.ratios) {
      for (const seed of settings.seeds) {
        const problem = createProblem(phi, ratio, seed, settings.dim);
        for (const optimizer of OPTIMIZERS) {
          for (const arm of ARMS) {
            out.push(runOne(problem, arm, optimizer, seed, settings));
          }
        }
        onProgress(out.length, total);
      }
    }
  }
  return out;
}

/** One grid cell of the summary: an (optimizer, φ, R, arm) over all seeds. */
export interface CellSummary {
  optimizer: OptimizerName;
  phi: number;
  ratio: number;
  arm: Arm;
  /** Seeds run. */
  runs: number;
  /** Seeds that reached the target. */
  reached: number;
  /** Mean steps to the target over the seeds that reached it; null if none did. */
  meanSteps: number | null;
  /** Sample standard deviation of those steps; null with fewer than two. */
  stdSteps: number | null;
  /** Seeds that diverged. */
  diverged: number;
  /** Mean fraction of steps in conflict. */
  conflictRate: number;
}

/** Per-cell summary of a sweep's records, in the records' order. */
export function summarize(records: readonly RunRecord[]): CellSummary[] {
  const cells = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = `${r.optimizer}|${r.phi}|${r.ratio}|${r.arm}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  return [...cells.values()].map((runs) => {
    const steps = runs.flatMap((r) => (r.stepsToTarget === null ? [] : [r.stepsToTarget]));
    const mean = steps.length > 0 ? steps.reduce((a, b) => a + b, 0) / steps.length : null;
    const std = mean !== null && steps.length > 1
      ? Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / (steps.length - 1))
      : null;
    const { optimizer, phi, ratio, arm } = runs[0];
    return {
      optimizer,
      phi,
      ratio,
      arm,
      runs: runs.length,
      reached: steps.length,
      meanSteps: mean,
      stdSteps: std,
      diverged: runs.filter((r) => r.diverged).length,
      conflictRate: runs.reduce((a, r) => a + r.conflictRate, 0) / runs.length,
    };
  });
}
