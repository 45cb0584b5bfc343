/**
 * The one overflow policy, shared by every entry point (plain, split phase, parallel, tf.js and the
 * edge worker, which reports it as a JSON error): inputs are finite float32, so a non-finite update
 * value means Σ_t w_t g_t left float32's range. That is a RangeError naming the index and the
 * float64 value, never an Infinity handed to an optimizer.
 * @module
 */

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Whether Σ_t |w_t| ‖g_t‖ (the largest any update value can be, from the Gramian's diagonal)
 * stays safely inside float32: then no update value can overflow and nothing needs reading.
 */
export function updateCannotOverflow(G: Float64Array, T: number, w: ArrayLike<number>): boolean {
  let bound = 0;
  for (let t = 0; t < T; t++) bound += Math.abs(w[t]) * Math.sqrt(Math.max(G[t * T + t], 0));
  // 1e-6 covers the float32 roundings of the products and sums on the way.
  return bound * (1 + 1e-6) < FLOAT32_MAX;
}

/**
 * Throws the error for the first non-finite value of `out` = Σ_t w[t] rows[t] (no-op when
 * `finite`, as the kernels report while writing): a non-finite input names its task and index,
 * otherwise the update overflowed float32 at `where(k)`.
 */
export function checkUpdate(
  out: Float32Array,
  finite: boolean,
  rows: readonly Float32Array[],
  w: ArrayLike<number>,
  action: string,
  where: (k: number) => string = (k) => `index ${k}`,
): void {
  if (finite) return;
  for (let k = 0; k < out.length; k++) {
    if (Number.isFinite(out[k])) continue;
    const t = rows.findIndex((g) => !Number.isFinite(g[k]));
    if (t >= 0) {
      throw new RangeError(
        `Cannot ${action}: task ${t} has a non-finite value at index ${k}: ${rows[t][k]}`,
      );
    }
    let exact = 0;
    for (let r = 0; r < rows.length; r++) exact += w[r] * rows[r][k];
    throw overflowError(action, where(k), exact);
  }
}

/** The overflow error: where, and the float64 value float32 cannot hold. */
export function overflowError(action: string, where: string, value: number): RangeError {
  return new RangeError(
    `Cannot ${action}: the update overflows float32 at ${where}: ${value} is beyond ±${FLOAT32_MAX}`,
  );
}
