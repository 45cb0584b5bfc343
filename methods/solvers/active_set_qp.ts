/**
 * A primal active-set solver (Nocedal & Wright, "Numerical Optimization", Algorithm 16.3) for the
 * small convex quadratic programs of the Gram-space methods:
 *
 *   minimise ½ xᵀQx + qᵀx   subject to   x ≥ lower,   and optionally   Σ_i x_i = total,
 *
 * with Q symmetric positive semi-definite (T×T, float64). With `total` it is the simplex problem
 * of MGDA and of CAGrad's inner step; without it, the box-lower-bounded QP
 * of UPGrad and DualProj. Each iteration solves the equality-constrained problem on the free
 * set exactly, so the result is the exact minimiser (to rounding) after finitely many steps, unlike
 * a plain Frank–Wolfe loop that stops at a tolerance. An index joins the free set only when its
 * multiplier is negative, which (as in Wolfe's min-norm-point algorithm) keeps the free set's
 * system non-singular even when Q is singular. The problem is first equilibrated (x_i = s_i y_i
 * with s_i = 1/√Q_ii), so tasks whose gradients differ in scale by 1e6 stay well conditioned.
 * @module
 */

import { solve } from "./linalg.ts";

/** A convex QP over a box lower bound, optionally with Σx = total. */
export interface BoxQP {
  /** T×T symmetric PSD matrix, row-major. */
  Q: Float64Array;
  /** Linear term; zero when omitted. */
  q?: ArrayLike<number>;
  /** Lower bounds. */
  lower: ArrayLike<number>;
  /** When given, Σ x = total (and total ≥ Σ lower). */
  total?: number;
}

/** Multipliers below −TOLERANCE · (scale of Q and q) free their index. */
const TOLERANCE = 1e-13;

/** The exact minimiser of the QP, started from `start` (feasible) or from a default point. */
export function solveBoxQP(problem: BoxQP, T: number, start?: ArrayLike<number>): Float64Array {
  const s = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const d = problem.Q[i * T + i];
    s[i] = d > 0 ? 1 / Math.sqrt(d) : 1;
  }
  let sMax = 0;
  for (let i = 0; i < T; i++) sMax = Math.max(sMax, s[i]);
  const Q = problem.Q.map((x, k) => s[Math.floor(k / T)] * x * s[k % T]);
  const q = Float64Array.from({ length: T }, (_, i) => (problem.q?.[i] ?? 0) * s[i]);
  const lower = Float64Array.from({ length: T }, (_, i) => problem.lower[i] / s[i]);
  // Σ x = total becomes Σ a_i y_i = total' with a = s / max(s).
  const a = s.map((x) => x / sMax);
  const total = problem.total === undefined ? undefined : problem.total / sMax;
  const y = solveScaled(
    Q,
    q,
    lower,
    a,
    total,
    T,
    start ? Float64Array.from({ length: T }, (_, i) => start[i] / s[i]) : undefined,
  );
  return y.map((v, i) => v * s[i]);
}

/** The active-set loop on the equilibrated problem (unit diagonal where Q_ii > 0). */
function solveScaled(
  Q: Float64Array,
  q: Float64Array,
  lower: Float64Array,
  a: Float64Array,
  total: number | undefined,
  T: number,
  start: Float64Array | undefined,
): Float64Array {
  const x = start ?? defaultStart(Q, q, lower, a, total, T);
  const free = new Array<boolean>(T);
  for (let i = 0; i < T; i++) free[i] = x[i] > lower[i];
  if (total !== undefined && !free.some((f) => f)) free[x.indexOf(Math.max(...x))] = true;
  let scale = 0;
  for (let i = 0; i < T; i++) scale = Math.max(scale, Math.abs(Q[i * T + i]), Math.abs(q[i]));
  const tol = TOLERANCE * Math.max(scale, 1e-300);
  const grad = new Float64Array(T);
  const maxIterations = 20 * T + 50;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const p = freeStep(Q, T, x, q, free, total !== undefined ? a : undefined, grad);
    if (p === null) return x; // singular free set: keep the last feasible point
    let step = 1;
    let blocking = -1;
    for (let i = 0; i < T; i++) {
      if (free[i] && p[i] < 0) {
        const room = (lower[i] - x[i]) / p[i];
        if (room < step) {
          step = room;
          blocking = i;
        }
      }
    }
    for (let i = 0; i < T; i++) if (free[i]) x[i] += step * p[i];
    if (blocking >= 0) {
      x[blocking] = lower[blocking];
      free[blocking] = false;
      continue;
    }
    // x minimises over the free set: free the bound index with the most negative multiplier.
    gradient(Q, T, x, q, grad);
    // λ: the equality's multiplier, ∇_F = λ a_F at the free-set minimiser (least squares).
    let lambda = 0;
    if (total !== undefined) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < T; i++) if (free[i]) (num += grad[i] * a[i]), (den += a[i] * a[i]);
      lambda = num / den;
    }
    let worst = -1;
    let most = -tol;
    for (let i = 0; i < T; i++) {
      if (!free[i] && grad[i] - lambda * a[i] < most) {
        most = grad[i] - lambda * a[i];
        worst = i;
      }
    }
    if (worst < 0) return x;
    free[worst] = true;
  }
  return x;
}

/**
 * x = lower; with a total, the remaining mass on the best single index (a Frank–Wolfe vertex),
 * judged by the objective there (lower bounds are 0 wherever a total is used).
 */
function defaultStart(
  Q: Float64Array,
  q: Float64Array,
  lower: Float64Array,
  a: Float64Array,
  total: number | undefined,
  T: number,
): Float64Array {
  const x = Float64Array.from(lower);
  if (total === undefined) return x;
  let rest = total;
  for (let i = 0; i < T; i++) rest -= a[i] * x[i];
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i < T; i++) {
    const step = rest / a[i];
    const value = 0.5 * Q[i * T + i] * step * step + q[i] * step;
    if (value < bestValue) {
      bestValue = value;
      best = i;
    }
  }
  x[best] += rest / a[best];
  return x;
}

function gradient(
  Q: Float64Array,
  T: number,
  x: Float64Array,
  q: ArrayLike<number>,
  out: Float64Array,
): void {
  for (let i = 0; i < T; i++) {
    let s = q[i];
    for (let j = 0; j < T; j++) s += Q[i * T + j] * x[j];
    out[i] = s;
  }
}

/**
 * The step p (zero on bound indices) to the minimiser over the free set: Q_FF p_F = −∇_F, with
 * a_Fᵀp_F = 0 through a multiplier when the total is fixed. Null when that system is singular.
 */
function freeStep(
  Q: Float64Array,
  T: number,
  x: Float64Array,
  q: ArrayLike<number>,
  free: boolean[],
  a: Float64Array | undefined,
  grad: Float64Array,
): Float64Array | null {
  const fixedTotal = a !== undefined;
  gradient(Q, T, x, q, grad);
  const idx: number[] = [];
  for (let i = 0; i < T; i++) if (free[i]) idx.push(i);
  const p = new Float64Array(T);
  const m = idx.length;
  if (m === 0) return p;
  const n = fixedTotal ? m + 1 : m;
  const K = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) K[r * n + c] = Q[idx[r] * T + idx[c]];
    rhs[r] = -grad[idx[r]];
    if (fixedTotal) {
      K[r * n + m] = a[idx[r]];
      K[m * n + r] = a[idx[r]];
    }
  }
  const sol = solve(K, n, rhs);
  if (sol === null) return null;
  for (let r = 0; r < m; r++) p[idx[r]] = sol[r];
  return p;
}
