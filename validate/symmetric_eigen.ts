/**
 * The symmetric eigendecomposition of small T×T float64 matrices (row-major): cyclic Jacobi,
 * accurate to working precision at the sizes used here. Here, below methods/, because the Gramian
 * check (validate/gram.ts) names a rejected Gramian's smallest eigenvalue with it; the method
 * solvers take it from here too (methods/solvers/linalg.ts).
 * @module
 */

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
