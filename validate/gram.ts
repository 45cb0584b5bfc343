/**
 * Checks a Gramian handed in by a split-phase caller: a Float64Array of T×T finite values,
 * symmetric, with a non-negative diagonal.
 * @module
 */

import { describe } from "./grads.ts";

/** Returns T for a valid T×T Gramian. */
export function validateGram(gram: unknown, what: string): number {
  if (!(gram instanceof Float64Array)) {
    throw new TypeError(`Cannot ${what}: gram must be a Float64Array, found ${describe(gram)}`);
  }
  const T = Math.round(Math.sqrt(gram.length));
  if (T < 1 || T * T !== gram.length) {
    throw new RangeError(
      `Cannot ${what}: gram must hold T×T values for some T ≥ 1, found length ${gram.length}`,
    );
  }
  for (let i = 0; i < T; i++) {
    if (!(gram[i * T + i] >= 0) || !Number.isFinite(gram[i * T + i])) {
      throw new RangeError(
        `Cannot ${what}: gram[${i}][${i}] must be a finite squared norm ≥ 0, found ${
          gram[i * T + i]
        }`,
      );
    }
    for (let j = i + 1; j < T; j++) {
      const a = gram[i * T + j];
      const b = gram[j * T + i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        throw new RangeError(
          `Cannot ${what}: gram[${i}][${j}] must be finite, found ${Number.isFinite(a) ? b : a}`,
        );
      }
      if (Math.abs(a - b) > 1e-9 * (Math.abs(a) + Math.abs(b))) {
        throw new RangeError(
          `Cannot ${what}: gram must be symmetric, found gram[${i}][${j}] = ${a} and gram[${j}][${i}] = ${b}`,
        );
      }
    }
  }
  return T;
}
