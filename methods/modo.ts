/**
 * MoDo, multi-objective gradient with double sampling (Chen, Fernando, Ying & Chen, "Three-Way
 * Trade-Off in Multi-Objective Learning: Optimization, Generalization and Conflict-Avoidance",
 * NeurIPS 2023). It needs three independent
 * mini-batches per step with task Jacobians J_0, J_1, J_2 on the shared parameters. The MGDA
 * weights λ ∈ Δ (state, initially 1/T) take one projected stochastic gradient step on
 * ½‖Jᵀλ‖² + ρ/2‖λ‖², unbiased thanks to the two independent batches, and the update uses the
 * third:
 *
 *   λ ← Π_Δ(λ − γ (J_0 J_1ᵀ λ + ρ λ)),   update = J_2ᵀ λ.
 *
 * So it is Gram-space given the cross-Gramian J_0 J_1ᵀ (T×T, not symmetric), with weights over
 * the third batch's gradients. (The reference also averages the task-specific heads' gradients
 * over the three batches; that is outside the shared-parameter update.)
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/MoDo.py at commit
 * 7a2cbe207c9d67c03b1f5bb9303e436ed8714ac3, from the official heshandevaka/Trade-Off-MOL code):
 * defaults γ = 1e-3 (`MoDo_gamma`), ρ = 0.1 (`MoDo_rho`).
 *
 * Claims: λ ∈ Δ, so ‖update‖ ≤ max_t ‖g_{2,t}‖. No conflict claim (a stochastic estimate).
 * @module
 */

import { defineVectorMethod } from "./define.ts";
import { numberInRange } from "./option_kinds.ts";
import { savedNumbers } from "./sdmgrad.ts";
import { projectToSimplex } from "./solvers/simplex_projection.ts";

/** LibMTL's defaults. */
export const MODO_DEFAULTS = { gamma: 1e-3, rho: 0.1 } as const;

/** MoDo's options. */
export interface MoDoOptions {
  /** Step γ ≥ 0 of λ (LibMTL 1e-3). */
  gamma?: number;
  /** ℓ2 regularisation ρ ≥ 0 of λ (LibMTL 0.1). */
  rho?: number;
}

/** MoDo's state (plain JSON data): λ ∈ Δ. */
export interface MoDoState {
  lambda: number[];
}

/** The state before the first step: λ = 1/T. */
export function moDoInitialState(T: number): MoDoState {
  return { lambda: new Array<number>(T).fill(1 / T) };
}

/**
 * One MoDo step from the cross-Gramian J_0 J_1ᵀ (row-major T×T): the weights over the third
 * batch's gradients (= the new λ) and the new state.
 */
export function moDoWeights(
  state: MoDoState,
  cross: Float64Array,
  T: number,
  options: MoDoOptions = {},
  action = "compute MoDo weights",
): { weights: Float64Array; state: MoDoState } {
  const gamma = options.gamma ?? MODO_DEFAULTS.gamma;
  const rho = options.rho ?? MODO_DEFAULTS.rho;
  for (const [name, v] of [["gamma", gamma], ["rho", rho]] as const) {
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`Cannot ${action}: ${name} must be a finite number ≥ 0, found ${v}`);
    }
  }
  if (cross.length !== T * T || cross.some((x) => !Number.isFinite(x))) {
    throw new RangeError(
      `Cannot ${action}: the cross-Gramian must hold ${T}×${T} finite numbers, found ${cross.length} values`,
    );
  }
  const { lambda } = state;
  if (!Array.isArray(lambda) || lambda.length !== T || lambda.some((x) => !Number.isFinite(x))) {
    throw new RangeError(
      `Cannot ${action}: the MoDo state must be { lambda: ${T} finite numbers }, found ${
        JSON.stringify(state)
      }`,
    );
  }
  const stepped = lambda.map((l, i) => {
    let g = rho * l;
    for (let j = 0; j < T; j++) g += cross[i * T + j] * lambda[j];
    return l - gamma * g;
  });
  const next = projectToSimplex(stepped);
  return { weights: next, state: { lambda: Array.from(next) } };
}

/** The "modo" method. */
export const modo = defineVectorMethod({
  name: "modo",
  kind: "vectors",
  needs: { losses: false, batches: true },
  keeps: "the simplex weights λ: T numbers",
  options: {
    // γ and ρ are one kind each with MoCo's: MoDo's defaults come from defaultsFrom.
    gamma: numberInRange({ min: 0, default: 0.1, doc: "step γ ≥ 0 of the task weights" }),
    rho: numberInRange({ min: 0, default: 0, doc: "ℓ2 regularisation ρ ≥ 0 of the weights' step" }),
  },
  defaultsFrom: () => ({ own: { ...MODO_DEFAULTS } }),
  step: ({ T, options, state, cross, action }) =>
    moDoWeights(
      (state as MoDoState | undefined) ?? moDoInitialState(T),
      cross!,
      T,
      options,
      action,
    ),
  restoreState: (json, action): MoDoState => ({
    lambda: savedNumbers(
      (json as { lambda?: unknown } | null)?.lambda,
      "modo state's lambda",
      action,
    ),
  }),
  claims: {
    nonConflicting: false,
    // λ ∈ Δ over the third batch.
    normBound: (norms) => Math.max(...norms),
    permutation: "equivariant",
  },
});
