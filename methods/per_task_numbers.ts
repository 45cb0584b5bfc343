/**
 * The check shared by the options that give one finite number per task (ConFIG's `preference`,
 * Constant's `weights`): a wrong length or a NaN/±Infinity entry would silently give a NaN update.
 * @module
 */

/** Throws a RangeError naming `name` when `values` is not T finite numbers. */
export function checkPerTaskNumbers(
  name: string,
  values: ArrayLike<number>,
  T: number,
  action: string,
): void {
  if (values.length !== T) {
    throw new RangeError(
      `Cannot ${action}: ${name} has ${values.length} entries, expected ${T} (one per task)`,
    );
  }
  for (let t = 0; t < T; t++) {
    const x = values[t];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(`Cannot ${action}: ${name}[${t}] must be a finite number, found ${x}`);
    }
  }
}
