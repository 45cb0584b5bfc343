/**
 * SDMGrad, stochastic direction-oriented multi-objective gradient descent (Xiao, Ban & Ji,
 * "Direction-oriented Multi-objective Learning: Simple and Provable Stochastic Algorithms",
 * NeurIPS 2023). It needs three independent mini-batches per step, ζ, ξ and ξ′, with
 * task Jacobians J_ζ, J_ξ, J_ξ′ on the shared parameters. The weights w ∈ Δ (state, initially
 * 1/T) minimise ½‖Jᵀw + λḡ‖² (ḡ the mean task gradient: a direction kept near the average
 * one) by stochastic projected gradient, whose unbiased gradient uses two independent batches:
 *
 *   A = J_ξ J_ξ′ᵀ / (s² + 1e-8),  s = mean_t √max(A_tt, 0) before scaling,  a = A·1/T,
 *   repeat `iterations` times:  b ← 0.5·b + (A w + λ a);  w ← Π_Δ(w − 5·b)   (b = 0 at first),
 *
 * (SGD with learning rate 5 and momentum 0.5, restarted every step), and the update is
 * J_ζᵀ(w + λ/T)/(1 + λ): weights (w_t + λ/T)/(1 + λ) over the ζ batch's gradients.
 *
 * So the whole method is Gram-space given the cross-Gramian A = J_ξ J_ξ′ᵀ (T×T, not symmetric)
 * and the ζ batch's gradients to combine; its own gradient Gramian is not used.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/SDMGrad.py at commit
 * 8bc760590d09fb3f48ef3b535efb66dcc750f5c9, from the official OptMN-Lab/sdmgrad code): defaults
 * λ = 0.3 (`SDMGrad_lamda`), 20 iterations (`SDMGrad_niter`); the learning rate 5 and momentum
 * 0.5 are fixed there and here.
 *
 * Claims: the ζ weights are ≥ λ/(T(1 + λ)) > 0 and sum to 1, so ‖update‖ ≤ max_t ‖g_{ζ,t}‖. No
 * conflict claim (a stochastic estimate).
 * @module
 */

import { defineVectorMethod } from "./define.ts";
import { numberInRange, wholeNumberOption } from "./option_kinds.ts";
import { projectToSimplex } from "./solvers/simplex_projection.ts";

/** LibMTL's defaults. */
export const SDMGRAD_DEFAULTS = { lambda: 0.3, iterations: 20 } as const;

const LEARNING_RATE = 5;
const MOMENTUM = 0.5;

/** SDMGrad's options. */
export interface SdmGradOptions {
  /** λ ≥ 0: the pull towards the average gradient (LibMTL 0.3). */
  lambda?: number;
  /** Projected-SGD iterations per step, a whole number ≥ 0 (LibMTL 20). */
  iterations?: number;
}

/** SDMGrad's state (plain JSON data): w ∈ Δ. */
export interface SdmGradState {
  w: number[];
}

/** The state before the first step: w = 1/T. */
export function sdmGradInitialState(T: number): SdmGradState {
  return { w: new Array<number>(T).fill(1 / T) };
}

/**
 * One SDMGrad step from the cross-Gramian A = J_ξ J_ξ′ᵀ (row-major T×T): the weights over the ζ
 * batch's gradients and the new state.
 */
export function sdmGradWeights(
  state: SdmGradState,
  cross: Float64Array,
  T: number,
  options: SdmGradOptions = {},
  action = "compute SDMGrad weights",
): { weights: Float64Array; state: SdmGradState } {
  const lambda = options.lambda ?? SDMGRAD_DEFAULTS.lambda;
  const iterations = options.iterations ?? SDMGRAD_DEFAULTS.iterations;
  if (typeof lambda !== "number" || !(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`Cannot ${action}: lambda must be a finite number ≥ 0, found ${lambda}`);
  }
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(
      `Cannot ${action}: iterations must be a whole number ≥ 0, found ${iterations}`,
    );
  }
  if (cross.length !== T * T || cross.some((x) => !Number.isFinite(x))) {
    throw new RangeError(
      `Cannot ${action}: the cross-Gramian must hold ${T}×${T} finite numbers, found ${cross.length} values`,
    );
  }
  if (!Array.isArray(state.w) || state.w.length !== T || state.w.some((x) => !Number.isFinite(x))) {
    throw new RangeError(
      `Cannot ${action}: the SDMGrad state must be { w: ${T} finite numbers }, found ${
        JSON.stringify(state)
      }`,
    );
  }
  let s = 0;
  for (let t = 0; t < T; t++) s += Math.sqrt(Math.max(cross[t * T + t], 0));
  s /= T;
  const A = cross.map((x) => x / (s * s + 1e-8));
  const a = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) a[i] += A[i * T + j] / T;
  }
  let w: Float64Array = Float64Array.from(state.w);
  const b = new Float64Array(T);
  for (let k = 0; k < iterations; k++) {
    for (let i = 0; i < T; i++) {
      let g = lambda * a[i];
      for (let j = 0; j < T; j++) g += A[i * T + j] * w[j];
      b[i] = k === 0 ? g : MOMENTUM * b[i] + g;
    }
    w = projectToSimplex(w.map((x, i) => x - LEARNING_RATE * b[i]));
  }
  return {
    weights: w.map((x) => (x + lambda / T) / (1 + lambda)),
    state: { w: Array.from(w) },
  };
}

/** Checks a saved list of finite numbers (a T-sized state). */
export function savedNumbers(x: unknown, what: string, action: string): number[] {
  if (!Array.isArray(x) || x.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new TypeError(
      `Cannot ${action}: the ${what} must be finite numbers, found ${
        String(JSON.stringify(x)).slice(0, 120)
      }`,
    );
  }
  return x.slice();
}

/** The "sdmgrad" method. */
export const sdmgrad = defineVectorMethod({
  name: "sdmgrad",
  kind: "vectors",
  needs: { losses: false, batches: true },
  keeps: "the simplex weights w: T numbers",
  options: {
    lambda: numberInRange({
      min: 0,
      default: SDMGRAD_DEFAULTS.lambda,
      doc: "pull λ ≥ 0 towards the average gradient",
    }),
    iterations: wholeNumberOption({
      default: SDMGRAD_DEFAULTS.iterations,
      doc: "projected-SGD iterations per step",
    }),
  },
  step: ({ T, options, state, cross, action }) =>
    sdmGradWeights(
      (state as SdmGradState | undefined) ?? sdmGradInitialState(T),
      cross!,
      T,
      options,
      action,
    ),
  restoreState: (json, action): SdmGradState => ({
    w: savedNumbers((json as { w?: unknown } | null)?.w, "sdmgrad state's w", action),
  }),
  claims: {
    nonConflicting: false,
    // Weights ≥ 0 summing to 1 over the ζ batch.
    normBound: (norms) => Math.max(...norms),
    permutation: "equivariant",
  },
});
