/**
 * IMTL-G (Liu et al., "Towards Impartial Multi-task Learning", ICLR 2021): the
 * combination g = Σ α_t g_t with Σ α_t = 1 whose projections on every unit task gradient
 * u_t = g_t/‖g_t‖ are equal. g·u_t = (Gα)_t/n_t = const gives α = G⁻¹n / (1ᵀG⁻¹n) with
 * n_t = ‖g_t‖; as TorchJD, G⁻¹ is the pseudo-inverse (eigenvalues above λ_max·T·ε_f32), so
 * zero or collinear gradients give no NaN. When 1ᵀG⁺n vanishes (below 1e-12 of Σ|G⁺n|) the
 * weights are zero, as in TorchJD. Weights may be negative; they sum to 1.
 * @module
 */

import { rankTolerance, symmetricEigen } from "./solvers/linalg.ts";
import { plainWeighting, type Weighting, type WeightingInput } from "./types.ts";

/** G⁺ x through the eigendecomposition, dropping eigenvalues at or below the rank tolerance. */
export function pseudoInverseTimes(G: Float64Array, T: number, x: ArrayLike<number>): Float64Array {
  const { values, vectors } = symmetricEigen(G, T);
  const tol = rankTolerance(values, T);
  const y = new Float64Array(T);
  for (let k = 0; k < T; k++) {
    if (!(values[k] > tol)) continue;
    let proj = 0;
    for (let i = 0; i < T; i++) proj += vectors[i * T + k] * x[i];
    proj /= values[k];
    for (let i = 0; i < T; i++) y[i] += vectors[i * T + k] * proj;
  }
  return y;
}

/** The "imtl-g" method. */
export function imtlG({ G, T }: WeightingInput): Weighting {
  const n = Array.from({ length: T }, (_, t) => Math.sqrt(Math.max(G[t * T + t], 0)));
  const v = pseudoInverseTimes(G, T, n);
  let sum = 0;
  let size = 0;
  for (const x of v) (sum += x), (size += Math.abs(x));
  if (!(Math.abs(sum) > 1e-12 * size)) return plainWeighting(new Float64Array(T));
  return plainWeighting(v.map((x) => x / sum));
}
