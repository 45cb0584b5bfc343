/**
 * GradVac (Wang et al., "Gradient Vaccine", ICLR 2021) in Gram space, as LibMTL and
 * TorchJD: for each i, visit j ≠ i in the `order` (random per i by default, as PCGrad); with
 * φ = cos(g_i^PC, g_j) and the target φ̂_ij (an EMA, initially 0), if φ < φ̂ add w·g_j,
 *   w = ‖g_i^PC‖ (φ̂√(1 − φ²) − φ√(1 − φ̂²)) / (‖g_j‖ √(1 − φ̂²)),
 * which brings the cosine to φ̂; then φ̂_ij ← (1 − β)φ̂_ij + βφ with the pre-correction φ. The
 * update is Σ_i g_i^PC (sum-scaled, as PCGrad). In coefficients: ‖g_i^PC‖² = c_i·(c_i G),
 * g_i^PC·g_j = (c_i G)_j. With φ̂ = 0 the step is PCGrad's projection (β = 0 keeps it so).
 * A zero task g_j or a zero g_i^PC (the shared zero-task threshold of methods/solvers/tolerances.ts,
 * as in PCGrad) and a target within COSINE_RESOLUTION = 2ε_f32 of ±1 (a cosine the Gramian cannot
 * tell from ±1) skip the pair: no NaN, and no correction that divides by float32 noise. With φ̂ = 0
 * (fresh state) every step is a projection, so ‖update‖ ≤ Σ_i ‖g_i‖; otherwise a correction
 * lengthens g_i^PC by √(1 − φ²)/√(1 − φ̂²) < 1/(2√ε_f32) ≈ 1448, as the paper's formula does
 * (g_i^PC ⊥ g_j turned to cosine φ̂ with g_j), so ‖update‖ < 1448^(T−1)·Σ_i ‖g_i‖. One EMA table for the whole shared vector;
 * for the paper's per-layer grouping use one createSurgery per group.
 * @module
 */

import type { Order } from "../vocabulary/options.ts";
import { drawOrders } from "./orders.ts";
import { COSINE_RESOLUTION, zeroNormThreshold } from "./solvers/tolerances.ts";
import { defineGramMethod } from "./define.ts";
import { numberInRange } from "./option_kinds.ts";
import type { WeightingInput, WeightingResult } from "./types.ts";

/** GradVac's state: the T×T table of target cosines φ̂_ij (row i, column j; diagonal unused). */
export interface GradVacState {
  targets: number[][];
}

/** GradVac's weights, and the targets updated. */
function gradvacWeights(
  { G, T, options, rng, state, action }: WeightingInput<
    { readonly beta: number; readonly order: Order }
  >,
): WeightingResult {
  const previous = state as GradVacState | undefined;
  if (previous !== undefined && previous.targets.length !== T) {
    throw new RangeError(
      `Cannot ${action}: the gradvac state holds ${previous.targets.length} tasks, found ${T} tasks`,
    );
  }
  const targets = previous?.targets.map((row) => row.slice()) ??
    Array.from({ length: T }, () => new Array<number>(T).fill(0));
  const orders = drawOrders(options.order, T, rng);
  const beta = options.beta;
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
      const gjj = G[j * T + j];
      let pcSq = 0;
      for (let k = 0; k < T; k++) pcSq += c[k] * r[k];
      if (!(gjj > zero) || !(pcSq > zero)) continue;
      const pcNorm = Math.sqrt(pcSq);
      const nj = Math.sqrt(gjj);
      const phi = Math.min(1, Math.max(-1, r[j] / (pcNorm * nj)));
      const target = targets[i][j];
      const rest = Math.sqrt(1 - target * target);
      if (phi < target && 1 - Math.abs(target) > COSINE_RESOLUTION) {
        const delta = (pcNorm * (target * Math.sqrt(1 - phi * phi) - phi * rest)) / (nj * rest);
        c[j] += delta;
        for (let k = 0; k < T; k++) r[k] += delta * G[j * T + k];
        projections++;
      }
      targets[i][j] = (1 - beta) * target + beta * phi;
    }
    for (let k = 0; k < T; k++) w[k] += c[k];
  }
  return { weights: w, orders, projections, state: { targets } satisfies GradVacState };
}

/** Checks a restored GradVac state. */
export function restoreGradVacState(json: unknown, action: string): GradVacState {
  const s = json as Partial<GradVacState> | null;
  const T = Array.isArray(s?.targets) ? s.targets.length : -1;
  if (
    s === null || typeof s !== "object" || T < 0 ||
    s.targets!.some((row) =>
      !Array.isArray(row) || row.length !== T ||
      row.some((x) => typeof x !== "number" || !(x >= -1 && x <= 1))
    )
  ) {
    throw new TypeError(
      `Cannot ${action}: the gradvac state must be { targets: T×T numbers in [−1, 1] }, found ${
        JSON.stringify(json)
      }`,
    );
  }
  return { targets: s.targets!.map((row) => row.slice()) };
}

/** The "gradvac" method. */
export const gradvac = defineGramMethod({
  name: "gradvac",
  kind: "gram",
  options: {
    beta: numberInRange({
      min: 0,
      max: 1,
      default: 0.5,
      doc: "EMA rate β ∈ [0, 1] of the target cosines",
    }),
  },
  shared: ["order"],
  weigh: gradvacWeights,
  restoreState: restoreGradVacState,
  claims: {
    nonConflicting: false,
    // A fresh state (targets 0) makes every step a projection, as PCGrad's.
    normBound: (norms) => norms.reduce((a, b) => a + b, 0),
    permutation: "with explicit order",
  },
});
