/**
 * The baselines every multi-task paper compares against: equal weighting, as the sum of the task
 * gradients (PCGrad's Definition 4, L = Σ L_i) or their mean.
 * @module
 */

import { plainWeighting, type WeightingInput, type WeightingResult } from "./types.ts";

/** "sum": w = 1 for every task. */
export function sum({ T }: WeightingInput): WeightingResult {
  return plainWeighting(new Float64Array(T).fill(1));
}

/** "mean": w = 1/T for every task. */
export function mean({ T }: WeightingInput): WeightingResult {
  return plainWeighting(new Float64Array(T).fill(1 / T));
}
