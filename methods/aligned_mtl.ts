/**
 * Aligned-MTL (Senushkin et al., "Independent Component Alignment for Multi-Task Learning",
 * CVPR 2023): eigendecompose G = VΛVᵀ (descending), keep the r eigenvalues above
 * λ_max·T·ε_f32, and balance with B = √λ_scale · V_r Λ_r^{-1/2} V_rᵀ, so the aligned gradients
 * JᵀB have all non-zero singular values equal. Weights B·w for the preference w: 1 per task by
 * default (the official code sums the aligned gradients; TorchJD's default 1/T is T times smaller).
 * λ_scale is the smallest kept eigenvalue ("min", official default), their lower median
 * ("median", as torch.median) or their mean ("rmse"). If every task is zero (the shared definition
 * of methods/solvers/tolerances.ts) or r = 0, B = I. A zero task's eigenvalue falls under the rank
 * tolerance, so it gets weight 0. The tolerance is on G itself, as in the official code, so a task
 * orthogonal to the others whose norm is under √(T·ε_f32) of the largest is dropped too. JᵀB has
 * singular values √λ_scale ≤ √tr G on the kept subspace: ‖update‖ ≤ ‖w‖·√(Σ_t ‖g_t‖²)
 * (‖update‖ ≤ Σ_t |w_t|‖g_t‖ when B = I).
 * @module
 */

import { symmetricEigen } from "./solvers/linalg.ts";
import { nonZeroTasks, rankTolerance } from "./solvers/tolerances.ts";
import { SCALE_MODES, type ScaleMode } from "../vocabulary/method_options.ts";
import { defineGramMethod } from "./define.ts";
import { oneOfOption, perTaskNumbers } from "./option_kinds.ts";
import { plainWeighting, type WeightingInput, type WeightingResult } from "./types.ts";

/** Aligned-MTL's weights B·w. */
function alignedMtlWeights(
  { G, T, options }: WeightingInput<
    { readonly preference: readonly number[] | undefined; readonly scaleMode: ScaleMode }
  >,
): WeightingResult {
  const pref = options.preference ?? new Array<number>(T).fill(1);
  if (nonZeroTasks(G, T).length === 0) return plainWeighting(Float64Array.from(pref));
  const { values, vectors } = symmetricEigen(G, T);
  const tol = rankTolerance(values, T);
  let r = 0;
  while (r < T && values[r] > tol) r++;
  if (r === 0) return plainWeighting(Float64Array.from(pref));
  const kept = values.subarray(0, r);
  const lambdaScale = options.scaleMode === "min"
    ? kept[r - 1]
    : options.scaleMode === "median"
    ? kept[r - 1 - Math.floor((r - 1) / 2)]
    : kept.reduce((a, b) => a + b, 0) / r;
  const w = new Float64Array(T);
  for (let k = 0; k < r; k++) {
    let proj = 0;
    for (let i = 0; i < T; i++) proj += vectors[i * T + k] * pref[i];
    proj *= Math.sqrt(lambdaScale / kept[k]);
    for (let i = 0; i < T; i++) w[i] += vectors[i * T + k] * proj;
  }
  return plainWeighting(w);
}

/** The "aligned-mtl" method. */
export const alignedMtl = defineGramMethod({
  name: "aligned-mtl",
  kind: "gram",
  options: {
    preference: perTaskNumbers({
      doc: "preference weights, one per task; default 1 each (the official code sums)",
    }),
    scaleMode: oneOfOption(SCALE_MODES, { default: "min", doc: "eigenvalue scale" }),
  },
  shared: [],
  weigh: alignedMtlWeights,
  claims: {
    nonConflicting: false,
    // JᵀB has singular values √λ_scale ≤ √tr G on the kept subspace: ‖update‖ ≤ ‖w‖·√(Σ‖g_t‖²).
    normBound: (norms, { preference }) => {
      const w = preference ?? norms.map(() => 1);
      return Math.hypot(...w) * Math.hypot(...norms);
    },
    permutation: "equivariant",
  },
});
