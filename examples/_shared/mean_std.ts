/**
 * "mean ± std" of repeated measurements (the sample standard deviation), as the demos' tables
 * print them; a single value is printed alone, since one run has no spread to report.
 * @module
 */

/** `values`' mean ± sample standard deviation with `digits` decimals; the value alone if only one. */
export function meanStd(values: readonly number[], digits = 2): string {
  if (values.length === 0) throw new RangeError("Cannot summarise: no values");
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return mean.toFixed(digits);
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return `${mean.toFixed(digits)} ± ${Math.sqrt(variance).toFixed(digits)}`;
}
