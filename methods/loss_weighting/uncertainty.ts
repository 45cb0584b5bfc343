/**
 * Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018), framework-free.
 * With learnable s_t = log σ_t², the total loss is Σ_t [c_t e^{−s_t} L_t + s_t/2] with
 * c_t = ½ for a regression task (L/(2σ²) + log σ; the MTAN, CAGrad and Nash-MTL code use this form
 * for every task) and c_t = 1 for a classification task (L/σ² + log σ). Initial s: −0.5 (MTAN,
 * LibMTL) or 0 (Nash-MTL; {@linkcode UW_INITIAL_LOG_VARIANCE}).
 *
 * The tf.js adapter can back-propagate the network through Σ_t lossWeights[t]·L_t (the weights
 * held constant give the same parameter gradient) and step s with `logVarianceGradient`.
 * @module
 */

import type { TaskKind } from "../../vocabulary/loss_weightings.ts";

/** The initial s of MTAN and LibMTL. */
export const UW_INITIAL_LOG_VARIANCE = -0.5;

/** A task's likelihood: "regression" (c = ½, default) or "classification" (c = 1). */
export type { TaskKind };

/**
 * Total loss and its derivatives.
 *
 * @example The loss at s = 0
 * ```ts
 * import { type UncertaintyResult, uncertaintyWeighting } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r: UncertaintyResult = uncertaintyWeighting([2], [0], ["regression"]);
 * assert.equal(r.loss, 1); // ½·2 + 0
 * ```
 */
export interface UncertaintyResult {
  /** Σ_t [c_t e^{−s_t} L_t + s_t/2]. */
  loss: number;
  /** ∂loss/∂L_t = c_t e^{−s_t}: the weight of each task loss. */
  lossWeights: number[];
  /** ∂loss/∂s_t = ½ − c_t e^{−s_t} L_t. */
  logVarianceGradient: number[];
}

/**
 * The uncertainty-weighted loss for losses L_t and log-variances s_t.
 *
 * @example The weights c·e^{−s}
 * ```ts
 * import { uncertaintyWeighting } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r = uncertaintyWeighting([2, 3], [0, 0], ["regression", "classification"]);
 * assert.deepEqual(r.lossWeights, [0.5, 1]);
 * assert.deepEqual(r.logVarianceGradient, [0.5 - 1, 0.5 - 3]); // ½ − c e^{−s} L
 * ```
 */
export function uncertaintyWeighting(
  losses: readonly number[],
  logVariances: readonly number[],
  kinds?: readonly TaskKind[],
): UncertaintyResult {
  const T = losses.length;
  if (logVariances.length !== T || (kinds !== undefined && kinds.length !== T)) {
    throw new RangeError(
      `Cannot weight by uncertainty: ${T} losses but ${logVariances.length} log-variances${
        kinds ? ` and ${kinds.length} kinds` : ""
      }`,
    );
  }
  let loss = 0;
  const lossWeights: number[] = [];
  const logVarianceGradient: number[] = [];
  for (let t = 0; t < T; t++) {
    const [l, s] = [losses[t], logVariances[t]];
    if (!Number.isFinite(l) || !Number.isFinite(s)) {
      throw new RangeError(`Cannot weight by uncertainty: task ${t} has loss ${l} and s ${s}`);
    }
    const c = kinds?.[t] === "classification" ? 1 : 0.5;
    const weight = c * Math.exp(-s);
    loss += weight * l + s / 2;
    lossWeights.push(weight);
    logVarianceGradient.push(0.5 - weight * l);
  }
  return { loss, lossWeights, logVarianceGradient };
}
