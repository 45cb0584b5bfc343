/**
 * Small float64 Jacobians for the method tests (methods are testable on 3×3): T task
 * gradients of a short length d, each on its own scale, and their Gramian.
 * @module
 */

import fc from "fast-check";
import { symmetricEigen } from "../../methods/solvers/linalg.ts";

/**
 * T rows of length d (T in [minT, maxT], d in [1, maxD]), entries multiples of 1/64 in [−4, 4]
 * (zero rows possible) times a task scale.
 */
export function jacobianArb(minT = 1, maxT = 8, maxD = 10): fc.Arbitrary<number[][]> {
  return fc.tuple(fc.integer({ min: minT, max: maxT }), fc.integer({ min: 1, max: maxD })).chain((
    [T, d],
  ) =>
    fc.array(
      fc.tuple(
        fc.array(fc.integer({ min: -256, max: 256 }).map((k) => k / 64), {
          minLength: d,
          maxLength: d,
        }),
        fc.constantFrom(1, 1e-3, 10, 1e3),
      ).map(([row, scale]) => row.map((x) => x * scale)),
      { minLength: T, maxLength: T },
    )
  );
}

/** G = J Jᵀ, row-major. */
export function gramOf(J: readonly (readonly number[])[]): Float64Array {
  const T = J.length;
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let k = 0; k < J[i].length; k++) s += J[i][k] * J[j][k];
      G[i * T + j] = s;
    }
  }
  return G;
}

/** Jᵀw. */
export function combine(J: readonly (readonly number[])[], w: ArrayLike<number>): number[] {
  const out = new Array<number>(J[0].length).fill(0);
  J.forEach((row, t) => row.forEach((x, k) => (out[k] += w[t] * x)));
  return out;
}

/** a · b. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** ‖a‖. */
export const norm = (a: readonly number[]): number => Math.sqrt(dot(a, a));

/** Σ_t ‖g_t‖: the scale against which rounding in Jᵀw is measured. */
export function scaleOf(J: readonly (readonly number[])[]): number {
  return J.reduce((s, row) => s + norm(row), 0);
}

/** Asserts |a − b| ≤ tol elementwise, with a message naming the index. */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, action = ""): void {
  if (a.length !== b.length) throw new Error(`${action} lengths ${a.length} vs ${b.length}`);
  for (let k = 0; k < a.length; k++) {
    if (!(Math.abs(a[k] - b[k]) <= tol)) {
      throw new Error(`${action}[${k}]: ${a[k]} vs ${b[k]} (tolerance ${tol})`);
    }
  }
}

/** Whether some row is zero (methods then fall back as documented). */
export const hasZeroRow = (J: readonly (readonly number[])[]): boolean =>
  J.some((row) => row.every((x) => x === 0));

/**
 * Whether G = J Jᵀ is full rank for the methods' float32-aware rank tolerance λ_max·T·2⁻²³:
 * smallest eigenvalue above 1e-5 of the largest.
 */
export function fullRank(J: readonly (readonly number[])[]): boolean {
  const { values } = symmetricEigen(gramOf(J), J.length);
  return values[J.length - 1] > 1e-5 * values[0];
}
