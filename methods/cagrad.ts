/**
 * CAGrad (Liu et al., "Conflict-Averse Gradient Descent for Multi-task Learning", NeurIPS 2021;
 * docs/methods.md): the update d maximises min_i ⟨g_i, d⟩ over the ball ‖d − g0‖ ≤ c‖g0‖ around the
 * mean gradient g0 = Jᵀ1/T. Through the dual, w* = argmin_{w ∈ Δ} g_wᵀg0 + c‖g0‖·‖g_w‖ and
 * d* = g0 + (c‖g0‖/‖g_w*‖) g_w*, so the weights are α = 1/T + (c‖g0‖/‖g_w*‖) w*.
 *
 * Solver (ours; exact to rounding): with s = c‖g0‖/‖g_w‖, w* solves the simplex QP
 * min_w (s/2) wᵀGw + (G1/T)ᵀw for the s at which s‖g_w(s)‖ = c‖g0‖; s‖g_w(s)‖ is non-decreasing
 * in s (the dual is the perspective minimum over t = 1/s), so s is found by bracketing and
 * Illinois regula falsi, each QP solved exactly by the active-set solver, warm-started. For T = 2
 * the dual is one-dimensional and its stationary point has a closed form (ours, derived from
 * F′(γ) = 0 with (Aγ + B)² = A‖g_w‖² − det G), which the tests check against the solver.
 *
 * Scale: α is mean-scaled (c = 0 gives the mean; the paper, TorchJD and the toy). `rescale`
 * divides by 1 + c² (the official supervised code's default; that code then also multiplies by T
 * "to match the sum loss", which is a T-fold learning rate) or 1 + c (the official toy).
 *
 * Degenerate Gramians: at a Pareto-stationary point (the shared test of
 * methods/solvers/tolerances.ts, which counts a zero task as putting 0 in the hull) the optimal
 * value is 0 and d is the point of g0 + cone(g_t) closest to 0 when it lies in the ball. If no s
 * reaches c‖g0‖, s stops at 1e15 (on G/tr G) and d = g0 + Jᵀ(s w(s)). Every d lies in the ball, so
 * ‖update‖ ≤ (1 + c)‖g0‖ ≤ (1 + c)·Σ_t ‖g_t‖/T before the rescale.
 * @module
 */

import { solveBoxQP } from "./solvers/active_set_qp.ts";
import { matVec, quadForm, scaled, trace } from "./solvers/linalg.ts";
import { isParetoStationary, RELATIVE_ZERO } from "./solvers/tolerances.ts";
import { RESCALES } from "../vocabulary/method_options.ts";
import { defineGramMethod } from "./define.ts";
import { numberInRange, oneOfOption } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

/** Largest s tried (G normalised to trace 1): beyond it the hull holds 0 to float precision. */
const MAX_S = 1e15;

/** CAGrad weights α (mean-scaled, before any rescale) for radius c. */
export function cagradWeights(G: Float64Array, T: number, c: number): Float64Array {
  return (T === 2 ? twoTaskCagrad(G, c) : null) ?? cagradBySolver(G, T, c);
}

/**
 * T = 2: with w = (γ, 1 − γ), ‖g_w‖² = Aγ² + 2Bγ + C (A = G11 + G22 − 2G12, B = G12 − G22,
 * C = G22), g_w·g0 = γe + b2 (e = b1 − b2, b_i = g_i·g0) and D = det G, the minimiser of
 * F(γ) = g_w·g0 + r‖g_w‖ is γ* = (−B − e√(D/(r²A − e²)))/A clipped to [0, 1] when r²A > e², else
 * the end where F′ has the sign of e. Null for collinear gradients, for a Pareto-stationary pair
 * (opposite to float32 resolution: the shared test of methods/solvers/tolerances.ts, so that T = 2
 * decides as every T does) and where the minimum is at g_w ≈ 0 (left to the solver, which handles
 * those degenerate cases).
 */
