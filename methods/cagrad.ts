/**
 * CAGrad (Liu et al., "Conflict-Averse Gradient Descent for Multi-task Learning", NeurIPS 2021;
 * PAPER.md §6.2): the update d maximises min_i ⟨g_i, d⟩ over the ball ‖d − g0‖ ≤ c‖g0‖ around the
 * mean gradient g0 = Jᵀ1/T. Through the dual, w* = argmin_{w ∈ Δ} g_wᵀg0 + c‖g0‖·‖g_w‖ and
 * d* = g0 + (c‖g0‖/‖g_w*‖) g_w*, so the weights are α = 1/T + (c‖g0‖/‖g_w*‖) w*.
 *
 * Solver (ours; exact to rounding): with s = c‖g0‖/‖g_w‖, w* solves the simplex QP
 * min_w (s/2) wᵀGw + (G1/T)ᵀw for the s at which s‖g_w(s)‖ = c‖g0‖; s‖g_w(s)‖ is non-decreasing
 * in s (the dual is the perspective minimum over t = 1/s), so s is found by bracketing and
 * Illinois regula falsi, each QP solved exactly by the active-set solver, warm-started.
 *
 * Scale: α is mean-scaled (c = 0 gives the mean; the paper, TorchJD and the toy). `rescale`
 * divides by 1 + c² (the official supervised code's default; that code then also multiplies by T
 * "to match the sum loss", which is a T-fold learning rate) or 1 + c (the official toy). If 0 is in the convex hull and no s reaches c‖g0‖, s stops at 1e15
 * (on G/tr G) and d = g0 + Jᵀ(s w(s)).
 * @module
 */

import { minNormWeights } from "./mgda.ts";
import { solveBoxQP } from "./solvers/active_set_qp.ts";
import { matVec, quadForm, scaled, trace } from "./solvers/linalg.ts";
import { plainWeighting, type Weighting, type WeightingInput } from "./types.ts";

/** Largest s tried (G normalised to trace 1): beyond it the hull holds 0 to float precision. */
const MAX_S = 1e15;
/** Min-norm point squared (G normalised to trace 1) at or below which 0 is in the hull. */
const STATIONARY = 1e-24;

/** CAGrad weights α (mean-scaled, before any rescale) for radius c. */
export function cagradWeights(G: Float64Array, T: number, c: number): Float64Array {
  const uniform = new Float64Array(T).fill(1 / T);
  const tr = trace(G, T);
  if (c === 0 || !(tr > 0)) return uniform;
  const Gn = scaled(G, T, 1 / tr);
  const b = matVec(Gn, T, uniform); // b_i = g_i · g0
  const radius = c * Math.sqrt(Math.max(quadForm(Gn, T, uniform), 0));
  if (!(radius > 0)) return uniform;
  if (quadForm(Gn, T, minNormWeights(Gn, T)) <= STATIONARY) {
    const v = solveBoxQP({ Q: Gn, lower: uniform }, T);
    const shift = v.map((x, t) => x - uniform[t]);
    if (quadForm(Gn, T, shift) <= radius * radius * (1 + 1e-12)) return v;
  }
  const lower = new Float64Array(T);
  let w: Float64Array | undefined;
  const at = (s: number) => {
    w = solveBoxQP({ Q: scaled(Gn, T, s), q: b, lower, total: 1 }, T, w);
    return { w, norm: Math.sqrt(Math.max(quadForm(Gn, T, w), 0)) };
  };
  // Bracket the root of ψ(s) = s‖g_w(s)‖ − radius, ψ(0) = −radius < 0.
  let lo = 0;
  let psiLo = -radius;
  let first = at(0);
  let hi = radius / Math.max(first.norm, 1e-300);
  let psiHi = hi * at(hi).norm - radius;
  while (psiHi < 0 && hi < MAX_S) {
    lo = hi;
    psiLo = psiHi;
    hi = Math.min(hi * 4, MAX_S);
    psiHi = hi * at(hi).norm - radius;
  }
  if (psiHi < 0) {
    const { w: wEnd } = at(hi);
    return uniform.map((u, t) => u + hi * wEnd[t]);
  }
  // Illinois regula falsi on [lo, hi].
  let s = hi;
  let side = 0;
  for (let iteration = 0; iteration < 200 && hi - lo > 1e-15 * hi; iteration++) {
    s = (lo * psiHi - hi * psiLo) / (psiHi - psiLo);
    if (!(s > lo && s < hi)) s = 0.5 * (lo + hi);
    const psi = s * at(s).norm - radius;
    if (psi === 0) break;
    if (psi < 0) {
      lo = s;
      psiLo = psi;
      if (side === -1) psiHi /= 2;
      side = -1;
    } else {
      hi = s;
      psiHi = psi;
      if (side === 1) psiLo /= 2;
      side = 1;
    }
  }
  first = at(s);
  const scale = first.norm > 0 ? radius / first.norm : s;
  return uniform.map((u, t) => u + scale * first.w[t]);
}

/** The "cagrad" method: α, then the chosen rescale. */
export function cagrad({ G, T, options }: WeightingInput): Weighting {
  const { c, rescale } = options;
  const divisor = rescale === "1+c^2" ? 1 + c * c : rescale === "1+c" ? 1 + c : 1;
  const alpha = cagradWeights(G, T, c);
  return plainWeighting(divisor === 1 ? alpha : alpha.map((x) => x / divisor));
}
