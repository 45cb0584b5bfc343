/**
 * ConFIG (Liu, Zhong & Thuerey, "ConFIG: Towards Conflict-free Training of Physics Informed Neural
 * Networks", ICLR 2025, Eq. 2), as TorchJD's `ConFIG` aggregator (torchjd commit
 * 162f6f6a5f3f80f462a4a752a3886f94f90bdf22, src/torchjd/aggregation/_config.py; the documented
 * example is from 05ce8198e9ffad89088294ba635962aa1eb70850, config.py). With the unit vectors
 * u_t = g_t/‖g_t‖ as the rows of U and a preference p (TorchJD's `pref_vector`, default 1 per
 * task), ConFIG takes the direction b = U⁺p, û = b/‖b‖ (û = 0 when b = 0), and returns
 * (Σ_t g_t·û) û: the sum of the gradients projected onto û.
 *
 * In Gram space. Let n_t = ‖g_t‖ and S the non-zero tasks (the shared definition of
 * methods/solvers/tolerances.ts; TorchJD zeroes the unit vector of an exactly zero row). Then
 * UUᵀ = C̃, the cosine matrix C = D⁻¹GD⁻¹ on S padded with zeros. Every matrix has
 * A⁺ = Aᵀ(AAᵀ)⁺, so b = Uᵀ C̃⁺p = Σ_{t∈S} (C̃⁺p)_t g_t/n_t = Jᵀv with v_t = (C̃⁺p)_t/n_t on S and
 * 0 elsewhere, and ‖b‖² = vᵀGv. The output is then
 *   (1ᵀJ Jᵀv/‖b‖)·Jᵀv/‖b‖ = Jᵀ v·(1ᵀGv)/(vᵀGv),   so   w = v·(1ᵀGv)/(vᵀGv).
 * w does not change when v is multiplied by any non-zero number, the sign included (the length
 * Σ_t g_t·û changes sign with û): a single task gives w = (1) for every p ≠ 0, as TorchJD does.
 *
 * Claims. U b = UU⁺p is the orthogonal projection of p onto range(C̃). When the directions are
 * linearly independent, u_t·b = p_t for every task: the update has the same cosine with every
 * task, scaled by p_t (the paper's "conflict-free" direction), and with p ≥ 0 (the default) it
 * conflicts with no task: g_t·update = (Σ_s n_s p_s)·n_t p_t/‖b‖² ≥ 0. With dependent directions
 * that only holds for the projection of p. Always, |Σ_t g_t·û| ≤ Σ_t ‖g_t‖, so
 * ‖update‖ ≤ Σ_t ‖g_t‖.
 *
 * Numerics. C̃⁺ comes from the eigendecomposition of C, eigenvalues at or below λ_max·m·ε_f32
 * (methods/solvers/tolerances.ts rankTolerance) counting as zero: the Gramian of float32
 * gradients resolves no smaller one. TorchJD's float32 `pinv` of U cuts singular values at
 * max(T, d)·ε_f32 of the largest instead, so directions whose singular values lie between the two
 * cuts (σ ≤ √(m·ε_f32)·σ_max) are inverted there and dropped here. When the kept part of p is
 * below that resolution (‖Pp‖² ≤ m·ε_f32·‖p_S‖², p orthogonal to every direction) b is 0 and so
 * is w, as TorchJD's zero direction gives a zero update. Zero tasks get weight 0 and count for
 * nothing in the length (their rows are cleared, as every method weighs them).
 * @module
 */

import { symmetricEigen } from "./solvers/linalg.ts";
import {
  directions,
  FLOAT32_EPSILON,
  rankTolerance,
  withZeroTasksCleared,
} from "./solvers/tolerances.ts";
import { checkPerTaskNumbers } from "./per_task_numbers.ts";
import { defineGramMethod } from "./define.ts";
import { perTaskNumbers } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

/**
 * ConFIG's weights w (update = Σ_t w_t g_t) for the Gramian G (T×T) and the preference p (T
 * finite numbers; undefined: 1 per task, TorchJD's default). Throws a RangeError naming
 * `preference` for a wrong length or a non-finite entry.
 */
export function configWeights(
  G: Float64Array,
  T: number,
  preference: ArrayLike<number> | undefined,
  action: string,
): Float64Array {
  if (preference !== undefined) checkPerTaskNumbers("preference", preference, T, action);
  const p = preference ?? new Array<number>(T).fill(1);
  const w = new Float64Array(T);
  const { tasks, norms, C } = directions(G, T);
  const m = tasks.length;
  if (m === 0) return w;
  // w does not depend on the scale of p or of v: both are brought to a largest entry of 1, so
  // that neither a tiny preference nor tiny norms underflow vᵀGv.
  const pS = Float64Array.from(tasks, (t) => p[t]);
  const pMax = pS.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
  if (pMax === 0) return w;
  for (let a = 0; a < m; a++) pS[a] /= pMax;
  const { values, vectors } = symmetricEigen(C, m);
  const tol = rankTolerance(values, m);
  const c = new Float64Array(m); // C̃⁺p on S
  let kept = 0;
  let total = 0;
  for (let a = 0; a < m; a++) total += pS[a] * pS[a];
  for (let k = 0; k < m && values[k] > tol; k++) {
    let proj = 0;
    for (let a = 0; a < m; a++) proj += vectors[a * m + k] * pS[a];
    kept += proj * proj;
    for (let a = 0; a < m; a++) c[a] += vectors[a * m + k] * (proj / values[k]);
  }
  if (!(kept > m * FLOAT32_EPSILON * total)) return w;
  const v = new Float64Array(T);
  tasks.forEach((t, a) => (v[t] = c[a] / norms[a]));
  const vMax = v.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
  for (let t = 0; t < T; t++) v[t] /= vMax;
  const Gc = withZeroTasksCleared(G, T);
  let sumGv = 0; // 1ᵀGv
  let vGv = 0;
  for (let i = 0; i < T; i++) {
    let row = 0;
    for (let j = 0; j < T; j++) row += Gc[i * T + j] * v[j];
    sumGv += row;
    vGv += v[i] * row;
  }
  if (!(vGv > 0)) return w;
  const scale = sumGv / vGv;
  for (let t = 0; t < T; t++) w[t] = v[t] * scale;
  return w;
}

/** The "config" method. */
export const config = defineGramMethod({
  name: "config",
  kind: "gram",
  options: {
    preference: perTaskNumbers({
      doc: "preference weights, one per task; default 1 each (only their direction matters)",
    }),
  },
  shared: [],
  weigh: ({ G, T, options, action }) =>
    plainWeighting(configWeights(G, T, options.preference, action)),
  claims: {
    // Non-conflicting only with linearly independent directions and p ≥ 0 (tests/methods/
    // config_test.ts checks it there); rank-deficient draws can conflict.
    nonConflicting: false,
    // |Σ_t g_t·û| ≤ Σ_t ‖g_t‖ along the unit vector û.
    normBound: (norms) => norms.reduce((a, b) => a + b, 0),
    permutation: "equivariant",
  },
});
