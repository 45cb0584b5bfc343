/**
 * A primal active-set solver (Nocedal & Wright, "Numerical Optimization", Algorithm 16.3) for the
 * small convex quadratic programs of the Gram-space methods:
 *
 *   minimise ½ xᵀQx + qᵀx   subject to   x ≥ lower,   and optionally   Σ_i x_i = total,
 *
 * with Q symmetric positive semi-definite (T×T, float64). With `total` it is the simplex problem
 * of MGDA (PAPER.md §6.1) and of CAGrad's inner step (§6.2); without it, the box-lower-bounded QP
 * of UPGrad and DualProj (§6.7). Each iteration solves the equality-constrained problem on the free
 * set exactly, so the result is the exact minimiser (to rounding) after finitely many steps, unlike
 * a plain Frank–Wolfe loop that stops at a tolerance. An index joins the free set only when its
 * multiplier is negative, which (as in Wolfe's min-norm-point algorithm) keeps the free set's
 * system non-singular even when Q is singular.
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
  const { Q, lower, total } = problem;
  const q = problem.q ?? new Float64Array(T);
  const x = start ? Float64Array.from(start) : defaultStart(problem, T, q);
  const free = new Array<boolean>(T);
  for (let i = 0; i < T; i++) free[i] = x[i] > lower[i];
  if (total !== undefined && !free.some((f) => f)) free[x.indexOf(Math.max(...x))] = true;
  let scale = 0;
  for (let i = 0; i < T; i++) scale = Math.max(scale, Math.abs(Q[i * T + i]), Math.abs(q[i]));
  const tol = TOLERANCE * Math.max(scale, 1e-300);
  const grad = new Float64Array(T);
  const maxIterations = 20 * T + 50;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const p = freeStep(Q, T, x, q, free, total !== undefined, grad);
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
    let lambda = 0;
    if (total !== undefined) {
      let n = 0;
      for (let i = 0; i < T; i++) if (free[i]) (lambda += grad[i]), n++;
      lambda /= n;
    }
    let worst = -1;
    let most = -tol;
    for (let i = 0; i < T; i++) {
      if (!free[i] && grad[i] - lambda < most) {
        most = grad[i] - lambda;
        worst = i;
      }
    }
    if (worst < 0) return x;
    free[worst] = true;
  }
  return x;
}

/** x = lower; with a total, the remaining mass on the best single index (a Frank–Wolfe vertex). */
function defaultStart(problem: BoxQP, T: number, q: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(problem.lower);
  if (problem.total === undefined) return x;
  let rest = problem.total;
  for (let i = 0; i < T; i++) rest -= x[i];
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i < T; i++) {
    const value = 0.5 * problem.Q[i * T + i] * rest * rest + q[i] * rest;
    if (value < bestValue) {
      bestValue = value;
      best = i;
    }
  }
  x[best] += rest;
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
 * Σ p_F = 0 through a multiplier when the total is fixed. Null when that system is singular.
 */
function freeStep(
  Q: Float64Array,
  T: number,
  x: Float64Array,
  q: ArrayLike<number>,
  free: boolean[],
  fixedTotal: boolean,
  grad: Float64Array,
): Float64Array | null {
  gradient(Q, T, x, q, grad);
  const idx: number[] = [];
  for (let i = 0; i < T; i++) if (free[i]) idx.push(i);
  const p = new Float64Array(T);
  const m = idx.length;
  if (m === 0) return p;
  const n = fixedTotal ? m + 1 : m;
  const K = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) K[a * n + b] = Q[idx[a] * T + idx[b]];
    rhs[a] = -grad[idx[a]];
    if (fixedTotal) {
      K[a * n + m] = 1;
      K[m * n + a] = 1;
    }
  }
  const sol = solve(K, n, rhs);
  if (sol === null) return null;
  for (let a = 0; a < m; a++) p[idx[a]] = sol[a];
  return p;
}
