/**
 * Dynamic Weight Average (Liu, Johns & Davison, CVPR 2019 / MTAN), framework-free:
 * λ_k(t) = K·exp(w_k/τ) / Σ_i exp(w_i/τ) with w_k = L̄_k(t−1)/L̄_k(t−2), from the history of
 * epoch-average losses (oldest first); λ = 1 while fewer than two epochs are recorded; τ = 2.
 * The weights sum to K. Nash-MTL's variant passes averages over 25-iteration windows instead of
 * epochs (and then means the weighted losses, i.e. divides by K).
 * @module
 */

/**
 * DWA's loss weights for the next epoch from the epoch-average losses so far.
 *
 * @example Equal weights, then from the loss ratios
 * ```ts
 * import { dwaWeights } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(dwaWeights([[1, 1]]), [1, 1]); // fewer than two epochs
 * const w = dwaWeights([[1, 1], [0.5, 1]]); // task 0 halved its loss: it gets less weight
 * assert.ok(w[0] < 1 && w[1] > 1);
 * ```
 */
export function dwaWeights(history: readonly (readonly number[])[], temperature = 2): number[] {
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new RangeError(
      `Cannot compute DWA weights: temperature must be > 0, found ${temperature}`,
    );
  }
  if (history.length === 0) {
    throw new RangeError("Cannot compute DWA weights: history must hold at least the task count");
  }
  const K = history[history.length - 1].length;
  history.forEach((row, e) => {
    if (row.length !== K || row.some((l) => !(l > 0 && Number.isFinite(l)))) {
      throw new RangeError(
        `Cannot compute DWA weights: epoch ${e} must hold ${K} finite losses > 0, found ${
          JSON.stringify(row)
        }`,
      );
    }
  });
  if (history.length < 2) return new Array<number>(K).fill(1);
  const last = history[history.length - 1];
  const before = history[history.length - 2];
  const z = last.map((l, k) => l / before[k] / temperature);
  const max = Math.max(...z);
  const e = z.map((x) => Math.exp(x - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => (K * x) / total);
}
