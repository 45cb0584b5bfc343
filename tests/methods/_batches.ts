/**
 * Shared by the SDMGrad and MoDo tests: three small batches' Jacobians, their cross-Gramians and
 * the sort-based simplex projection as LibMTL writes it, for recomputing the references in d-space.
 * @module
 */

import { dot } from "./_gram.ts";

/** J_a J_bᵀ, row-major. */
export function cross(A: number[][], B: number[][]): Float64Array {
  const T = A.length;
  return Float64Array.from({ length: T * T }, (_, k) => dot(A[Math.floor(k / T)], B[k % T]));
}

/** Duchi et al.'s sort-based simplex projection, as LibMTL's SDMGrad writes it. */
export function simplex(v: number[]): number[] {
  if (Math.abs(v.reduce((a, b) => a + b, 0) - 1) === 0 && v.every((x) => x >= 0)) return v;
  const u = v.slice().sort((a, b) => b - a);
  let css = 0;
  let rho = 0;
  let cssRho = 0;
  u.forEach((x, i) => {
    css += x;
    if (x * (i + 1) > css - 1) [rho, cssRho] = [i, css];
  });
  const theta = (cssRho - 1) / (rho + 1);
  return v.map((x) => Math.max(x - theta, 0));
}

/** Three batches of three tasks' gradients (d = 4). */
export const batches = [
  [[1, 2, -1, 0], [0.5, -3, 2, 1], [2, 0, 1, -1]],
  [[0.8, 2.5, -1, 0.2], [0.4, -2, 1.5, 1], [1, 0.5, 1, -0.5]],
  [[1.2, 1, 0, 0], [0, -1, 1, 1.5], [1, 1, 1, -1]],
];
