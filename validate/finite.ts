/**
 * Non-finite detection without an extra pass, and when the float32-accumulated Gramian must be
 * redone in float64: a NaN or ±Infinity anywhere in task t makes G[t][t] non-finite, so only then
 * is task t scanned to name the index; a tiny G[t][t] means task t's float32 products left the
 * normal range, so only then is task t scanned for a non-zero value.
 * @module
 */

/**
 * Below this per coordinate (G[t][t] < d · UNDERFLOW_SQUARE), float32 products of task t fall under
 * float32's normal range (1.2e-38), where they lose precision or vanish: values under about 1e-18.
 */
export const UNDERFLOW_SQUARE = 1e-36;

/**
 * Throws a RangeError naming the first non-finite value of the first task whose squared norm is
 * not finite. Returns whether G must be recomputed in float64: some task's finite values have
 * float32 squares that overflow (|values| near 1.8e19 and above) or underflow (a non-zero task
 * whose squares sum below d · UNDERFLOW_SQUARE). An all-zero task needs nothing.
 */
export function gramNeedsFloat64(
  grads: readonly Float32Array[],
  G: Float64Array,
  action: string,
): boolean {
  const T = grads.length;
  let redo = false;
  for (let t = 0; t < T; t++) {
    const g = grads[t];
    const sq = G[t * T + t];
    if (Number.isFinite(sq)) {
      if (!redo && sq < g.length * UNDERFLOW_SQUARE) redo = g.some((x) => x !== 0);
      continue;
    }
    for (let k = 0; k < g.length; k++) {
      if (!Number.isFinite(g[k])) {
        throw new RangeError(
          `Cannot ${action}: task ${t} has a non-finite value at index ${k}: ${g[k]}`,
        );
      }
    }
    redo = true;
  }
  return redo;
}
