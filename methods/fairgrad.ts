/**
 * FairGrad (Ban & Ji, "Fair Resource Allocation in Multi-Task Learning", ICML 2024):
 * the α-fair update Jᵀw with w > 0 solving (Gw)_i = w_i^{−1/α} for every task i. With α = 1
 * it is Nash-MTL's Gw = 1/w (proportional fairness); α → ∞ tends to max-min fairness.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/FairGrad.py at commit
 * 2ab02163183f02bcf18fffaf766a8989f150979a, from the official OptMN-Lab/fairgrad code) finds w
 * with scipy's `least_squares` on Gw − w^{−1/α}, started at 1/T with the bound w ≥ 0, and no
 * stopping rule of its own (scipy's 1e-8 defaults). Default α = 1 (LibMTL's `FairGrad_alpha`).
 *
 * Solver (ours): with n_t = ‖g_t‖/s (s the largest norm), C = D⁻¹GD⁻¹ the cosine matrix and
 * γ_t = n_t w_t, the system is (Cγ)_t = c_t γ_t^{−1/α} with c_t = n_t^{1/α − 1}: the stationarity
 * condition of the strictly convex F(γ) = ½γᵀCγ − Σ_t c_t φ(γ_t), φ' = γ^{−1/α} (φ = log γ for
 * α = 1). So it is solved by damped Newton with a positivity-keeping Armijo line search to a
 * relative residual max_t |γ_t(Cγ)_t / (c_t γ_t^{1−1/α}) − 1| ≤ 1e-12, and w is scaled back:
 * G → s²G maps w to s^{−2α/(1+α)}w.
 *
 * F has a minimiser exactly when some direction improves every task (Gordan's theorem), as for
 * Nash-MTL; so, with the shared tests of methods/solvers/tolerances.ts, a zero task gets w = 0 and
 * the others are solved, and Pareto-stationary tasks get w = 0 everywhere (the reference's
 * least_squares returns some finite point there instead).
 *
 * Claims: at the solution g_i·(Jᵀw) = (Gw)_i = w_i^{−1/α} > 0, so the update conflicts with no
 * non-zero task. ‖Jᵀw‖² = Σ_t w_t^{1−1/α}: m, the non-zero task count, for α = 1 (a bound that
 * does not grow with the gradients), and no bound for other α; the reference does not clip.
 * @module
 */

import { matVec, quadForm, solve } from "./solvers/linalg.ts";
import { directions, stationaryDirections } from "./solvers/tolerances.ts";
import { defineGramMethod } from "./define.ts";
import { positiveNumberOption } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

/** LibMTL's default α (`FairGrad_alpha`). */
export const FAIRGRAD_DEFAULT_ALPHA = 1;

/** Relative residual at which Newton stops. */
const RESIDUAL = 1e-12;

/** Throws the documented RangeError unless α is a finite number > 0. */
export function checkFairGradAlpha(alpha: unknown, action: string): number {
  if (typeof alpha !== "number" || !(alpha > 0) || !Number.isFinite(alpha)) {
    throw new RangeError(
      `Cannot ${action}: alpha must be a finite number > 0, found ${String(alpha)}`,
    );
  }
  return alpha;
}

/** The α-fair system on the cosine matrix: (Cγ)_t = c_t γ_t^{−1/α}. */
interface FairSystem {
  C: Float64Array;
  c: Float64Array;
  m: number;
  alpha: number;
}

/** Σ_t c_t φ(γ_t) with φ' = γ^{−1/α}. */
function utility({ c, m, alpha }: FairSystem, gamma: ArrayLike<number>): number {
  let u = 0;
  const e = 1 - 1 / alpha;
  for (let a = 0; a < m; a++) {
    u += c[a] * (alpha === 1 ? Math.log(gamma[a]) : gamma[a] ** e / e);
  }
  return u;
}

function objective(sys: FairSystem, gamma: ArrayLike<number>): number {
  return 0.5 * quadForm(sys.C, sys.m, gamma) - utility(sys, gamma);
}

/** max_t |γ_t(Cγ)_t / (c_t γ_t^{1−1/α}) − 1|: zero exactly at the solution. */
function relativeResidual({ C, c, m, alpha }: FairSystem, gamma: Float64Array): number {
  const Cg = matVec(C, m, gamma);
  let r = 0;
  for (let a = 0; a < m; a++) {
    r = Math.max(r, Math.abs(gamma[a] * Cg[a] / (c[a] * gamma[a] ** (1 - 1 / alpha)) - 1));
  }
  return r;
}

