/**
 * Test oracle: Algorithm 1 of the PCGrad paper in vector form, in float64, with the
 * library's documented zero-norm guard. Independent of the Gram-space code under test.
 * @module
 */

import { zeroNormThreshold } from "../methods/pcgrad.ts";

/** Float64 dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/**
 * Σ_i g_i^PC in float64, for explicit per-task orders. `zeroScale` multiplies the zero-task
 * threshold: tests pass 1/2 and 2 to accept either side for a norm at the threshold itself.
 */
export function pcgradOracle(
  grads: readonly Float32Array[],
  orders: readonly (readonly number[])[],
  zeroScale = 1,
): Float64Array {
  const T = grads.length;
  const d = T === 0 ? 0 : grads[0].length;
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) G[i * T + j] = dot(grads[i], grads[j]);
  const zero = zeroScale * zeroNormThreshold(G, T);
  const out = new Float64Array(d);
  for (let i = 0; i < T; i++) {
    const pc = Float64Array.from(grads[i]);
    // A zero task has no direction: it is added as it is, never projected (nor projected on).
    const zeroTask = G[i * T + i] <= zero;
    for (const j of zeroTask ? [] : orders[i]) {
      const gj = grads[j];
      const s = dot(pc, gj);
      const nn = G[j * T + j];
      if (s < 0 && nn > zero) {
        for (let k = 0; k < d; k++) pc[k] -= (s / nn) * gj[k];
      }
    }
    for (let k = 0; k < d; k++) out[k] += pc[k];
  }
  return out;
}

/** Ascending orders: order[i] = [0..T-1] without i. */
export function fixedOrders(T: number): number[][] {
  return Array.from({ length: T }, (_, i) => [...Array(T).keys()].filter((j) => j !== i));
}

/** Max |a − b| over max(1e-30, Σ_t ‖g_t‖∞): error relative to the scale of the inputs. */
export function relativeError(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  grads: readonly Float32Array[],
): number {
  let scale = 1e-30;
  for (const g of grads) {
    let m = 0;
    for (let k = 0; k < g.length; k++) m = Math.max(m, Math.abs(g[k]));
    scale += m;
  }
  let err = 0;
  for (let k = 0; k < a.length; k++) err = Math.max(err, Math.abs(a[k] - b[k]));
  return err / scale;
}

/**
 * Whether task t's squared norm is within a float32 margin (×2) of the library's zero-norm
 * threshold (methods/pcgrad.ts): such a task is never projected on, by design.
 */
export function nearZeroNorm(grads: readonly Float32Array[], t: number): boolean {
  const sq = grads.map((g) => dot(g, g));
  return sq[t] <= 2 * Math.max(2 ** -252, 1e-20 * Math.max(...sq));
}

/**
 * Max over entries of |a − b| / (‖g_i‖‖g_j‖), b the reference Gram: the error a cosine would see.
 * The raw kernels accumulate float32 products, which lose precision under squared norms of about
 * 1e-30 (the engine then redoes the Gramian in float64: validate/finite.ts), hence the floor.
 */
export function gramError(a: Float64Array, b: Float64Array, T: number): number {
  let err = 0;
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const scale = Math.max(Math.sqrt(b[i * T + i] * b[j * T + j]), 1e-30);
      err = Math.max(err, Math.abs(a[i * T + j] - b[i * T + j]) / scale);
    }
  }
  return err;
}
