/**
 * Benchmark inputs: T task gradients of length d from a seeded generator (bench/rng.ts).
 * @module
 */

import { fillNormalish, uniforms } from "./rng.ts";

/**
 * T task gradients of length d: g_t = s_t · (a_t · z + n_t), with z a shared normal-ish vector,
 * n_t the task's own, a_t = ±(0.3…1) (mixed signs, so about half the pairs conflict, and strongly
 * enough that the conflict tests are far from a tie) and a different scale s_t ∈ [1/4, 4] per task.
 * `allocate` gives the storage of each row (default a plain Float32Array; the parallel benchmark
 * passes rows on a SharedArrayBuffer).
 */
export function makeGrads(
  T: number,
  d: number,
  allocate: (d: number) => Float32Array = (n) => new Float32Array(n),
): Float32Array[] {
  const u = uniforms(1000 * T + 7);
  const shared = fillNormalish(new Float32Array(d), 12345);
  const grads: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    const scale = 2 ** (4 * u() - 2);
    const a = (u() < 0.5 ? -1 : 1) * (0.3 + 0.7 * u());
    const g = fillNormalish(allocate(d), 7919 * (t + 1) + d);
    for (let k = 0; k < d; k++) g[k] = scale * (g[k] + a * shared[k]);
    grads.push(g);
  }
  return grads;
}
