/**
 * UPGrad and DualProj (Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", 2024;
 * TorchJD). π_J(Jᵀu), the projection onto the dual cone {y : Jy ≥ 0}, is Jᵀv* with
 * v* = argmin_{v ≥ u} vᵀGv (their Proposition 1), a box-lower-bounded QP solved exactly here by
 * the active-set solver.
 *
 * - UPGrad: w = Σ_i v*(u_i e_i), each task's weighted gradient projected onto the dual cone, summed.
 * - DualProj: w = v*(u), the preference-weighted gradient projected onto the dual cone.
 *
 * As TorchJD: G̃ = G/tr(G) + regularization·I (default 1e-4; G̃ = regularization·I when every task
 * is zero by the shared definition of methods/solvers/tolerances.ts), the preference u defaults to
 * 1/T (mean-scaled). The output conflicts with no task up to the ridge:
 * (G w)_i ≥ −regularization·tr(G)·w_i (exactly ≥ 0 with regularization 0). As u itself is
 * feasible, ‖Jᵀv*‖² ≤ ‖Jᵀu‖² + regularization·tr(G)·‖u‖², so ‖update‖ ≤
 * Σ_i u_i √(‖g_i‖² + regularization·tr G) for UPGrad and √(‖Jᵀu‖² + regularization·tr G·‖u‖²)
 * for DualProj: degenerate Gramians never lengthen the update.
 * @module
 */

import { solveBoxQP } from "./solvers/active_set_qp.ts";
import { scaled, trace } from "./solvers/linalg.ts";
import { nonZeroTasks } from "./solvers/tolerances.ts";
import { defineGramMethod } from "./define.ts";
import { numberInRange, perTaskNumbers } from "./option_kinds.ts";
import { plainWeighting, type WeightingInput, type WeightingResult } from "./types.ts";

/** The options UPGrad and DualProj share (TorchJD's). */
const options = {
  preference: perTaskNumbers({ doc: "preference weights, one per task; default 1/T each" }),
  regularization: numberInRange({
    min: 0,
    default: 1e-4,
    doc: "ridge added to G/tr(G) before the QPs",
  }),
};

type Input = WeightingInput<
  { readonly preference: readonly number[] | undefined; readonly regularization: number }
>;

/** G/tr(G) + ridge·I (just ridge·I when every task is zero). */
function regularized(G: Float64Array, T: number, ridge: number): Float64Array {
  return scaled(G, T, nonZeroTasks(G, T).length > 0 ? 1 / trace(G, T) : 0, ridge);
}

/** v* = argmin_{v ≥ lower} vᵀQv: the weights of the projection of Jᵀlower onto the dual cone. */
export function dualConeWeights(
  Q: Float64Array,
  T: number,
  lower: ArrayLike<number>,
): Float64Array {
  return solveBoxQP({ Q, lower }, T);
}

function preferenceOf({ T, options }: Input): readonly number[] {
  return options.preference ?? new Array<number>(T).fill(1 / T);
}

/** UPGrad's weights: each task's weighted gradient projected onto the dual cone, summed. */
function upgradWeights(input: Input): WeightingResult {
  const { G, T, options } = input;
  const u = preferenceOf(input);
  const Q = regularized(G, T, options.regularization);
  const w = new Float64Array(T);
  const lower = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    if (u[i] === 0) continue; // v*(0) = 0: G is PSD
    lower.fill(0);
    lower[i] = u[i];
    const v = dualConeWeights(Q, T, lower);
    for (let k = 0; k < T; k++) w[k] += v[k];
  }
  return plainWeighting(w);
}

/** DualProj's weights: the preference-weighted gradient projected onto the dual cone. */
function dualprojWeights(input: Input): WeightingResult {
  const { G, T, options } = input;
  return plainWeighting(
    dualConeWeights(regularized(G, T, options.regularization), T, preferenceOf(input)),
  );
}

const preferenceFor = (norms: readonly number[], preference: readonly number[] | undefined) =>
  preference ?? norms.map(() => 1 / norms.length);

/** The "upgrad" method. */
export const upgrad = defineGramMethod({
  name: "upgrad",
  kind: "gram",
  options,
  shared: [],
  weigh: upgradWeights,
  claims: {
    // (G w)_i ≥ −regularization·tr(G)·w_i: exactly non-conflicting without the ridge.
    nonConflicting: { options: { regularization: 0 } },
    // ‖update‖ ≤ Σ_i |u_i| √(‖g_i‖² + regularization·tr G).
    normBound: (norms, { preference, regularization }) => {
      const u = preferenceFor(norms, preference);
      const ridge = regularization * norms.reduce((a, n) => a + n * n, 0);
      return norms.reduce((a, n, i) => a + Math.abs(u[i]) * Math.sqrt(n * n + ridge), 0);
    },
    permutation: "equivariant",
  },
});

/** The "dualproj" method. */
export const dualproj = defineGramMethod({
  name: "dualproj",
  kind: "gram",
  options,
  shared: [],
  weigh: dualprojWeights,
  claims: {
    nonConflicting: { options: { regularization: 0 } },
    // ‖update‖² ≤ ‖Jᵀu‖² + regularization·tr G·‖u‖², and ‖Jᵀu‖ ≤ Σ_i |u_i| ‖g_i‖.
    normBound: (norms, { preference, regularization }) => {
      const u = preferenceFor(norms, preference);
      const weighted = norms.reduce((a, n, i) => a + Math.abs(u[i]) * n, 0);
      const ridge = regularization * norms.reduce((a, n) => a + n * n, 0);
      return Math.sqrt(weighted * weighted + ridge * u.reduce((a, x) => a + x * x, 0));
    },
    permutation: "equivariant",
  },
});
