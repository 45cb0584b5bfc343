/**
 * Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022):
 * the Nash bargaining update Jᵀα with α > 0 solving Gα = 1/α (α_i (g_i·Jᵀα) = 1 for every i).
 *
 * Solver (ours): with γ_t = α_t‖g_t‖ and C = D⁻¹GD⁻¹ the cosine matrix of the tasks, Gα = 1/α
 * is Cγ = 1/γ, the stationarity condition of the strictly convex F(γ) = ½γᵀCγ − Σ_t log γ_t; so
 * the problem is solved on C, where a 1e-6 scale ratio between tasks costs no precision, by damped
 * Newton with a positivity-keeping Armijo line search to |γ_t(Cγ)_t − 1| ≤ 1e-12 (the official code
 * runs up to 20 CCCP/ECOS rounds and stops at ‖G̃α − 1/α‖ < 1e-3). As there, the previous α is the
 * warm start (state, initially 1), `updateEvery` reuses α for k steps, and α is rescaled so that
 * ‖Jᵀα‖ ≤ maxNorm (default 1, TorchJD's rescale of the official gradient clip). Since
 * ‖Jᵀα‖² = αᵀGα = Σ_t α_t(Gα)_t = m, the unclipped update has norm √m (m non-zero tasks) whatever
 * the scale of the gradients: ‖update‖ ≤ min(√T, maxNorm).
 *
 * F has a minimiser exactly when some direction improves every task (Gordan's theorem). So zero
 * tasks get α = 0 and the others are solved; if the others are Pareto-stationary, every α is 0.
 * Both tests are the shared ones of methods/solvers/tolerances.ts (zero: ‖g_t‖² ≤
 * 1e-20·max_s ‖g_s‖²; stationary: min_{w ∈ Δ} wᵀCw ≤ ε_f32), so orthogonal tasks of any
 * non-zero scale ratio are solved: g1 = (1, 0), g2 = (0, 1e-6) gives α = (1, 1e6).
 * @module
 */

import { matVec, quadForm, solve } from "./solvers/linalg.ts";
import { directions, stationaryDirections } from "./solvers/tolerances.ts";
import { defineGramMethod } from "./define.ts";
import { numberInRange, wholeNumberOption } from "./option_kinds.ts";
import type { WeightingInput, WeightingResult } from "./types.ts";

/** Nash-MTL's state: the last solved α (raw scale, before maxNorm) and the step count. */
export interface NashMtlState {
  alpha: number[];
  step: number;
}

function objective(C: Float64Array, m: number, gamma: ArrayLike<number>): number {
  let f = 0.5 * quadForm(C, m, gamma);
  for (let i = 0; i < m; i++) f -= Math.log(gamma[i]);
  return f;
}

/**
 * γ > 0 with Cγ = 1/γ, by damped Newton from `start`, first moved along its ray to the minimum of F
 * there (F(tγ) is least at t² = m/γᵀCγ, the scale every solution has): a warm start from gradients
 * of another scale would otherwise sit where the barrier's Hessian is numerically singular.
 */
function newton(C: Float64Array, m: number, start: Float64Array): Float64Array {
  const q = quadForm(C, m, start);
  let gamma = q > 0 && Number.isFinite(q) ? start.map((x) => x * Math.sqrt(m / q)) : start;
  const H = new Float64Array(m * m);
  for (let iteration = 0; iteration < 200; iteration++) {
    const Cg = matVec(C, m, gamma);
    let residual = 0;
    for (let i = 0; i < m; i++) residual = Math.max(residual, Math.abs(gamma[i] * Cg[i] - 1));
    if (residual <= 1e-12) break;
    const grad = Cg.map((x, i) => x - 1 / gamma[i]);
    // Newton system (C + diag(1/γ²)) p = −∇F, solved as diag(γ)(…)diag(γ) y = −diag(γ)∇F with
    // p = diag(γ) y: that matrix is γ_iγ_jC_ij + I, well conditioned however far apart the γ_t are.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) H[i * m + j] = gamma[i] * gamma[j] * C[i * m + j];
      H[i * m + i] += 1;
    }
    const y = solve(H, m, grad.map((x, i) => -x * gamma[i]));
    if (y === null) break;
    const step = y.map((x, i) => x * gamma[i]);
    let slope = 0;
    for (let i = 0; i < m; i++) slope += grad[i] * step[i];
    const f0 = objective(C, m, gamma);
    let t = 1;
    for (let i = 0; i < m; i++) if (step[i] < 0) t = Math.min(t, -0.99 * gamma[i] / step[i]);
    let next = gamma.map((b, i) => b + t * step[i]);
    for (let k = 0; k < 60 && !(objective(C, m, next) <= f0 + 1e-4 * t * slope); k++) {
      t /= 2;
      next = gamma.map((b, i) => b + t * step[i]);
    }
    if (next.every((x, i) => x === gamma[i])) break;
    gamma = next;
  }
  return gamma;
}

