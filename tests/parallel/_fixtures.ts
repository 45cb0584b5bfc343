// What the parallel tests share: a size that takes the threaded path, and their comparison.
import { PARALLEL_MIN_FLOATS } from "../../parallel/parallel_surgery.ts";

/** Tasks of the threaded steps. */
export const T = 5;
/** A length above the parallel threshold, not a multiple of the slice alignment. */
export const d = Math.ceil(PARALLEL_MIN_FLOATS / T) + 37;

/** Max |a − b| over max |b|: the threads' update against one thread's, float32 rounding apart. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1e-30;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return diff / scale;
}
