/**
 * Geometric Loss Strategy, GLS (Chennupati, Sistu, Yogamani & Rawashdeh, "MultiNet++:
 * Multi-Stream Feature Aggregation and Geometric Loss Strategy for Multi-Task Learning", CVPR
 * 2019 Workshops), framework-free: the objective is the geometric mean of the task losses,
 *
 *   loss = (Π_t L_t)^{1/T},   ∂loss/∂L_t = loss / (T·L_t),
 *
 * so a task's weight is inversely proportional to its loss (the gradient of (1/T)Σ log L_t,
 * scaled by the geometric mean). It is stateless and option-free; computed in logs, so it neither
 * overflows nor underflows for many tasks.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/GLS.py at commit
 * 2d842d67260fc1d3881d758c17f13315b79cd287) back-propagates (Π L)^{1/T}; the weights it reports,
 * L_t/(T·Π L), are not that gradient's (λ_t here is).
 * @module
 */

import { checkNumbers } from "./_checks.ts";

/**
 * The geometric-mean loss and its loss weights.
 *
 * @example The geometric mean of two losses
 * ```ts
 * import { glsWeighting, type GlsResult } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r: GlsResult = glsWeighting([1, 4]);
 * assert.ok(Math.abs(r.loss - 2) < 1e-12);
 * ```
 */
export interface GlsResult {
  /** (Π_t L_t)^{1/T}. */
  loss: number;
  /** ∂loss/∂L_t = loss/(T·L_t): back-propagate Σ_t λ_t L_t (weights held constant). */
  weights: number[];
}

/**
 * GLS for losses > 0 (a zero loss makes the other tasks' weights 0 and its own infinite).
 *
 * @example The geometric mean and its weights
 * ```ts
 * import { glsWeighting } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const { loss, weights } = glsWeighting([1, 4]);
 * assert.equal(loss, 2); // √(1·4)
 * assert.deepEqual(weights, [1, 0.25]); // 2/(2·1), 2/(2·4)
 * ```
 */
export function glsWeighting(losses: readonly number[], action = "compute GLS weights"): GlsResult {
  checkNumbers(losses, "losses", losses.length, 0, true, action);
  const T = losses.length;
  if (T === 0) throw new RangeError(`Cannot ${action}: losses must hold at least one task`);
  const loss = Math.exp(losses.reduce((s, l) => s + Math.log(l), 0) / T);
  return { loss, weights: losses.map((l) => loss / (T * l)) };
}
