/**
 * `createSurgery`'s loss weighting (docs/api.md "Loss weightings"): the step's losses give the
 * scheme's weights w_t; task t's gradient is scaled by w_t (a float32 copy, as a caller would do
 * by hand) and the method runs on the scaled gradients, so it weighs then does its own work
 * (PCGrad projects the weighted gradients; "sum" is the loss weighting alone). The split phase's
 * `weights(gram)` does the same on the Gramian: diag(w) G diag(w), and returns coefficients over
 * the unscaled gradients.
 * @module
 */

import type { LossWeighting } from "../methods/loss_weighting/create.ts";
import type { LossWeightingContext } from "../methods/loss_weighting/types.ts";

/** What the step gives the scheme: the epoch if it needs it, GradNorm's norms from `norms()`. */
export function weighingContext(
  weighting: LossWeighting,
  epoch: unknown,
  norms: () => number[],
): LossWeightingContext {
  const context: LossWeightingContext = {};
  if (epoch !== undefined) context.epoch = epoch as number;
  if (weighting.needs.gradNorms) context.gradNorms = norms();
  return context;
}

/** The losses a loss weighting needs, or an error saying where they go. */
export function requireLosses(
  weighting: LossWeighting,
  losses: unknown,
  action: string,
  call: string,
): readonly number[] {
  if (losses === undefined) {
    throw new RangeError(
      `Cannot ${action}: loss weighting "${weighting.name}" needs the step's task losses; pass ` +
        `them: ${call}`,
    );
  }
  return losses as readonly number[];
}

/** Each row's Euclidean norm in float64: GradNorm's ‖∇_W L_t‖ over the gradients given. */
export function rowNorms(rows: readonly Float32Array[]): number[] {
  return rows.map((row) => {
    let s = 0;
    for (let k = 0; k < row.length; k++) s += row[k] * row[k];
    return Math.sqrt(s);
  });
}

/** Row t scaled by w_t: new Float32Arrays (the caller's rows are never changed). */
export function scaleRows(rows: readonly Float32Array[], w: readonly number[]): Float32Array[] {
  return rows.map((row, t) => row.map((x) => x * w[t]));
}

/**
 * The extra batches (SDMGrad, MoDo) scaled like the gradients, so that every estimate of a task's
 * gradient is the weighted objective's; anything malformed is passed on for the engine to refuse.
 */
export function scaleBatches(batches: unknown, w: readonly number[]): unknown {
  const rowsOf = (b: unknown) =>
    Array.isArray(b) && b.length === w.length && b.every((r) => r instanceof Float32Array);
  if (!Array.isArray(batches) || !batches.every(rowsOf)) return batches;
  return batches.map((b: Float32Array[]) => scaleRows(b, w));
}

/** diag(w) G diag(w): the Gramian of the scaled gradients. */
export function scaleGram(G: Float64Array, T: number, w: readonly number[]): Float64Array {
  return G.map((x, k) => x * w[Math.floor(k / T)] * w[k % T]);
}

/** The methods see the weighted objective's losses, w_t L_t. */
export function weightedLosses(w: readonly number[], losses: readonly number[]): number[] {
  return w.map((x, t) => x * losses[t]);
}
