/**
 * The stats of a grouped (layer-wise) step: each group's own, and top-level stats of the whole
 * gradients. The Gramian is additive over blocks of parameters (G = Σ_b J_b J_bᵀ), so the
 * groups' Gramians sum to the whole one and the cosines, norms and conflicts keep their meaning;
 * weights and orders are per group only.
 * @module
 */

import { buildStats, type SurgeryStats } from "./diagnostics.ts";

/** Top-level stats over `groups` (at least one, each of T tasks), with `groups` attached. */
export function groupedStats(groups: readonly SurgeryStats[], T: number): SurgeryStats {
  const G = new Float64Array(T * T);
  let projections = 0;
  for (const stats of groups) {
    projections += stats.projections;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) G[i * T + j] += stats.gramian[i][j];
    }
  }
  const whole = buildStats(G, T, [], [], projections, groups[0].kernel);
  return { ...whole, groups: [...groups] };
}
