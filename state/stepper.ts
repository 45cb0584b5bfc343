/**
 * The stateful part of every stateful surgery (`createSurgery`, the tf.js `createSurgery` and
 * `SurgeryOptimizer`, `createParallelSurgery`), written once: the resolved options, the step state
 * carried across steps (state/step_state.ts), the last step's stats, and reset / save / restore.
 * Each object only adds how its steps run.
 * @module
 */

import type { SurgeryStats } from "../stats/diagnostics.ts";
import type { ResolvedOptions } from "../methods/options.ts";
import { StepState, type SurgeryState } from "./step_state.ts";

/** What every pass that a stepper runs returns: at least the step's stats. */
export interface StepResult {
  stats: SurgeryStats;
}

/** The action named by a restore's errors (`Cannot restore the surgery state: …`). */
export const RESTORE_ACTION = "restore the surgery state";

/**
 * Options, step state and last stats of one stateful surgery. A step is a pass given the current
 * step state (which it advances); the stepper records the stats of every pass that succeeds.
 *
 * @example A pass that records its stats
 * ```ts
 * import { Stepper } from "./stepper.ts";
 * import { runSurgery } from "../surgery.ts";
 * import { resolveOptions } from "../methods/options.ts";
 * import assert from "node:assert/strict";
 *
 * const stepper = new Stepper(resolveOptions({ seed: 3 }, "create surgery", []));
 * const grads = [Float32Array.of(1, 0), Float32Array.of(-1, 1)];
 * const { out } = stepper.run((state) =>
 *   runSurgery(grads, stepper.options, undefined, state, "run surgery")
 * );
 * assert.deepEqual(Array.from(out), [0.5, 1.5]);
 * assert.deepEqual(stepper.stats?.conflicts, [[0, 1]]);
 * const saved = JSON.stringify(stepper.getState());
 * stepper.reset();
 * assert.equal(stepper.stats, null);
 * stepper.setState(saved);
 * assert.equal(JSON.stringify(stepper.getState()), saved);
 * ```
 */
export class Stepper {
  /** The options every step runs with, defaults filled in. */
  readonly options: ResolvedOptions;
  #state: StepState;
  #stats: SurgeryStats | null = null;

  /** A fresh stepper: the stream seeded from `options.seed`, no method state, no stats. */
  constructor(options: ResolvedOptions) {
    this.options = options;
    this.#state = new StepState(options.seed);
  }

  /** Diagnostics of the last step; null before the first and after `reset()`. */
  get stats(): SurgeryStats | null {
    return this.#stats;
  }

  /** Runs `pass` on the current step state and records its stats (none when it throws). */
  run<R extends StepResult>(pass: (state: StepState) => R): R {
    const result = pass(this.#state);
    this.#stats = result.stats;
    return result;
  }

  /** {@linkcode run} for a pass that resolves later: the stats are recorded once it resolves. */
  async runAsync<R extends StepResult>(pass: (state: StepState) => Promise<R>): Promise<R> {
    const result = await pass(this.#state);
    this.#stats = result.stats;
    return result;
  }

  /** Restarts the stream from the seed, forgets the methods' state and clears the stats. */
  reset(): void {
    this.#state = new StepState(this.options.seed);
    this.#stats = null;
  }

  /** The stream and the methods' state as plain JSON data (a deep copy). */
  getState(): SurgeryState {
    return this.#state.save();
  }

  /**
   * Restores a state from {@linkcode getState} (the object or its JSON text), all or nothing;
   * errors say `Cannot <action>: …` and name what is wrong.
   */
  setState(state: unknown, action: string = RESTORE_ACTION): void {
    this.#state.restore(state, action);
  }
}
