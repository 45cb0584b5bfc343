/**
 * The one shape of a loss weighting (docs/methods.md "Loss weightings"): each scheme is one
 * definition (methods/loss_weighting/definitions.ts) saying what it needs per step, its options
 * with their defaults and ranges, its state and how a saved state is checked; the stateful object
 * of create.ts runs any of them the same way.
 * @module
 */

import type { LossWeightingName } from "../../vocabulary/loss_weightings.ts";

/**
 * What a step gives a loss weighting besides the task losses.
 *
 * @example DWA's epoch
 * ```ts
 * import { createLossWeighting, type LossWeightingContext } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dwa = createLossWeighting("dwa");
 * const context: LossWeightingContext = { epoch: 0 };
 * assert.deepEqual(dwa.weights([1, 2], context), [1, 1]); // no history yet
 * ```
 */
export interface LossWeightingContext {
  /** The current epoch (whole number ≥ 0, never decreasing): DWA and STCH need it. */
  epoch?: number;
  /**
   * Each task's unweighted gradient norm ‖∇_W L_t‖ on the last shared layer W (≥ 0): GradNorm
   * needs it (the square roots of the diagonal of `accumulateGram` on those gradients).
   */
  gradNorms?: readonly number[];
}

/**
 * What a scheme needs at each step, besides the losses.
 *
 * @example What GradNorm needs
 * ```ts
 * import { createLossWeighting, type LossWeightingNeeds } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const needs: LossWeightingNeeds = createLossWeighting("gradnorm").needs;
 * assert.deepEqual(needs, { epoch: false, gradNorms: true, afterStep: false });
 * ```
 */
export interface LossWeightingNeeds {
  /** `weights(losses, { epoch })`: DWA and STCH. */
  epoch: boolean;
  /** `weights(losses, { gradNorms })`: GradNorm. */
  gradNorms: boolean;
  /** `update(lossesAfter)`, the same batch's losses after the step: FAMO. */
  afterStep: boolean;
}

/** How one option is checked: a finite number above (or at) `min`, a whole number if `integer`. */
export interface NumberOptionSpec {
  default: number;
  min: number;
  /** `min` itself is out of range. */
  strict: boolean;
  integer?: boolean;
}

/** One loss weighting: everything the stateful object needs to run and save it. */
export interface LossWeightingDefinition<S = unknown> {
  readonly name: LossWeightingName;
  readonly needs: LossWeightingNeeds;
  /** Its numeric options, with defaults from the reference and ranges. */
  readonly numberOptions: Readonly<Record<string, NumberOptionSpec>>;
  /** The names of its options that are not numbers (uncertainty's `kinds`). */
  readonly otherOptionKeys?: readonly string[];
  /** Checks the options that are not numbers; returns them resolved. */
  otherOptions?(
    options: Readonly<Record<string, unknown>>,
    action: string,
  ): Record<string, unknown>;
  /** The state before the first step, for T tasks. */
  init(T: number, options: Readonly<Record<string, unknown>>, action: string): S;
  /**
   * This step's loss weights, and the state after learning what this step's losses teach (the
   * state given is never changed).
   */
  weigh(
    state: S,
    losses: readonly number[],
    context: LossWeightingContext,
    options: Readonly<Record<string, unknown>>,
    action: string,
  ): { weights: number[]; state: S };
  /** FAMO's learning from the same batch's losses after the step. */
  update?(
    state: S,
    after: readonly number[],
    options: Readonly<Record<string, unknown>>,
    action: string,
  ): S;
  /** Checks a saved state (plain JSON) for T tasks and returns it; errors name what is wrong. */
  restore(json: unknown, T: number, action: string): S;
}
