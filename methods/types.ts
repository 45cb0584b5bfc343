/**
 * What a weighting method is (docs/architecture.md: a weighting of the Gramian): a pure
 * function from the T×T Gramian (plus options, this method's state, the step's losses and a
 * seeded stream) to weights w with update = Σ_t w_t g_t. Methods never touch d-sized data.
 * @module
 */

import type { Prng } from "../random/prng.ts";
import type { ResolvedOptions } from "../validate/options.ts";

/** Input of a weighting method. */
export interface WeightingInput {
  /** Gramian G = J Jᵀ, T×T row-major, float64, symmetric. */
  readonly G: Float64Array;
  /** Number of tasks. */
  readonly T: number;
  /** Every option, resolved and validated (per-task arrays already checked against T). */
  readonly options: ResolvedOptions;
  /** Seeded stream; a method draws from it only if it needs randomness. */
  readonly rng: Prng;
  /** This method's state from the previous step (undefined on the first step or one-shot calls). */
  readonly state: unknown;
  /** The step's task losses, when the caller passed them (checked: T finite numbers). */
  readonly losses: readonly number[] | undefined;
  /** The caller's action, for error messages ("run surgery"…). */
  readonly action: string;
}

/** Output of a weighting method. */
export interface WeightingResult {
  /** w with update = Σ_t w_t g_t (before variant and reduction). */
  weights: Float64Array;
  /** The visiting order used for each task i (empty for order-free methods). */
  orders: number[][];
  /** Projection (or correction) steps taken. */
  projections: number;
  /** State to keep for the next step (stateful methods only); plain JSON data. */
  state?: unknown;
}

/** A weighting method. */
export type WeightingMethod = (input: WeightingInput) => WeightingResult;

/** A selectable Gram-space method: its weighting and, if stateful, a checker of saved state. */
export interface MethodSpec {
  weigh: WeightingMethod;
  /**
   * Checks a state restored from JSON and returns it in the form `weigh` expects; throws a
   * TypeError or RangeError naming what is wrong. Only for stateful methods.
   */
  restoreState?: (json: unknown, action: string) => unknown;
}

/** Weights that only depend on w: orders empty, no projections. */
export function plainWeighting(weights: Float64Array, state?: unknown): WeightingResult {
  return state === undefined
    ? { weights, orders: [], projections: 0 }
    : { weights, orders: [], projections: 0, state };
}
