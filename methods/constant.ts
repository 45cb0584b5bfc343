/**
 * Constant weights, as TorchJD's `Constant` / `ConstantWeighting` (torchjd commit
 * 162f6f6a5f3f80f462a4a752a3886f94f90bdf22, src/torchjd/aggregation/_constant.py; the documented
 * example is from 03226051d5c1cc20226d19a3f3f2abb4f061e55d, constant.py): w = weights, whatever
 * the gradients, so the update Σ_t w_t g_t is linear in the gradients. TorchJD has no default
 * (`weights` is required) and checks only the length; the weights must also be finite here, as a
 * NaN or infinite weight only yields a NaN update.
 * @module
 */

import { checkPerTaskNumbers } from "./per_task_numbers.ts";
import { defineGramMethod } from "./define.ts";
import { requiredPerTaskNumbers } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

/**
 * A copy of `weights` (T finite numbers, one per task). Throws a RangeError naming `weights` for
 * a wrong length or a non-finite entry.
 */
export function constantWeights(
  T: number,
  weights: ArrayLike<number>,
  action: string,
): Float64Array {
  checkPerTaskNumbers("weights", weights, T, action);
  return Float64Array.from(weights);
}

/** The "constant" method: the given weights. */
export const constant = defineGramMethod({
  name: "constant",
  kind: "gram",
  options: {
    weights: requiredPerTaskNumbers({
      doc: "the weight of each task, one finite number per task (no default, as TorchJD)",
    }),
  },
  shared: [],
  weigh: ({ T, options, action }) => plainWeighting(constantWeights(T, options.weights, action)),
  claims: {
    nonConflicting: false,
    // ‖Σ_t w_t g_t‖ ≤ Σ_t |w_t| ‖g_t‖.
    normBound: (norms, { weights }) => norms.reduce((a, n, t) => a + Math.abs(weights[t]) * n, 0),
    // Permuting the tasks and the weights with them permutes the weights.
    permutation: "equivariant",
    testOptions: (T) => ({
      weights: Array.from({ length: T }, (_, t) => (t % 2 === 0 ? 1 : -0.5) * (1 + t / 4)),
    }),
  },
});
