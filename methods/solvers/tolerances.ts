/**
 * The two degenerate cases every Gram-space method has to recognise, defined once so that all
 * methods decide alike:
 *
 * - A **zero task**: ‖g_t‖² ≤ max(NORMAL_ZERO, RELATIVE_ZERO · max_s ‖g_s‖²). A norm under 1e-10
 *   of the largest keeps the per-task normalising methods (PCGrad's g_i·g_j/‖g_j‖², IMTL-G's and
 *   Nash-MTL's 1/‖g_t‖) within ten decimal orders of the largest task, so their weights stay
 *   inside float32 range in the combine pass. The absolute floor is float32's smallest normal
 *   number: a gradient whose norm is below it would need weights beyond float32 in those methods.
 *   Above it, tiny gradients are judged like any others: where float32 products of a task leave
 *   the normal range, the engine redoes the Gramian in float64 (validate/finite.ts). A zero task
 *   has no direction: methods leave it out of every direction-based test.
 * - A **Pareto-stationary** point: 0 lies in the convex hull of the non-zero tasks' directions
 *   u_t = g_t/‖g_t‖ (equivalently of the g_t themselves, the hull test being invariant to scaling
 *   each task), to the Gramian's resolution: min_{w ∈ Δ} ‖Σ w_t u_t‖² = wᵀCw ≤ FLOAT32_EPSILON,
 *   with C = D⁻¹GD⁻¹ the cosine matrix (D = diag ‖g_t‖). Each entry of C comes from float32
 *   products and is known to about ε_f32, so a smaller squared norm is not resolved; for two tasks
 *   it means 1 + cos φ ≤ 2ε_f32, i.e. exactly opposite to float32 precision. A zero task is itself
 *   a point of the hull, so it makes the set stationary; methods that leave zero tasks out of the
 *   problem (Nash-MTL) test the remaining directions only.
 *
 * Both decisions only use ratios of Gram entries, so multiplying every gradient by s > 0 leaves
 * them unchanged as long as the norms stay above float32's smallest normal number. They are
 * consistent: the
 * directions are only formed for non-zero tasks, a single non-zero task is never stationary
 * (wᵀCw = 1), tasks of any non-zero scale ratio are judged by their directions alone, and a
 * stationary set of directions is numerically rank-deficient by the rank tolerance below
 * (λ_min(C) ≤ m·wᵀCw ≤ m·ε_f32 ≤ λ_max(C)·m·ε_f32).
 * @module
 */

import { solveBoxQP } from "./active_set_qp.ts";

/** Unit roundoff of the float32 gradients (2⁻²³). */
export const FLOAT32_EPSILON = 2 ** -23;
/** (2⁻¹²⁶)²: a squared norm under float32's smallest normal norm, 1.2e-38, is a zero task. */
export const NORMAL_ZERO = 2 ** -252;
/** Squared-norm ratio to the largest task at or below which a task counts as zero. */
export const RELATIVE_ZERO = 1e-20;
/** min_{w ∈ Δ} wᵀCw on the cosine matrix at or below which the tasks are Pareto-stationary. */
export const STATIONARY_MIN_NORM_SQ = FLOAT32_EPSILON;
/**
 * A cosine within this of ±1 is ±1 to the Gramian's resolution: for two tasks, 1 + cos φ ≤ 2ε_f32
 * is exactly the stationary test above, and 1 − cos φ ≤ 2ε_f32 its mirror (parallel directions).
 */
export const COSINE_RESOLUTION = 2 * FLOAT32_EPSILON;

/** Squared norms at or under the returned value are zero tasks. */
export function zeroNormThreshold(G: Float64Array, T: number): number {
  let max = 0;
  for (let t = 0; t < T; t++) max = Math.max(max, G[t * T + t]);
  return Math.max(NORMAL_ZERO, RELATIVE_ZERO * max);
}

/** The indices of the non-zero tasks, ascending. */
export function nonZeroTasks(G: Float64Array, T: number): number[] {
  const zero = zeroNormThreshold(G, T);
  const tasks: number[] = [];
  for (let t = 0; t < T; t++) if (G[t * T + t] > zero) tasks.push(t);
  return tasks;
}

/**
 * G with the rows and columns of zero tasks set to exactly 0: what every method weighs. A zero
 * task's leftover products would otherwise steer the direction-seeking solvers (CAGrad's ‖g_w‖ → 0
 * gives weights beyond float32 on a 1e-45 gradient); exactly zero, they weigh nothing. Returns G
 * itself when no task is zero.
 */
export function withZeroTasksCleared(G: Float64Array, T: number): Float64Array {
  const zero = zeroNormThreshold(G, T);
  let out: Float64Array | null = null;
  for (let t = 0; t < T; t++) {
    if (G[t * T + t] > zero || G[t * T + t] === 0) continue;
    out ??= G.slice();
    for (let k = 0; k < T; k++) out[t * T + k] = out[k * T + t] = 0;
  }
  return out ?? G;
}

/** The non-zero tasks, their norms and the m×m cosine matrix C = D⁻¹GD⁻¹ between them. */
export interface Directions {
  /** Indices of the non-zero tasks in G. */
  tasks: number[];
  /** ‖g_t‖ for each of them. */
  norms: Float64Array;
  /** C_ab = g_a·g_b / (‖g_a‖‖g_b‖), unit diagonal, row-major m×m. */
  C: Float64Array;
}

/** The directions of the non-zero tasks (scale-free: each task divided by its own norm). */
export function directions(G: Float64Array, T: number): Directions {
  const tasks = nonZeroTasks(G, T);
  const m = tasks.length;
  const norms = Float64Array.from(tasks, (t) => Math.sqrt(G[t * T + t]));
  const C = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      C[a * m + b] = a === b ? 1 : G[tasks[a] * T + tasks[b]] / (norms[a] * norms[b]);
    }
  }
  return { tasks, norms, C };
}

/** min_{w ∈ Δ} wᵀCw and its w, by the exact active-set solver (C is m×m, m ≥ 1). */
export function minNormOfDirections(C: Float64Array, m: number): { w: Float64Array; sq: number } {
  const w = m === 1
    ? new Float64Array([1])
    : solveBoxQP({ Q: C, lower: new Float64Array(m), total: 1 }, m);
  let sq = 0;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sq += w[a] * C[a * m + b] * w[b];
  return { w, sq };
}

/** Whether the directions with cosine matrix C (m×m) are Pareto-stationary (see the module doc). */
export function stationaryDirections(C: Float64Array, m: number): boolean {
  return m === 0 || minNormOfDirections(C, m).sq <= STATIONARY_MIN_NORM_SQ;
}

/**
 * Whether the tasks of G are Pareto-stationary: some task is zero (0 is then a point of the hull)
 * or 0 is in the hull of the non-zero tasks' directions. Methods that leave zero tasks out (Nash-MTL)
 * apply {@linkcode stationaryDirections} to the others instead.
 */
export function isParetoStationary(G: Float64Array, T: number): boolean {
  const { tasks, C } = directions(G, T);
  return tasks.length < T || stationaryDirections(C, tasks.length);
}

/**
 * Numerical rank threshold of a Gramian of float32 gradients: the eigenvalues at or below
 * λ_max · T · ε_f32 count as zero (the tolerance of TorchJD and of the official Aligned-MTL code,
 * with float32's epsilon).
 */
export function rankTolerance(values: Float64Array, T: number): number {
  return Math.max(values[0], 0) * T * FLOAT32_EPSILON;
}
