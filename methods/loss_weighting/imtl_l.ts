/**
 * IMTL-L, the loss balance of Impartial Multi-Task Learning (Liu, Li, Kuang, Xue, Chen, Yang,
 * Liao & Zhang, "Towards Impartial Multi-task Learning", ICLR 2021, eq. 6 with a = e, b = 1),
 * framework-free. Each task has a learnable scale s_t (initially 0) and the total loss is
 *
 *   loss = Σ_t (e^{s_t} L_t − s_t),
 *
 * trained jointly with the network. ∂loss/∂L_t = e^{s_t} is the task's loss weight and
 * ∂loss/∂s_t = e^{s_t} L_t − 1, so at the scales' optimum s_t = −log L_t every scaled loss is 1:
 * the tasks' losses are balanced whatever their units.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/IMTL.py at commit
 * 2d842d67260fc1d3881d758c17f13315b79cd287, `loss_scale`: s initialised to 0, stepped by the
 * network's optimizer), whose IMTL combines this with IMTL-G on the scaled losses' gradients.
 * No options.
 * @module
 */

import { checkNumbers } from "./_checks.ts";

/**
 * The IMTL-L loss and its derivatives.
 *
 * @example Scales at 0
 * ```ts
 * import { imtlLWeighting, type ImtlLResult } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r: ImtlLResult = imtlLWeighting([2, 0.5], [0, 0]);
 * assert.equal(r.loss, 2.5);
 * ```
 */
export interface ImtlLResult {
  /** Σ_t (e^{s_t} L_t − s_t). */
  loss: number;
  /** ∂loss/∂L_t = e^{s_t}. */
  lossWeights: number[];
  /** ∂loss/∂s_t = e^{s_t} L_t − 1 (for the caller's optimizer of s). */
  scaleGradient: number[];
}

/** The initial scales (0: every loss weight is 1). */
export function imtlLInitialScales(T: number): number[] {
  return new Array<number>(T).fill(0);
}

/**
 * IMTL-L for losses (finite, ≥ 0) and scales s (finite).
 *
 * @example Weights e^s, and the scales' gradient
 * ```ts
 * import { imtlLWeighting } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r = imtlLWeighting([2, 0.5], [0, 0]);
 * assert.deepEqual(r.lossWeights, [1, 1]);
 * assert.deepEqual(r.scaleGradient, [1, -0.5]); // e^s L − 1: s falls for task 0, rises for task 1
 * ```
 */
export function imtlLWeighting(
  losses: readonly number[],
  scales: readonly number[],
  action = "compute IMTL-L weights",
): ImtlLResult {
  const T = losses.length;
  checkNumbers(losses, "losses", T, 0, false, action);
  checkNumbers(scales, "scales", T, -Infinity, false, action);
  const lossWeights = scales.map((s) => Math.exp(s));
  let loss = 0;
  for (let t = 0; t < T; t++) loss += lossWeights[t] * losses[t] - scales[t];
  return {
    loss,
    lossWeights,
    scaleGradient: lossWeights.map((e, t) => e * losses[t] - 1),
  };
}
