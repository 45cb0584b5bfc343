/**
 * MGDA (Sener & Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018;
 * docs/methods.md): w* = argmin_{w ∈ Δ_T} wᵀGw, the min-norm point Jᵀw* of the convex hull of the
 * task gradients (zero at a Pareto-stationary point, a common descent direction otherwise).
 *
 * T = 2 uses the paper's closed form (Algorithm 1), γ = clip((G22 − G12)/(G11 + G22 − 2G12), 0, 1);
 * larger T the exact min-norm point by the active-set solver, which is Wolfe's min-norm-point
 * algorithm, a fully corrective Frank–Wolfe: it starts at the best vertex and adds the vertex
 * with the most negative multiplier, as Frank–Wolfe (Algorithm 2) does, but then re-solves
 * exactly on the chosen vertices, so it stops at the minimiser instead of at Frank–Wolfe's ε.
 *
 * Normalisation (Sener's code, "not in the paper"): the weights are found from normalised
 * gradients g_t/D_t (G̃ = D⁻¹GD⁻¹) with D_t = 1 ("none"), ‖g_t‖ ("l2"), L_t ("loss") or
 * L_t‖g_t‖ ("loss+"), then applied to the *raw* gradients, as Sener's code back-propagates
 * Σ α_t L_t (LibMTL applies them to the normalised gradients instead). A zero task (the shared
 * definition of methods/solvers/tolerances.ts) keeps a zero normalised gradient under "l2" and
 * "loss+". The weights are on the simplex, so ‖update‖ ≤ max_t ‖g_t‖.
 *
 * Degenerate hulls need no tolerance here: a zero task puts 0 in the hull, so the min-norm point is
 * that task (w = e_t, update ≈ 0), and at a Pareto-stationary point the exact solver returns a
 * min-norm point that is 0 up to rounding. With every task zero, w = 1/T.
 *
 * MGDA-UB: pass the Gramian of the gradients with respect to the shared representation
 * (docs/methods.md, MGDA-UB); the weights are then applied to the parameter gradients.
 * @module
 */

import { solveBoxQP } from "./solvers/active_set_qp.ts";
import { scaled, trace } from "./solvers/linalg.ts";
import { nonZeroTasks, zeroNormThreshold } from "./solvers/tolerances.ts";
import { type Normalization, NORMALIZATIONS } from "../vocabulary/method_options.ts";
import { defineGramMethod } from "./define.ts";
import { oneOfOption } from "./option_kinds.ts";
import { plainWeighting, type WeightingInput, type WeightingResult } from "./types.ts";

/** The min-norm weights on the simplex (Σ w = 1, w ≥ 0) for the Gramian G. */
export function minNormWeights(G: Float64Array, T: number): Float64Array {
  if (T === 1) return new Float64Array([1]);
  const real = nonZeroTasks(G, T);
  if (real.length === 0) return new Float64Array(T).fill(1 / T);
  const zeroTask = real.findIndex((t, a) => t !== a); // the first task missing from `real`
  if (real.length < T) {
    const w = new Float64Array(T); // a zero task is the min-norm point of the hull
    w[zeroTask < 0 ? real.length : zeroTask] = 1;
    return w;
  }
  if (T === 2) return Float64Array.from(twoTaskGamma(G[0], G[1], G[3]));
  const tr = trace(G, T);
  return solveBoxQP({ Q: scaled(G, T, 1 / tr), lower: new Float64Array(T), total: 1 }, T);
}

/** Sener & Koltun's Algorithm 1: the weight γ on g1 of the min-norm point of [g1, g2]. */
export function twoTaskGamma(g11: number, g12: number, g22: number): [number, number] {
  const den = g11 + g22 - 2 * g12; // ‖g1 − g2‖²
  const gamma = den > 0 ? Math.min(1, Math.max(0, (g22 - g12) / den)) : 0.5;
  return [gamma, 1 - gamma];
}

/** The normalisers D_t of the chosen normalisation. */
function normalizers(
  input: WeightingInput<{ readonly normalization: Normalization }>,
): Float64Array {
  const { G, T, options, losses, action } = input;
  const mode = options.normalization;
  const D = new Float64Array(T).fill(1);
  if (mode === "none") return D;
  const zero = zeroNormThreshold(G, T);
  if ((mode === "loss" || mode === "loss+") && losses === undefined) {
    throw new TypeError(
      `Cannot ${action}: normalization "${mode}" needs the task losses (pass losses), found undefined`,
    );
  }
  for (let t = 0; t < T; t++) {
    const norm = G[t * T + t] > zero ? Math.sqrt(G[t * T + t]) : 0;
    if (mode !== "l2" && !(losses![t] > 0)) {
      throw new RangeError(
        `Cannot ${action}: normalization "${mode}" divides by the losses, so losses[${t}] must be > 0, found ${
          losses![t]
        }`,
      );
    }
    D[t] = mode === "l2" ? norm : mode === "loss" ? losses![t] : losses![t] * norm;
  }
  return D;
}

/** The "mgda" method. */
export const mgda = defineGramMethod({
  name: "mgda",
  kind: "gram",
  options: {
    normalization: oneOfOption(NORMALIZATIONS, {
      default: "none",
      doc: 'gradient normalisation; "loss" and "loss+" need `losses`',
    }),
  },
  shared: [],
  weigh(input): WeightingResult {
    const { G, T } = input;
    const D = normalizers(input);
    const Gn = new Float64Array(T * T);
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        Gn[i * T + j] = D[i] > 0 && D[j] > 0 ? G[i * T + j] / (D[i] * D[j]) : 0;
      }
    }
    return plainWeighting(minNormWeights(Gn, T));
  },
  claims: {
    // The min-norm point u of the hull has u·g_t ≥ ‖u‖² for every t (on the raw gradients, so
    // with normalization "none", the default).
    nonConflicting: true,
    normBound: (norms) => Math.max(0, ...norms), // weights on the simplex
    permutation: "equivariant",
  },
});
