/**
 * PCGrad's Meta-World ablation (Yu et al. 2020, §5.2 and Figure 3; the paper defines it in words
 * only, this reading is documented in docs/methods.md): with g = Σ_t g_t and g^PC = Σ_t w_t g_t,
 *   "direction": ‖g‖ · g^PC / ‖g^PC‖   (PCGrad's direction, the plain sum's length)
 *   "magnitude": ‖g^PC‖ · g / ‖g‖      (the plain sum's direction, PCGrad's length)
 * Both are again weighted sums of the task gradients; norms come from the Gramian
 * (‖Σ w_t g_t‖² = wᵀGw). A zero norm yields the zero vector.
 * @module
 */

import type { Variant } from "../validate/options.ts";
import { quadForm } from "./solvers/linalg.ts";

/** ‖Σ_t w_t g_t‖ from the Gramian, clamped at zero against rounding. */
export function weightedNorm(G: Float64Array, T: number, w: ArrayLike<number>): number {
  return Math.sqrt(Math.max(quadForm(G, T, w), 0));
}

/**
 * Σ_t |w_t| ‖g_t‖: the norm ‖Σ w_t g_t‖ would have without cancellation. A norm under 1e-6 of it
 * is cancellation noise below float32 resolution and counts as zero.
 */
function scaleOf(G: Float64Array, T: number, w: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < T; t++) s += Math.abs(w[t]) * Math.sqrt(Math.max(G[t * T + t], 0));
  return s;
}

const CANCELLED = 1e-6;

/** Norm of Σ w_t g_t, or 0 where it is only cancellation noise. */
function normOrZero(G: Float64Array, T: number, w: ArrayLike<number>): number {
  const n = weightedNorm(G, T, w);
  return n <= CANCELLED * scaleOf(G, T, w) ? 0 : n;
}

/** Applies a variant to PCGrad weights w; returns new weights. */
export function applyVariant(
  G: Float64Array,
  T: number,
  w: Float64Array,
  variant: Variant,
): Float64Array {
  if (variant === "full") return w;
  const ones = new Float64Array(T).fill(1);
  const sumNorm = normOrZero(G, T, ones);
  const pcNorm = normOrZero(G, T, w);
  if (variant === "direction") {
    if (sumNorm === 0 || pcNorm === 0) return new Float64Array(T);
    return w.map((x) => x * (sumNorm / pcNorm));
  }
  if (sumNorm === 0 || pcNorm === 0) return new Float64Array(T);
  return ones.map(() => pcNorm / sumNorm);
}
