/**
 * Small dense float64 linear algebra on T×T data (row-major Float64Array), for the method
 * solvers: quadratic forms, a pivoted linear solve, and the symmetric eigendecomposition (cyclic
 * Jacobi, accurate to working precision for the small symmetric matrices used here).
 * @module
 */

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

/** Eigenvalues (descending) and eigenvectors (columns of `vectors`, row-major T×T). */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Symmetric eigendecomposition A = V Λ Vᵀ by cyclic Jacobi rotations (Golub & Van Loan §8.5),
 * sorted by descending eigenvalue. Sweeps until the off-diagonal mass is below 1e-15 of ‖A‖_F.
 */
export function symmetricEigen(A: Float64Array, T: number): Eigen {
  const a = A.slice();
  const v = new Float64Array(T * T);
  for (let t = 0; t < T; t++) v[t * T + t] = 1;
  let norm = 0;
  for (let k = 0; k < T * T; k++) norm += a[k] * a[k];
  const target = 1e-30 * norm;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < T; p++) for (let q = p + 1; q < T; q++) off += 2 * a[p * T + q] ** 2;
    if (off <= target) break;
    for (let p = 0; p < T; p++) {
      for (let q = p + 1; q < T; q++) {
        const apq = a[p * T + q];
        if (apq === 0) continue;
        const theta = (a[q * T + q] - a[p * T + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < T; k++) {
          const akp = a[k * T + p];
          const akq = a[k * T + q];
          a[k * T + p] = c * akp - s * akq;
          a[k * T + q] = s * akp + c * akq;
        }
        for (let k = 0; k < T; k++) {
          const apk = a[p * T + k];
          const aqk = a[q * T + k];
          a[p * T + k] = c * apk - s * aqk;
          a[q * T + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < T; k++) {
          const vkp = v[k * T + p];
          const vkq = v[k * T + q];
          v[k * T + p] = c * vkp - s * vkq;
          v[k * T + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: T }, (_, i) => i).sort((i, j) => a[j * T + j] - a[i * T + i]);
  const values = new Float64Array(T);
  const vectors = new Float64Array(T * T);
  order.forEach((src, dst) => {
    values[dst] = a[src * T + src];
    for (let k = 0; k < T; k++) vectors[k * T + dst] = v[k * T + src];
  });
  return { values, vectors };
}

/**
 * Numerical rank threshold of a Gramian computed from float32 gradients: λ_max · T · ε_f32,
 * the tolerance of TorchJD and the official Aligned-MTL code under float32.
 */
export const FLOAT32_EPSILON = 2 ** -23;

/** The eigenvalues above λ_max · T · ε_f32 count as non-zero. */
export function rankTolerance(values: Float64Array, T: number): number {
  return Math.max(values[0], 0) * T * FLOAT32_EPSILON;
}
