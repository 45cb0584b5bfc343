/**
 * What a weighting method is (DESIGN.md: "a method is a weighting of the Gramian"): a pure
 * function from the T×T Gramian (plus order and a seeded stream) to weights w with
 * update = Σ_t w_t g_t. Methods never touch d-sized data.
 * @module
 */

import type { Prng } from "../random/prng.ts";
import type { Order } from "../validate/options.ts";

/** Input of a weighting method. */
export interface WeightingInput {
  /** Gramian G = J Jᵀ, T×T row-major, float64, symmetric. */
  readonly G: Float64Array;
  /** Number of tasks. */
  readonly T: number;
  /** Task visiting order (already validated against T). */
  readonly order: Order;
  /** Seeded stream for random orders; a method draws from it only if it needs randomness. */
  readonly rng: Prng;
  /** This method's state from the previous step (undefined on the first step or for one-shot calls). */
  readonly state: unknown;
}

/** Output of a weighting method. */
export interface Weighting {
  /** w with update = Σ_t w_t g_t (before variant and reduction). */
  weights: Float64Array;
  /** The visiting order used for each task i (empty for order-free methods). */
  orders: number[][];
  /** Projection steps taken. */
  projections: number;
  /** State to keep for the next step (stateful methods only). */
  state?: unknown;
}

/** A weighting method. */
export type WeightingMethod = (input: WeightingInput) => Weighting;
