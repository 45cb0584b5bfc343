/**
 * Euclidean projection onto the probability simplex Δ = {w ≥ 0, Σw = 1} (Held, Wolfe & Crowder,
 * 1974; Duchi, Shalev-Shwartz, Singer & Chandra, ICML 2008, Figure 1): sort v descending, find the
 * largest j with u_j > (Σ_{i≤j} u_i − 1)/j, and clip v − θ at 0 with θ that threshold. Exact in
 * O(T log T), the result rescaled to sum to 1 up to one rounding. Used by the stochastic
 * multi-gradient methods (SDMGrad, MoDo) for their weight steps.
 * @module
 */

/** argmin_{w ∈ Δ} ‖w − v‖ for finite v (T ≥ 1). */
export function projectToSimplex(v: ArrayLike<number>): Float64Array {
  const T = v.length;
  // Shifted by the largest entry (the projection does not change under v + c·1): the first test
  // u_0 > u_0 − 1 then holds exactly even where |v| ≫ 2^53, where v − 1 rounds back to v.
  let top = -Infinity;
  for (let i = 0; i < T; i++) top = Math.max(top, v[i]);
  const u = Array.from(v, (x) => x - top).sort((a, b) => b - a);
  let sum = 0;
  let theta = 0;
  for (let j = 0; j < T; j++) {
    sum += u[j];
    const t = (sum - 1) / (j + 1);
    if (u[j] > t) theta = t;
  }
  const w = Float64Array.from(v, (x) => Math.max(x - top - theta, 0));
  // v − θ cancels digits when |v| ≫ 1; the exact projection sums to 1, so rescale the rounding away.
  let total = 0;
  for (let i = 0; i < T; i++) total += w[i];
  return w.map((x) => x / total);
}