function twoTaskCagrad(G: Float64Array, c: number): Float64Array | null {
  const [g11, g12, g22] = [G[0], G[1], G[3]];
  const tr = g11 + g22;
  const g0sq = (g11 + 2 * g12 + g22) / 4;
  const r = c * Math.sqrt(Math.max(g0sq, 0));
  if (c === 0 || !(tr > 0) || !(r > 0)) return new Float64Array([0.5, 0.5]);
  const A = g11 + g22 - 2 * g12;
  const B = g12 - g22;
  const e = (g11 + g12) / 2 - (g12 + g22) / 2;
  const D = Math.max(g11 * g22 - g12 * g12, 0);
  if (!(D > 1e-12 * g11 * g22)) return null; // collinear: the minimum may sit at g_w = 0
  if (isParetoStationary(G, 2)) return null;
  let gamma: number;
  if (!(A > 1e-15 * tr)) gamma = 0.5; // g1 = g2: every γ gives the same point
  else if (r * r * A > e * e) {
    gamma = Math.min(1, Math.max(0, (-B - e * Math.sqrt(D / (r * r * A - e * e))) / A));
  } else gamma = e > 0 ? 0 : 1;
  const rest = 1 - gamma; // ‖g_w‖² from G itself: A, B cancel badly at the ends
  const normSq = gamma * gamma * g11 + 2 * gamma * rest * g12 + rest * rest * g22;
  if (!(normSq > RELATIVE_ZERO * tr)) return null; // g_w is a zero vector: the solver decides
  const scale = r / Math.sqrt(normSq);
  return new Float64Array([0.5 + scale * gamma, 0.5 + scale * rest]);
}

/** CAGrad weights for any T through the active-set QPs (see the module doc). */
export function cagradBySolver(G: Float64Array, T: number, c: number): Float64Array {
  const uniform = new Float64Array(T).fill(1 / T);
  const tr = trace(G, T);
  if (c === 0 || !(tr > 0)) return uniform;
  const Gn = scaled(G, T, 1 / tr);
  const b = matVec(Gn, T, uniform); // b_i = g_i · g0
  const radius = c * Math.sqrt(Math.max(quadForm(Gn, T, uniform), 0));
  if (!(radius > 0)) return uniform;
  if (isParetoStationary(G, T)) {
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
  for (let iteration = 0; iteration < 100 && hi - lo > 1e-15 * hi; iteration++) {
    s = (lo * psiHi - hi * psiLo) / (psiHi - psiLo);
    if (!(s > lo && s < hi)) s = 0.5 * (lo + hi);
    const psi = s * at(s).norm - radius;
    if (Math.abs(psi) <= 1e-15 * radius) break;
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

/** The divisor of each rescale. */
function divisorOf(c: number, rescale: string): number {
  return rescale === "1+c^2" ? 1 + c * c : rescale === "1+c" ? 1 + c : 1;
}

/** The "cagrad" method: α, then the chosen rescale. */
export const cagrad = defineGramMethod({
  name: "cagrad",
  kind: "gram",
  options: {
    c: numberInRange({
      min: 0,
      default: 0.5,
      doc: "radius c ≥ 0 of the ball around the mean gradient",
    }),
    rescale: oneOfOption(RESCALES, {
      default: "none",
      doc: "divide the update by 1, 1 + c² or 1 + c",
    }),
  },
  shared: [],
  weigh({ G, T, options }) {
    const { c, rescale } = options;
    const divisor = divisorOf(c, rescale);
    const alpha = cagradWeights(G, T, c);
    return plainWeighting(divisor === 1 ? alpha : alpha.map((x) => x / divisor));
  },
  claims: {
    nonConflicting: false,
    // d lies in the ball ‖d − g0‖ ≤ c‖g0‖, then the rescale divides it.
    normBound: (norms, { c, rescale }) =>
      ((1 + c) * norms.reduce((a, b) => a + b, 0)) / norms.length / divisorOf(c, rescale),
    permutation: "equivariant",
  },
});
