/**
 * Timing helpers shared by the benchmarks: medians, wall-clock timing, argument lists.
 * @module
 */

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall-clock milliseconds of one call. */
export function timeMs(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** Wall-clock milliseconds of one awaited call. */
export async function timeMsAsync(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Parses "2,8,1e6" into positive integers; a RangeError names the flag otherwise. */
export function parseList(arg: string, name: string): number[] {
  const values = arg.split(",").map((s) => Number(s.trim()));
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`--${name}: expected positive integers, found ${JSON.stringify(arg)}`);
    }
  }
  return values;
}