/** α with Gα = 1/α on the non-zero tasks (0 elsewhere; all 0 if they are stationary). */
export function nashAlpha(G: Float64Array, T: number, previous: ArrayLike<number>): Float64Array {
  const { tasks, norms, C } = directions(G, T);
  const alpha = new Float64Array(T);
  const m = tasks.length;
  if (stationaryDirections(C, m)) return alpha;
  const start = Float64Array.from(tasks, (t, a) => {
    const gamma = previous[t] * norms[a];
    return gamma > 0 && Number.isFinite(gamma) ? gamma : 1;
  });
  const gamma = newton(C, m, start);
  tasks.forEach((t, a) => (alpha[t] = gamma[a] / norms[a]));
  return alpha;
}

/** Nash-MTL's weights: α solved (or reused), then clipped to maxNorm. */
function nashMtlWeights(
  { G, T, options, state, action }: WeightingInput<
    { readonly maxNorm: number; readonly updateEvery: number }
  >,
): WeightingResult {
  const previous = state as NashMtlState | undefined;
  if (previous !== undefined && previous.alpha.length !== T) {
    throw new RangeError(
      `Cannot ${action}: the nash-mtl state holds ${previous.alpha.length} tasks, found ${T} tasks`,
    );
  }
  const step = previous?.step ?? 0;
  const alpha = step % options.updateEvery === 0 || previous === undefined
    ? nashAlpha(G, T, previous?.alpha ?? new Array<number>(T).fill(1))
    : Float64Array.from(previous.alpha);
  const norm = Math.sqrt(Math.max(quadForm(G, T, alpha), 0));
  const weights = norm > options.maxNorm ? alpha.map((a) => a * (options.maxNorm / norm)) : alpha;
  return {
    weights,
    orders: [],
    projections: 0,
    state: { alpha: Array.from(alpha), step: step + 1 } satisfies NashMtlState,
  };
}

/** Checks a restored Nash-MTL state. */
export function restoreNashMtlState(json: unknown, action: string): NashMtlState {
  const s = json as Partial<NashMtlState> | null;
  if (
    s === null || typeof s !== "object" || !Array.isArray(s.alpha) ||
    s.alpha.some((a) => typeof a !== "number" || !Number.isFinite(a) || a < 0) ||
    typeof s.step !== "number" || !Number.isInteger(s.step) || s.step < 0
  ) {
    throw new TypeError(
      `Cannot ${action}: the nash-mtl state must be { alpha: finite numbers ≥ 0, step: a whole number }, found ${
        JSON.stringify(json)
      }`,
    );
  }
  return { alpha: s.alpha.slice(), step: s.step };
}

/** The "nash-mtl" method. */
export const nashMtl = defineGramMethod({
  name: "nash-mtl",
  kind: "gram",
  options: {
    maxNorm: numberInRange({
      min: Number.MIN_VALUE,
      infinite: true,
      default: 1,
      doc: "rescale α so that ‖Σ α_t g_t‖ ≤ maxNorm (Infinity: never)",
    }),
    updateEvery: wholeNumberOption({
      default: 1,
      doc: "solve for α every k-th step and reuse it in between",
    }),
  },
  shared: [],
  weigh: nashMtlWeights,
  restoreState: restoreNashMtlState,
  claims: {
    // α_t (g_t·Jᵀα) = 1 > 0 for every non-zero task; zero tasks and stationary ones get α = 0.
    nonConflicting: true,
    // ‖Jᵀα‖ = √m before the clip, whatever the scale of the gradients.
    normBound: (norms, { maxNorm }) => Math.min(Math.sqrt(norms.length), maxNorm),
    scaleFree: true,
    permutation: "equivariant",
  },
});
