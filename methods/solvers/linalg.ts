/**
 * Small dense float64 linear algebra on T×T data (row-major Float64Array), for the method
 * solvers: quadratic forms and a pivoted linear solve. The symmetric eigendecomposition lives a
 * layer down (validate/symmetric_eigen.ts), where the Gramian check uses it too.
 * @module
 */

export { type Eigen, symmetricEigen } from "../../validate/symmetric_eigen.ts";

/** (A x) for a T×T matrix A. */
export function matVec(A: Float64Array, T: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    let s = 0;
    for (let j = 0; j < T; j++) s += A[i * T + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** xᵀ A x. */
export function quadForm(A: Float64Array, T: number, x: ArrayLike<number>): number {
  let q = 0;
  for (let i = 0; i < T; i++) {
    let row = 0;
    for (let j = 0; j < T; j++) row += A[i * T + j] * x[j];
    q += x[i] * row;
  }
  return q;
}

/** tr(A). */
export function trace(A: Float64Array, T: number): number {
  let s = 0;
  for (let t = 0; t < T; t++) s += A[t * T + t];
  return s;
}

/** A copy of A scaled by `factor`, with `ridge` added to the diagonal. */
export function scaled(A: Float64Array, T: number, factor: number, ridge = 0): Float64Array {
  const B = A.map((x) => x * factor);
  if (ridge !== 0) { for (let t = 0; t < T; t++) B[t * T + t] += ridge; }
  return B;
}

/**
 * Solves A x = b for an n×n matrix (Gaussian elimination with partial pivoting; A and b are not
 * changed). Returns null when a pivot is below 1e-13 of the largest entry (numerically singular).
 */
export function solve(A: Float64Array, n: number, b: ArrayLike<number>): Float64Array | null {
  const M = A.slice();
  const x = Float64Array.from(b);
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(M[k]));
  const tiny = 1e-13 * scale;
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(M[r * n + col]) > Math.abs(M[p * n + col])) p = r;
    }
    if (!(Math.abs(M[p * n + col]) > tiny)) return null;
    if (p !== col) {
      for (let c = 0; c < n; c++) {
        const tmp = M[col * n + c];
        M[col * n + c] = M[p * n + c];
        M[p * n + c] = tmp;
      }
      const tb = x[col];
      x[col] = x[p];
      x[p] = tb;
    }
    const pivot = M[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = M[r * n + col] / pivot;
      if (f === 0) continue;
      for (let c = col; c < n; c++) M[r * n + c] -= f * M[col * n + c];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < n; c++) s -= M[r * n + c] * x[c];
    x[r] = s / M[r * n + r];
  }
  return x;
}