/** γ > 0 solving the system, by damped Newton (see the module doc). */
function newton(sys: FairSystem): Float64Array {
  const { C, c, m, alpha } = sys;
  const e = 1 - 1 / alpha;
  // Exact for C = I; then moved along its ray to the minimum of F there: F(tγ) is least at
  // t^{1+1/α} = Σ c_t γ_t^{1−1/α} / γᵀCγ.
  let gamma = Float64Array.from(c, (x) => x ** (alpha / (1 + alpha)));
  const q = quadForm(C, m, gamma);
  let B = 0;
  for (let a = 0; a < m; a++) B += c[a] * gamma[a] ** e;
  const ray = (B / q) ** (alpha / (1 + alpha));
  if (q > 0 && Number.isFinite(ray) && ray > 0) gamma = gamma.map((x) => x * ray);
  const K = new Float64Array(m * m);
  for (let iteration = 0; iteration < 200; iteration++) {
    const Cg = matVec(C, m, gamma);
    const b = gamma.map((x, a) => c[a] * x ** e); // c_t γ_t^{1−1/α} = γ_t · c_t γ_t^{−1/α}
    const residual = relativeResidual(sys, gamma);
    if (residual <= RESIDUAL) break;
    const grad = Cg.map((x, a) => x - b[a] / gamma[a]);
    // Newton system (C + diag(c γ^{−1/α−1}/α)) p = −∇F with p = diag(γ/√b) z: its matrix becomes
    // γ_iγ_jC_ij/√(b_ib_j) + I/α, well conditioned however far apart the γ_t are.
    const r = gamma.map((x, a) => x / Math.sqrt(b[a]));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) K[i * m + j] = r[i] * r[j] * C[i * m + j];
      K[i * m + i] += 1 / alpha;
    }
    const z = solve(K, m, grad.map((x, a) => -x * r[a]));
    if (z === null) break;
    const step = z.map((x, a) => x * r[a]);
    let slope = 0;
    for (let a = 0; a < m; a++) slope += grad[a] * step[a];
    if (!(slope < 0)) break;
    const f0 = objective(sys, gamma);
    let t = 1;
    for (let a = 0; a < m; a++) if (step[a] < 0) t = Math.min(t, -0.99 * gamma[a] / step[a]);
    let next = gamma.map((x, a) => x + t * step[a]);
    // Armijo on F, or (near the solution, where F's change is below its rounding) any decrease
    // of the residual: both are decreased by a Newton step in exact arithmetic.
    const accept = (x: Float64Array) =>
      objective(sys, x) <= f0 + 1e-4 * t * slope || relativeResidual(sys, x) < residual;
    for (let k = 0; k < 60 && !accept(next); k++) {
      t /= 2;
      next = gamma.map((x, a) => x + t * step[a]);
    }
    if (next.every((x, a) => x === gamma[a])) break;
    gamma = next;
  }
  return gamma;
}

/**
 * FairGrad's weights w (update = Σ_t w_t g_t) for the T×T Gramian G: w > 0 with
 * (Gw)_t = w_t^{−1/α} on the non-zero tasks, 0 on zero tasks, all 0 at a Pareto-stationary point.
 */
export function fairGradWeights(
  G: Float64Array,
  T: number,
  alpha: number = FAIRGRAD_DEFAULT_ALPHA,
  action = "compute FairGrad weights",
): Float64Array {
  checkFairGradAlpha(alpha, action);
  const { tasks, norms, C } = directions(G, T);
  const w = new Float64Array(T);
  const m = tasks.length;
  if (stationaryDirections(C, m)) return w;
  let s = 0;
  for (const n of norms) s = Math.max(s, n);
  const n = norms.map((x) => x / s);
  const c = n.map((x) => Math.exp((1 / alpha - 1) * Math.log(x)));
  const gamma = newton({ C, c, m, alpha });
  const back = Math.exp((-2 * alpha / (1 + alpha)) * Math.log(s));
  tasks.forEach((t, a) => (w[t] = (gamma[a] / n[a]) * back));
  return w;
}

/** The "fairgrad" method. */
export const fairgrad = defineGramMethod({
  name: "fairgrad",
  kind: "gram",
  options: {
    alpha: positiveNumberOption({
      default: FAIRGRAD_DEFAULT_ALPHA,
      doc: "fairness α > 0: 1 is proportional fairness (Nash-MTL), large α tends to max-min",
    }),
  },
  shared: [],
  weigh: ({ G, T, options, action }) =>
    plainWeighting(fairGradWeights(G, T, options.alpha, action)),
  claims: {
    // (Gw)_i = w_i^{−1/α} > 0 on the non-zero tasks.
    nonConflicting: true,
    // ‖Jᵀw‖² = Σ_t w_t^{1−1/α}: m ≤ T for α = 1, whatever the scale; no bound for other α.
    normBound: (norms, { alpha }) => alpha === 1 ? Math.sqrt(norms.length) : Infinity,
    scaleFree: true,
    permutation: "equivariant",
  },
});
