/**
 * One run of the PCGrad paper's 2-D toy (Figure 1): Adam from (0.5, −3) on the plain sum of
 * the task gradients, or on PCGrad's update. Shared by the Deno demo (examples/toy/main.ts) and the
 * browser page (examples/browser/), which hands in `createSurgery` from the bundled build, so
 * both run exactly this loop. Steps can be taken in slices, so a page can draw while it runs.
 * @module
 */

import type { createSurgery } from "../../mod.ts";
import { Adam } from "../_shared/adam.ts";
import { grad1, grad2, loss, loss1, loss2, START } from "./problem.ts";

/** Adam steps per run (paper: 500 000). */
export const STEPS = 500_000;
/** Adam's step size (paper: 0.001). */
export const LR = 0.001;
/** Keep every RECORD_EVERY-th point of a trajectory (plus the start and the last). */
export const RECORD_EVERY = 500;

/** The two runs compared in the paper. */
export type RunName = "Adam" | "Adam + PCGrad";

/** The library's `createSurgery`, from mod.ts or from the bundled build. */
export type CreateSurgery = typeof createSurgery;

/** Options of a run; defaults are the paper's. */
export interface RunOptions {
  steps?: number;
  lr?: number;
  recordEvery?: number;
  /** Seed of PCGrad's task-order stream; default 0. */
  seed?: number;
}

/** Outcome of one run. */
export interface RunResult {
  name: RunName;
  /** Final θ = (θ1, θ2). */
  theta: [number, number];
  /** Recorded points, start first and final point last. */
  trajectory: [number, number][];
  /** Time spent stepping, in seconds. */
  seconds: number;
  /** Backend of the surgery's kernels ("wasm-simd" or "typescript"); null for plain Adam. */
  kernel: string | null;
}

/** Each run's update for Adam: the plain sum of the task gradients, or PCGrad's. */
function updateRule(
  name: RunName,
  create: CreateSurgery,
  seed: number,
): { update(t1: number, t2: number): ArrayLike<number>; kernel(): string | null } {
  if (name === "Adam") {
    return {
      update(t1, t2) {
        const g1 = grad1(t1, t2);
        const g2 = grad2(t1, t2);
        return [g1[0] + g2[0], g1[1] + g2[1]];
      },
      kernel: () => null,
    };
  }
  const pcgrad = create({ seed });
  return {
    update: (t1, t2) =>
      pcgrad.surgery([Float32Array.from(grad1(t1, t2)), Float32Array.from(grad2(t1, t2))]),
    kernel: () => pcgrad.stats?.kernel ?? null,
  };
}

/** A run in progress: `advance(n)` takes up to n more steps; `result()` reports it so far. */
export class ToyRun {
  readonly name: RunName;
  readonly steps: number;
  #every: number;
  #rule: ReturnType<typeof updateRule>;
  #theta = new Float64Array(START);
  #adam: Adam;
  #trajectory: [number, number][] = [[START[0], START[1]]];
  #done = 0;
  #seconds = 0;

  /** Starts at the paper's point; `create` is needed for PCGrad and ignored by plain Adam. */
  constructor(name: RunName, create: CreateSurgery, options: RunOptions = {}) {
    this.name = name;
    this.steps = options.steps ?? STEPS;
    this.#every = options.recordEvery ?? RECORD_EVERY;
    this.#rule = updateRule(name, create, options.seed ?? 0);
    this.#adam = new Adam(2, { lr: options.lr ?? LR });
  }

  /** Steps taken so far. */
  get stepsDone(): number {
    return this.#done;
  }

  /** Whether every step has been taken. */
  get finished(): boolean {
    return this.#done >= this.steps;
  }

  /** Takes up to `count` more steps (fewer at the end of the run). */
  advance(count: number): void {
    const theta = this.#theta;
    const last = Math.min(this.steps, this.#done + count);
    const started = performance.now();
    for (let step = this.#done + 1; step <= last; step++) {
      this.#adam.step(theta, this.#rule.update(theta[0], theta[1]));
      if (step % this.#every === 0 || step === this.steps) {
        this.#trajectory.push([theta[0], theta[1]]);
      }
    }
    this.#seconds += (performance.now() - started) / 1000;
    this.#done = Math.max(this.#done, last);
  }

  /** The run so far (the whole run once `finished`). */
  result(): RunResult {
    return {
      name: this.name,
      theta: [this.#theta[0], this.#theta[1]],
      trajectory: this.#trajectory.map(([a, b]) => [a, b]),
      seconds: this.#seconds,
      kernel: this.#rule.kernel(),
    };
  }
}

/** A run's table cells: name, final θ1 and θ2, and L1, L2 and L there. */
export function resultCells({ name, theta: [t1, t2] }: RunResult): string[] {
  return [
    name,
    t1.toFixed(4),
    t2.toFixed(4),
    loss1(t1, t2).toFixed(2),
    loss2(t1, t2).toFixed(2),
    loss(t1, t2).toFixed(2),
  ];
}
