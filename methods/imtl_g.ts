/**
 * IMTL-G (Liu et al., "Towards Impartial Multi-task Learning", ICLR 2021): the
 * combination g = Σ α_t g_t with Σ α_t = 1 whose projections on every unit task gradient
 * u_t = g_t/‖g_t‖ are equal. g·u_t = (Gα)_t/n_t = c gives α = G⁻¹n / (1ᵀG⁻¹n) with n_t = ‖g_t‖.
 *
 * Computed on the cosine matrix C = D⁻¹GD⁻¹ of the non-zero tasks (D = diag n; zero tasks, as
 * defined in methods/solvers/tolerances.ts, get α = 0): G⁻¹n = D⁻¹C⁻¹1, so α_t ∝ (C⁺1)_t/n_t, with
 * the pseudo-inverse keeping the eigenvalues of C above λ_max·m·ε_f32 (TorchJD's tolerance). On C,
 * tasks whose norms differ by 1e6 lose no precision, and for two tasks α ∝ 1/n_t exactly.
 *
 * The zero update (all weights 0) is returned in the two cases where the paper's condition gives
 * no bounded answer:
 * - 1 is not in the range of C (‖(I − CC⁺)1‖² > ε_f32·m, the resolution of the shared
 *   stationarity test): no non-zero update has equal projections, only g = 0 does, with the α that
 *   writes 0 as an affine combination. This covers tasks that sum to zero, exactly opposite tasks
 *   and, typically, T > d. (TorchJD's pinv(G)·n returns a least-squares compromise there, whose sum
 *   1ᵀG⁺n is float32 noise when the gradients sum to zero, so its weights reach 1e7.)
 * - The normalisation Σ α_t = 1 is lost in rounding: |Σ_t v_t| ≤ (m·ε_f32/λ_min)·Σ_t |v_t| for
 *   v = D⁻¹C⁺1, λ_min the smallest kept eigenvalue of C. Entries of C known to ε_f32 perturb C by
 *   up to m·ε_f32 in norm, and C⁺1 by that over λ_min, relatively. Near 1ᵀG⁻¹n = 0 the exact
 *   solution itself grows without bound and changes sign (the common projection c = 1/1ᵀG⁻¹n).
 *
 * Otherwise weights may be negative; they sum to 1 and Σ_t |α_t| < λ_min/(m·ε_f32) ≤ 1/(m·ε_f32)
 * (λ_min ≤ 1 on a unit diagonal), so ‖update‖ ≤ Σ_t |α_t| ‖g_t‖ < max_t ‖g_t‖/(m·ε_f32).
 * Duplicated or parallel tasks keep their solution (1 is in the range).
 * @module
 */

import { symmetricEigen } from "./solvers/linalg.ts";
import {
  directions,
  FLOAT32_EPSILON,
  rankTolerance,
  STATIONARY_MIN_NORM_SQ,
} from "./solvers/tolerances.ts";
import { defineGramMethod } from "./define.ts";
import { plainWeighting, type WeightingInput, type WeightingResult } from "./types.ts";

/**
 * C⁺1 for the m×m cosine matrix C, the squared norm of the part of 1 outside C's numerical range,
 * and the smallest kept eigenvalue.
 */
function pseudoInverseOfOnes(
  C: Float64Array,
  m: number,
): { beta: Float64Array; outside: number; smallest: number } {
  const { values, vectors } = symmetricEigen(C, m);
  const tol = rankTolerance(values, m);
  const beta = new Float64Array(m);
  let outside = 0;
  let smallest = values[0];
  for (let k = 0; k < m; k++) {
    let proj = 0;
    for (let i = 0; i < m; i++) proj += vectors[i * m + k];
    if (!(values[k] > tol)) {
      outside += proj * proj;
      continue;
    }
    smallest = values[k];
    for (let i = 0; i < m; i++) beta[i] += (vectors[i * m + k] * proj) / values[k];
  }
  return { beta, outside, smallest };
}

/** IMTL-G's weights. */
function imtlGWeights({ G, T }: WeightingInput): WeightingResult {
  const weights = new Float64Array(T);
  const { tasks, norms, C } = directions(G, T);
  const m = tasks.length;
  if (m === 0) return plainWeighting(weights);
  const { beta, outside, smallest } = pseudoInverseOfOnes(C, m);
  if (outside > STATIONARY_MIN_NORM_SQ * m) return plainWeighting(weights);
  const v = beta.map((b, a) => b / norms[a]);
  let sum = 0;
  let size = 0;
  for (const x of v) (sum += x), (size += Math.abs(x));
  if (!(Math.abs(sum) * smallest > m * FLOAT32_EPSILON * size)) return plainWeighting(weights);
  tasks.forEach((t, a) => (weights[t] = v[a] / sum));
  return plainWeighting(weights);
}

/** The "imtl-g" method. */
export const imtlG = defineGramMethod({
  name: "imtl-g",
  kind: "gram",
  options: {},
  shared: [],
  weigh: imtlGWeights,
  claims: {
    // The common projection 1/1ᵀG⁻¹n may be negative: every task then conflicts with the update.
    nonConflicting: false,
    // Σ|α_t| < 1/(m·ε_f32) with m ≥ 2 non-zero tasks; α = 1 for a single one.
    normBound: (norms) => Math.max(0, ...norms) / (2 * FLOAT32_EPSILON),
    permutation: "equivariant",
  },
});
