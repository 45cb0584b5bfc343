/**
 * The checks behind every option kind (methods/option_kinds.ts): each returns the value, or the
 * fallback when it is undefined, and otherwise throws naming the option and the value found
 * (TypeError for a wrong type, RangeError for a value out of range; docs/architecture.md "Errors
 * and limits").
 * @module
 */

import { describe } from "./grads.ts";

/** One of `allowed`, or `fallback` when undefined. */
export function oneOf<T extends string, F extends T | undefined = T>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: F,
  action: string,
): T | F {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new RangeError(
    `Cannot ${action}: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, found ${
      describe(value)
    }`,
  );
}

/**
 * A finite number in [min, max] (max Infinity: no upper bound), or `fallback` when undefined.
 * Infinity itself only where `infinite` says it means something (Nash-MTL's maxNorm: never
 * rescale); elsewhere it silently switches the option's effect off or turns the update into NaN.
 */
export function numberIn(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
  action: string,
  infinite = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, found ${describe(value)}`);
  }
  if (!(value >= min && value <= max) || (value === Infinity && !infinite)) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    const kind = max === Infinity && !infinite ? "a finite number" : "a number";
    throw new RangeError(`Cannot ${action}: ${name} must be ${kind} ${range}, found ${value}`);
  }
  return value;
}

/** An array of finite numbers (copied), each in [min, max]. */
export function numberArray(
  name: string,
  value: unknown,
  min: number,
  max: number,
  action: string,
): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an array of numbers (one per task), found ${
        describe(value)
      }`,
    );
  }
  return value.map((x, t) => {
    if (typeof x !== "number" || !Number.isFinite(x) || x < min || x > max) {
      const range = min === -Infinity ? "a finite number" : `a number in [${min}, ${max}]`;
      throw new RangeError(
        `Cannot ${action}: ${name}[${t}] must be ${range}, found ${describe(x)}`,
      );
    }
    return x;
  });
}

/** A boolean, or `fallback` when undefined. */
export function booleanOption(
  name: string,
  value: unknown,
  fallback: boolean,
  action: string,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot ${action}: ${name} must be a boolean, found ${describe(value)}`);
  }
  return value;
}

/** A whole number ≥ min (default 1), or `fallback` when undefined. */
export function wholeNumber(
  name: string,
  value: unknown,
  fallback: number,
  action: string,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a whole number ≥ ${min}, found ${describe(value)}`,
    );
  }
  return value;
}

/** A finite number > 0, or `fallback` when undefined. */
export function positiveNumber(
  name: string,
  value: unknown,
  fallback: number,
  action: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, found ${describe(value)}`);
  }
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`Cannot ${action}: ${name} must be a finite number > 0, found ${value}`);
  }
  return value;
}

/** Checks a per-task array against T, once T is known (other values pass). */
export function checkPerTaskLength(name: string, value: unknown, T: number, action: string) {
  if (Array.isArray(value) && value.length !== T) {
    throw new RangeError(
      `Cannot ${action}: ${name} has ${value.length} entries, expected ${T} (one per task)`,
    );
  }
}
