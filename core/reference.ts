/**
 * Pure-TypeScript reference of both kernels: the test oracle for the WASM core and the fallback
 * where WebAssembly SIMD is missing. Sums run in float64, so this is also the
 * more exact of the two.
 * @module
 */

import type { Kernels } from "./kernel_types.ts";

/** G += J Jᵀ, every dot product summed in float64. */
export function gramReference(rows: readonly Float32Array[], G: Float64Array): void {
  const T = rows.length;
  for (let i = 0; i < T; i++) {
    const a = rows[i];
    for (let j = i; j < T; j++) {
      const b = rows[j];
      let s = 0;
      for (let k = 0; k < a.length; k++) s += a[k] * b[k];
      G[i * T + j] += s;
      if (j !== i) G[j * T + i] += s;
    }
  }
}

/**
 * out = Σ_t w[t] · rows[t], summed in float64 and rounded once to float32. Returns whether every
 * output value is finite.
 */
export function combineReference(
  rows: readonly Float32Array[],
  w: ArrayLike<number>,
  out: Float32Array,
): boolean {
  const T = rows.length;
  let check = 0;
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += w[t] * rows[t][k];
    out[k] = s;
    check += out[k] - out[k];
  }
  return check === 0;
}

/** The reference kernels as a backend. */
export const referenceKernels: Kernels = {
  name: "typescript",
  gram: gramReference,
  combine: combineReference,
};
