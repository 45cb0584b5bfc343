/**
 * Non-finite detection without an extra pass: a NaN or ±Infinity anywhere in task t makes G[t][t]
 * non-finite, so only then is task t scanned to name the index.
 * @module
 */

/**
 * Throws a RangeError naming the first non-finite value of the first task whose squared norm is
 * not finite. Returns the tasks whose squared norm overflowed although every value is finite
 * (|values| near 1.8e19 overflow float32 squares); the caller recomputes the Gram in float64 then.
 */
export function checkFinite(
  grads: readonly Float32Array[],
  G: Float64Array,
  what: string,
): number[] {
  const T = grads.length;
  const overflowed: number[] = [];
  for (let t = 0; t < T; t++) {
    if (Number.isFinite(G[t * T + t])) continue;
    const g = grads[t];
    for (let k = 0; k < g.length; k++) {
      if (!Number.isFinite(g[k])) {
        throw new RangeError(
          `Cannot ${what}: task ${t} has a non-finite value at index ${k}: ${g[k]}`,
        );
      }
    }
    overflowed.push(t);
  }
  return overflowed;
}
