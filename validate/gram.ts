/**
 * Checks a Gramian handed in by a split-phase caller: a Float64Array of T×T finite values,
 * symmetric, with a non-negative diagonal, and positive semidefinite up to rounding, as every
 * G = J Jᵀ is. The methods assume it: an indefinite "Gramian" such as [1, −10, −10, 1] has no
 * gradients behind it, and PCGrad would turn it into weights [11, 11] without a word.
 * @module
 */

import { symmetricEigen } from "./symmetric_eigen.ts";
import { checkTaskCount, describe } from "./grads.ts";

/**
 * How far below zero G's smallest eigenvalue may be, relative to tr(G), and still count as
 * rounding. accumulateGram sums at most 1 Ki float32 products per f32x4 lane before float64, so
 * |error of G_ij| ≲ 1024 · 2⁻²⁴ · ‖g_i‖‖g_j‖ and the error's spectral norm (≤ its Frobenius norm)
 * is about 6.1e-5 · tr(G) at worst, every rounding adding up the same way; measured, below 4.6e-8 ·
 * tr(G) (identical, collinear, rank-2 and differently scaled gradients, T ≤ 16, d = 7 to 1e6).
 * A defect is of the order of tr(G) itself ([1, −10, −10, 1]: λ_min = −9 = −4.5 tr G).
 */
export const GRAM_PSD_TOLERANCE = 1e-4;

/**
 * Whether G + δI is positive definite: Cholesky, O(T³/6), stopping at the first pivot ≤ 0. With
 * δ > 0 this accepts exactly the G with λ_min(G) > −δ (up to float64 rounding, far below δ).
 */
function shiftedCholesky(G: Float64Array, T: number, delta: number): boolean {
  const L = new Float64Array(T * T);
  for (let j = 0; j < T; j++) {
    let pivot = G[j * T + j] + delta;
    for (let k = 0; k < j; k++) pivot -= L[j * T + k] * L[j * T + k];
    if (!(pivot > 0)) return false;
    const root = Math.sqrt(pivot);
    L[j * T + j] = root;
    for (let i = j + 1; i < T; i++) {
      let s = G[i * T + j];
      for (let k = 0; k < j; k++) s -= L[i * T + k] * L[j * T + k];
      L[i * T + j] = s / root;
    }
  }
  return true;
}

/**
 * Throws unless G is positive semidefinite up to GRAM_PSD_TOLERANCE · tr(G): first the pairwise
 * Cauchy–Schwarz bound |G_ij| ≤ √(G_ii G_jj) (a message naming the entries), then a shifted
 * Cholesky for what no pair shows (a message naming the smallest eigenvalue).
 */
function checkSemidefinite(gram: Float64Array, T: number, action: string): void {
  let tr = 0;
  for (let i = 0; i < T; i++) tr += gram[i * T + i];
  const delta = GRAM_PSD_TOLERANCE * tr;
  for (let i = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++) {
      const bound = Math.sqrt((gram[i * T + i] + delta) * (gram[j * T + j] + delta));
      if (Math.abs(gram[i * T + j]) > bound) {
        throw new RangeError(
          `Cannot ${action}: gram is not a Gramian (not positive semidefinite): |gram[${i}][${j}]| = ${
            Math.abs(gram[i * T + j])
          } exceeds √(gram[${i}][${i}] · gram[${j}][${j}]) = ${
            Math.sqrt(gram[i * T + i] * gram[j * T + j])
          }`,
        );
      }
    }
  }
  if (tr === 0 || shiftedCholesky(gram, T, delta)) return;
  const lowest = symmetricEigen(gram, T).values[T - 1];
  throw new RangeError(
    `Cannot ${action}: gram is not a Gramian (not positive semidefinite): its smallest eigenvalue ` +
      `is ${lowest}, below −${GRAM_PSD_TOLERANCE} · tr(gram) = ${-delta}`,
  );
}

/** Throws a TypeError naming what was found unless `gram` is a Float64Array. */
function checkGramType(gram: unknown, action: string): asserts gram is Float64Array {
  if (!(gram instanceof Float64Array)) {
    throw new TypeError(`Cannot ${action}: gram must be a Float64Array, found ${describe(gram)}`);
  }
}

/**
 * Checks a Gramian a block's is added into (accumulateGram): a Float64Array of T×T values for the
 * block's T tasks. Its values are the caller's running sum, so only its form is checked here.
 */
export function validateGramSum(gram: unknown, T: number, action: string): Float64Array {
  checkGramType(gram, action);
  if (gram.length !== T * T) {
    throw new RangeError(
      `Cannot ${action}: gram has length ${gram.length}, expected ${T * T} for ${T} tasks`,
    );
  }
  return gram;
}

/** Returns T for a valid T×T Gramian (T ≤ MAX_TASKS, validate/grads.ts). */
export function validateGram(gram: unknown, action: string): number {
  checkGramType(gram, action);
  const T = Math.round(Math.sqrt(gram.length));
  if (T < 1 || T * T !== gram.length) {
    throw new RangeError(
      `Cannot ${action}: gram must hold T×T values for some T ≥ 1, found length ${gram.length}`,
    );
  }
  checkTaskCount(T, `gram (${T}×${T})`, action);
  for (let i = 0; i < T; i++) {
    if (!(gram[i * T + i] >= 0) || !Number.isFinite(gram[i * T + i])) {
      throw new RangeError(
        `Cannot ${action}: gram[${i}][${i}] must be a finite squared norm ≥ 0, found ${
          gram[i * T + i]
        }`,
      );
    }
    for (let j = i + 1; j < T; j++) {
      const a = gram[i * T + j];
      const b = gram[j * T + i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        throw new RangeError(
          `Cannot ${action}: gram[${i}][${j}] must be finite, found ${Number.isFinite(a) ? b : a}`,
        );
      }
      if (Math.abs(a - b) > 1e-9 * (Math.abs(a) + Math.abs(b))) {
        throw new RangeError(
          `Cannot ${action}: gram must be symmetric, found gram[${i}][${j}] = ${a} and gram[${j}][${i}] = ${b}`,
        );
      }
    }
  }
  checkSemidefinite(gram, T, action);
  return T;
}
