/**
 * The two ablation variants of Yu et al. 2020 (§5.2, Figure 3): the paper defines them in words
 * only ("only the direction corrected by PCGrad, the magnitude unchanged" and the reverse; this
 * reading is documented in docs/methods.md). With
 * g = Σ_t g_t the plain sum and g^PC = Σ_t w_t g_t the method's combination:
 *   "direction": ‖g‖ · g^PC / ‖g^PC‖   (the method's direction, the plain sum's length)
 *   "magnitude": ‖g^PC‖ · g / ‖g‖      (the plain sum's direction, the method's length)
 * Both are again weighted sums of the task gradients, c · w or c · 1 for one factor c. The norms
 * come from the vectors themselves (core/variant_norms.ts), never from the Gramian's quadratic
 * form, which cancellation empties. A norm that is zero, or that only float32 rounding of the
 * weights leaves behind (below CANCELLED of the terms it sums), yields the zero vector.
 * @module
 */

import type { Variant } from "../vocabulary/options.ts";

/**
 * The squared norms a variant scales by, measured on the vectors (core/variant_norms.ts
 * accumulates them; declared here so the maths needs nothing from core/).
 */
export interface VariantNorms {
  /** ‖Σ_t w_t g_t‖². */
  combined: number;
  /** ‖Σ_t g_t‖². */
  sum: number;
  /** ‖Σ_t |w_t g_t|‖²: the size of the terms the combination cancels down from. */
  terms: number;
}

/**
 * ‖g^PC‖ below this fraction of ‖Σ_t |w_t g_t|‖ is cancellation noise: the weights come from a
 * Gramian accumulated in float32, whose relative error (about 1e-7 per entry) leaves residuals of
 * that order where the exact combination is zero (exactly opposite tasks, for example).
 */
export const CANCELLED = 1e-6;

/** How a variant finishes a step: which weights to combine with, and the factor to scale by. */
export interface VariantScale {
  /** "method": combine with the method's weights w; "ones": with the plain sum's weights 1. */
  base: "method" | "ones";
  /** The factor c: the update is c · Σ_t base_t g_t (0 gives the zero vector). */
  factor: number;
}

/** The variant's factor from the norms of the method's combination and of the plain sum. */
export function variantScale(variant: Exclude<Variant, "full">, norms: VariantNorms): VariantScale {
  const base = variant === "direction" ? "method" : "ones";
  const combined = Math.sqrt(norms.combined);
  const sum = Math.sqrt(norms.sum);
  if (combined <= CANCELLED * Math.sqrt(norms.terms) || sum === 0) return { base, factor: 0 };
  return { base, factor: variant === "direction" ? sum / combined : combined / sum };
}

/** The effective weights c · base, one per task (before the reduction). */
export function variantWeights(scale: VariantScale, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(w.length);
  for (let t = 0; t < w.length; t++) out[t] = scale.factor * (scale.base === "method" ? w[t] : 1);
  return out;
}
