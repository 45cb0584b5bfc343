/**
 * Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022):
 * the Nash bargaining update Jᵀα with α > 0 solving Gα = 1/α (α_i (g_i·Jᵀα) = 1 for every i).
 *
 * Solver (ours): Gα = 1/α is the stationarity condition of the strictly convex
 * F(β) = ½βᵀG̃β − Σ_i log β_i on G̃ = G/‖G‖_F (α = β/√‖G‖_F), so damped Newton with a positivity-
 * keeping Armijo line search finds the exact solution (|β_i(G̃β)_i − 1| ≤ 1e-12), where the
 * official code runs up to 20 CCCP/ECOS rounds and stops at ‖G̃α − 1/α‖ < 1e-3. As there, the
 * previous α is the warm start (state, initially 1), `updateEvery` reuses α for k steps, and α is
 * rescaled so that ‖Jᵀα‖ ≤ maxNorm (default 1, TorchJD's rescale of the official gradient clip).
 *
 * F has a minimiser exactly when some direction improves every task (Gordan's theorem). So tasks
 * with a zero gradient get α = 0 and the others are solved; if 0 is in their convex hull
 * (min-norm point ‖Σ w g‖² ≤ 1e-12 of G̃'s scale: Pareto-stationary), every α is 0.
 * @module
 */

import { minNormWeights } from "./mgda.ts";
import { zeroNormThreshold } from "./pcgrad.ts";
import { matVec, quadForm, solve } from "./solvers/linalg.ts";
import type { Weighting, WeightingInput } from "./types.ts";

/** Nash-MTL's state: the last solved α (raw scale, before maxNorm) and the step count. */
export interface NashMtlState {
  alpha: number[];
  step: number;
}

/** Min-norm point squared (on G/‖G‖_F) at or below which the tasks count as Pareto-stationary. */
export const STATIONARY = 1e-12;

function objective(G: Float64Array, T: number, beta: ArrayLike<number>): number {
  let f = 0.5 * quadForm(G, T, beta);
  for (let i = 0; i < T; i++) f -= Math.log(beta[i]);
  return f;
}

/** β > 0 with G̃β = 1/β, by damped Newton from `start`. */
function newton(G: Float64Array, T: number, start: Float64Array): Float64Array {
  let beta = start;
  const H = new Float64Array(T * T);
  for (let iteration = 0; iteration < 200; iteration++) {
    const Gb = matVec(G, T, beta);
    let residual = 0;
    for (let i = 0; i < T; i++) residual = Math.max(residual, Math.abs(beta[i] * Gb[i] - 1));
    if (residual <= 1e-12) break;
    const grad = Gb.map((x, i) => x - 1 / beta[i]);
    H.set(G);
    for (let i = 0; i < T; i++) H[i * T + i] += 1 / (beta[i] * beta[i]);
    const step = solve(H, T, grad.map((x) => -x));
    if (step === null) break;
    let slope = 0;
    for (let i = 0; i < T; i++) slope += grad[i] * step[i];
    const f0 = objective(G, T, beta);
    let t = 1;
    for (let i = 0; i < T; i++) if (step[i] < 0) t = Math.min(t, -0.99 * beta[i] / step[i]);
    let next = beta.map((b, i) => b + t * step[i]);
    for (let k = 0; k < 60 && !(objective(G, T, next) <= f0 + 1e-4 * t * slope); k++) {
      t /= 2;
      next = beta.map((b, i) => b + t * step[i]);
    }
    if (next.every((x, i) => x === beta[i])) break;
    beta = next;
  }
  return beta;
}

/** α with Gα = 1/α on the tasks with a non-zero gradient (0 elsewhere; all 0 if stationary). */
export function nashAlpha(G: Float64Array, T: number, previous: ArrayLike<number>): Float64Array {
  const zero = zeroNormThreshold(G, T);
  const active: number[] = [];
  for (let t = 0; t < T; t++) if (G[t * T + t] > zero) active.push(t);
  const alpha = new Float64Array(T);
  const m = active.length;
  if (m === 0) return alpha;
  const sub = new Float64Array(m * m);
  let frob = 0;
  active.forEach((i, a) =>
    active.forEach((j, b) => {
      sub[a * m + b] = G[i * T + j];
      frob += G[i * T + j] ** 2;
    })
  );
  frob = Math.sqrt(frob);
  for (let k = 0; k < m * m; k++) sub[k] /= frob;
  if (quadForm(sub, m, minNormWeights(sub, m)) <= STATIONARY) return alpha;
  const root = Math.sqrt(frob);
  const start = Float64Array.from(active, (t) => {
    const b = previous[t] * root;
    return b > 0 && Number.isFinite(b) ? b : 1;
  });
  const beta = newton(sub, m, start);
  active.forEach((t, a) => (alpha[t] = beta[a] / root));
  return alpha;
}

/** The "nash-mtl" method. */
export function nashMtl({ G, T, options, state, what }: WeightingInput): Weighting {
  const previous = state as NashMtlState | undefined;
  if (previous !== undefined && previous.alpha.length !== T) {
    throw new RangeError(
      `Cannot ${what}: the nash-mtl state holds ${previous.alpha.length} tasks, found ${T} tasks`,
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
export function restoreNashMtlState(json: unknown, what: string): NashMtlState {
  const s = json as Partial<NashMtlState> | null;
  if (
    s === null || typeof s !== "object" || !Array.isArray(s.alpha) ||
    s.alpha.some((a) => typeof a !== "number" || !Number.isFinite(a) || a < 0) ||
    typeof s.step !== "number" || !Number.isInteger(s.step) || s.step < 0
  ) {
    throw new TypeError(
      `Cannot ${what}: the nash-mtl state must be { alpha: finite numbers ≥ 0, step: a whole number }, found ${
        JSON.stringify(json)
      }`,
    );
  }
  return { alpha: s.alpha.slice(), step: s.step };
}
