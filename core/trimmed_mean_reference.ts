/**
 * Pure-TypeScript reference of the coordinate-wise trimmed mean (Yin, Chen, Ramchandran & Bartlett,
 * "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", ICML 2018), as
 * TorchJD's `TrimmedMean` (torchjd commit 2d7bf7f8b41aa4c61faeda59453d59258cecda6d,
 * src/torchjd/aggregation/_trimmed_mean.py; the documented example is from
 * 165bdd81e7f3044b4912966c7fb4032a90c6d8c4, trimmed_mean.py): for each coordinate k, sort
 * g_1[k], …, g_T[k], drop the `trim` smallest and the `trim` largest (TorchJD's trim_number, no
 * default) and average the T − 2·trim left. It needs T > 2·trim (TorchJD: at least 2·trim + 1
 * rows). Elementwise, so not a weighting of the Gramian: the update of each coordinate is the mean
 * of a coordinate-dependent subset of tasks.
 *
 * Arithmetic, fixed so that the SIMD kernel (core/assembly/trimmed_mean.ts) gives the same bits:
 * the order is IEEE-754 totalOrder without NaN (−0 before +0, as the typed arrays' sort and WASM's
 * f32.min/f32.max order them; both are defined on finite or infinite values only, a NaN is the
 * caller's to reject), the kept values are summed in ascending order starting from the smallest
 * kept one (so a sum of −0 stays −0), and the sum is divided by T − 2·trim, each step rounded to
 * the precision of `out` (float32 for a Float32Array, where every input value is rounded to
 * float32 first, float64 for a Float64Array).
 * @module
 */

/** Throws a RangeError unless trim is a whole number ≥ 0 with T > 2·trim. */
export function checkTrim(T: number, trim: number, action: string): void {
  if (!Number.isInteger(trim) || trim < 0) {
    throw new RangeError(`Cannot ${action}: trim must be a whole number ≥ 0, found ${trim}`);
  }
  if (!(T > 2 * trim)) {
    throw new RangeError(
      `Cannot ${action}: trim must be below half the number of tasks ${T} (T > 2·trim), found ${trim}`,
    );
  }
}

/**
 * The trimmed mean of the T rows, coordinate by coordinate, into `out` (rows at least
 * out.length long). Throws a RangeError naming `trim` when trim is not a whole number with
 * T > 2·trim.
 */
export function trimmedMeanReference(
  rows: readonly ArrayLike<number>[],
  trim: number,
  out: Float32Array | Float64Array,
  action = "run surgery",
): void {
  const T = rows.length;
  checkTrim(T, trim, action);
  const single = out instanceof Float32Array;
  const round = single ? Math.fround : (x: number) => x;
  const column = single ? new Float32Array(T) : new Float64Array(T);
  const count = T - 2 * trim;
  for (let k = 0; k < out.length; k++) {
    for (let t = 0; t < T; t++) column[t] = rows[t][k];
    column.sort();
    let s = column[trim];
    for (let r = trim + 1; r < T - trim; r++) s = round(s + column[r]);
    out[k] = round(s / count);
  }
}
