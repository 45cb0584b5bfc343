/**
 * Input checks shared by the loss weightings of this folder: the messages name the caller's
 * action, the input and the value found, as everywhere in the library.
 * @module
 */

/** Throws a RangeError unless `values` holds `T` finite numbers above (or at) `min`. */
export function checkNumbers(
  values: readonly number[],
  name: string,
  T: number,
  min: number,
  strict: boolean,
  action: string,
): void {
  if (!Array.isArray(values) || values.length !== T) {
    throw new RangeError(
      `Cannot ${action}: ${name} must hold ${T} numbers, found ${
        Array.isArray(values) ? `${values.length} numbers` : String(values)
      }`,
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v) || (strict ? !(v > min) : !(v >= min))) {
      throw new RangeError(
        `Cannot ${action}: ${name}[${i}] must be a finite number ${
          strict ? ">" : "≥"
        } ${min}, found ${String(v)}`,
      );
    }
  });
}

/** Throws a RangeError unless `value` is a finite number above (or at) `min`. */
export function checkScalar(
  value: unknown,
  name: string,
  min: number,
  strict: boolean,
  action: string,
): number {
  if (
    typeof value !== "number" || !Number.isFinite(value) ||
    (strict ? !(value > min) : !(value >= min))
  ) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a finite number ${strict ? ">" : "≥"} ${min}, found ${
        String(value)
      }`,
    );
  }
  return value;
}
