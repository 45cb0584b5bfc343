/**
 * Deterministic task gradients for checks that must give the same inputs in every runtime (the
 * browser page, Deno, Node): values in [−1, 1) from an integer hash, no Math functions, no
 * randomness, and the last task turned against the first so that the tasks conflict.
 * @module
 */

/** T gradients of length d; `salt` picks another set of the same shape. */
export function taskGradients(T: number, d: number, salt = 0): Float32Array[] {
  const grads = Array.from({ length: T }, (_, t) =>
    Float32Array.from({ length: d }, (_, k) => {
      let h = Math.imul(t * 7919 + salt * 104729 + k + 1, 2654435761) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
      return (h >>> 8) / 2 ** 23 - 1;
    }));
  if (T > 1) {
    for (let k = 0; k < d; k++) grads[T - 1][k] = 0.5 * grads[T - 1][k] - grads[0][k];
  }
  return grads;
}
