/**
 * The split phase as public building blocks (G is additive over blocks). For chunked,
 * multi-core or sharded callers: each holder of a slice of the parameters accumulates its partial
 * Gramian, the T×T partials are summed (an all-reduce of T² numbers), the weights are computed once
 * from the sum, and every holder combines its own slice with the same weights.
 * @module
 */

import { StepState } from "../state/step_state.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { combinePass, gramPass, weightsPass } from "../surgery.ts";
import { validateOut, validateRows, validateWeights } from "../validate/grads.ts";
import { validateGram, validateGramSum } from "../validate/gram.ts";
import { resolveOptions } from "../methods/options.ts";
import type { WeightOptions } from "../vocabulary/options.ts";

/**
 * Adds one block's Gramian J_b J_bᵀ into `gram` (T×T, row-major) and returns it; a new
 * zero-filled Float64Array when `gram` is not given. `block` holds the same slice of every task's
 * gradient.
 *
 * @example Two shards give the same update as one call
 * ```ts
 * import { accumulateGram, combineBlock, surgery, surgeryWeights } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const g1 = new Float32Array([1, 2, -3, 0.5]);
 * const g2 = new Float32Array([-2, 1, 1, -1]);
 * // Shard A holds parameters 0..1, shard B parameters 2..3.
 * const shardA = [g1.subarray(0, 2), g2.subarray(0, 2)];
 * const shardB = [g1.subarray(2), g2.subarray(2)];
 * const gram = accumulateGram(shardB, accumulateGram(shardA)); // or all-reduce partial grams
 * const { weights } = surgeryWeights(gram, { seed: 7 });
 * const update = [...combineBlock(shardA, weights), ...combineBlock(shardB, weights)];
 * const whole = surgery([g1, g2], { seed: 7 });
 * update.forEach((x, k) => assert.ok(Math.abs(x - whole[k]) < 1e-6));
 * ```
 */
export function accumulateGram(
  block: readonly Float32Array[],
  gram?: Float64Array,
): Float64Array {
  const action = "accumulate the Gram";
  const { T } = validateRows(block, action);
  const sum = gram === undefined ? undefined : validateGramSum(gram, T, action);
  return gramPass(block, sum, action);
}

/**
 * Result of {@linkcode surgeryWeights}.
 *
 * @example Weights and stats from a Gramian
 * ```ts
 * import { accumulateGram, type SurgeryWeights, surgeryWeights } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const gram = accumulateGram([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * const result: SurgeryWeights = surgeryWeights(gram);
 * assert.deepEqual(Array.from(result.weights), [2, 1.5]); // update = 2·g1 + 1.5·g2
 * assert.deepEqual(result.stats.conflicts, [[0, 1]]);
 * ```
 */
export interface SurgeryWeights {
  /** Final weights (variant and reduction applied): the update is Σ_t weights[t] g_t. */
  weights: Float64Array;
  /** The step's diagnostics, as `createSurgery().stats`. */
  stats: SurgeryStats;
}

/**
 * The weights step from a summed T×T Gramian: the method, the variant and the reduction, for
 * {@linkcode combineBlock}. One-shot, like {@linkcode surgery}: for a training loop use
 * `createSurgery(options).weights(gram)`, whose random stream advances.
 *
 * @example
 * ```ts
 * import { surgeryWeights } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * // G for g1 = (1, 0), g2 = (−1, 1): PCGrad weights (2, 1.5) (Algorithm 1 worked by hand)
 * const { weights } = surgeryWeights(new Float64Array([1, -1, -1, 2]));
 * assert.deepEqual(Array.from(weights), [2, 1.5]);
 * ```
 */
export function surgeryWeights(
  gram: Float64Array,
  options?: WeightOptions & { losses?: readonly number[] },
): SurgeryWeights {
  const action = "compute weights";
  const resolved = resolveOptions(options, action, ["losses"]);
  const T = validateGram(gram, action);
  return weightsPass(gram, T, resolved, new StepState(resolved.seed), action, options?.losses);
}

/**
 * Combines one block: out = Σ_t weights[t] · block[t], into `out` or a new Float32Array.
 *
 * @example
 * ```ts
 * import { combineBlock } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const out = combineBlock([new Float32Array([1, 0]), new Float32Array([-1, 1])], [2, 1.5]);
 * assert.deepEqual(Array.from(out), [0.5, 1.5]);
 * ```
 */
export function combineBlock(
  block: readonly Float32Array[],
  weights: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const action = "combine a block";
  const { T, d } = validateRows(block, action);
  const w = validateWeights(weights, T, action);
  const target = out === undefined ? undefined : validateOut(out, d, block, action);
  return combinePass(block, d, w, target, action);
}
