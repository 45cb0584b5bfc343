/**
 * PCGrad (Yu et al., NeurIPS 2020, Algorithm 1) in Gram space (docs/methods.md).
 *
 * g_i^PC = Σ_k C_ik g_k starts as g_i; for each j ≠ i in order, if g_i^PC · g_j < 0 (a conflict
 * with the *original* g_j) then g_i^PC ← g_i^PC − (g_i^PC·g_j / ‖g_j‖²) g_j. In coefficients:
 * s = (C_i G)_j, C_ij −= s / G_jj, and r = C_i G is kept up to date in O(T). The update is
 * Σ_i g_i^PC, so w = Σ_i C_i. Compatibility presets (methods/presets.ts) add self-projection
 * (j = i in the order) and an additive ε in ‖g_j‖² + ε.
 *
 * Nobody projects on a zero task (the shared definition in methods/solvers/tolerances.ts: ‖g_j‖²
 * at most max((2⁻¹²⁶)², 1e-20 · max_t ‖g_t‖²)), so no NaN appears and one
 * projection's coefficient |g_i^PC·g_j|/‖g_j‖² ≤ ‖g_i‖/‖g_j‖ stays under 1e10.
 * Every projection only removes a component, so ‖update‖ ≤ Σ_i ‖g_i‖.
 * @module
 */

import { PRESET_NAMES } from "../vocabulary/presets.ts";
import { defineGramMethod } from "./define.ts";
import { flagOption, numberInRange, oneOfOption } from "./option_kinds.ts";
import { drawOrders } from "./orders.ts";
import { PRESETS } from "./presets.ts";
import { RELATIVE_ZERO, zeroNormThreshold } from "./solvers/tolerances.ts";

/** Re-exported: the shared zero-task definition (methods/solvers/tolerances.ts). */
export { RELATIVE_ZERO, zeroNormThreshold };

/**
 * PCGrad coefficients for explicit per-task orders (pure: no randomness). `epsilon` is added to
 * the projection denominator (LibMTL's 1e-8; 0 in the paper).
 */
export function pcgradCoefficients(
  G: Float64Array,
  T: number,
  orders: readonly (readonly number[])[],
  epsilon = 0,
): { weights: Float64Array; projections: number } {
  const zero = zeroNormThreshold(G, T);
  const w = new Float64Array(T);
  const c = new Float64Array(T);
  const r = new Float64Array(T);
  let projections = 0;
  for (let i = 0; i < T; i++) {
    c.fill(0);
    c[i] = 1;
    for (let k = 0; k < T; k++) r[k] = G[i * T + k];
    for (const j of orders[i]) {
      const s = r[j];
      const gjj = G[j * T + j];
      if (s < 0 && gjj > zero) {
        const delta = -s / (gjj + epsilon);
        c[j] += delta;
        for (let k = 0; k < T; k++) r[k] += delta * G[j * T + k];
        projections++;
      }
    }
    for (let k = 0; k < T; k++) w[k] += c[k];
  }
  return { weights: w, projections };
}

/** The "pcgrad" method: orders drawn (or given), then the coefficient loop. */
export const pcgrad = defineGramMethod({
  name: "pcgrad",
  kind: "gram",
  options: {
    preset: oneOfOption(PRESET_NAMES, {
      default: undefined,
      doc: "a compatibility preset (methods/presets.ts); none: the paper's semantics",
    }),
    selfProjection: flagOption({
      default: PRESETS.paper.selfProjection,
      doc: "also visit j = i (as the official TF code, Pytorch-PCGrad and LibMTL)",
    }),
    epsilon: numberInRange({
      min: 0,
      default: PRESETS.paper.epsilon,
      doc: "additive ε in ‖g_j‖² + ε (LibMTL 1e-8)",
    }),
  },
  shared: ["order"],
  defaultsFrom: ({ preset }) => {
    const { order, reduction, selfProjection, epsilon } = PRESETS[preset ?? "paper"];
    return { shared: { order, reduction }, own: { selfProjection, epsilon } };
  },
  weigh({ G, T, options, rng }) {
    const orders = drawOrders(options.order, T, rng, options.selfProjection);
    const { weights, projections } = pcgradCoefficients(G, T, orders, options.epsilon);
    return { weights, orders, projections };
  },
  claims: {
    nonConflicting: false,
    normBound: (norms) => sumOf(norms),
    permutation: "with explicit order",
  },
});

const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
