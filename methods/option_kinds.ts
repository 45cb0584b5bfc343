/**
 * The kinds of method option (a number in a range, a positive number, a whole number, one of a
 * list, a flag, one number per task, a number or one per task): each carries its default (or is
 * required: the user must give it, where the reference has no default), what it allows and a
 * one-line doc, and checks a given value with the checkers of validate/option_checks.ts, so every
 * option of every method fails with the same wording.
 * @module
 */

import {
  booleanOption,
  numberArray,
  numberIn,
  oneOf,
  positiveNumber,
  wholeNumber,
} from "../validate/option_checks.ts";

/**
 * One option of a method: `Input` is what the user may pass (MethodOptions), `Resolved` what the
 * method receives once the default is filled in.
 */
export interface OptionKind<Input, Resolved = Input> {
  /** One line for the docs: what the option does. */
  readonly doc: string;
  /**
   * The default (undefined: the method derives one from T, as its doc says, or the option is
   * required).
   */
  readonly default: Resolved | undefined;
  /**
   * No default: the user must give it (methods/options.ts refuses a missing one, naming the method
   * and what the option allows).
   */
  readonly required?: boolean;
  /** What values are allowed, in words. */
  readonly allowed: string;
  /** One number per task: its length is checked against T once T is known. */
  readonly perTask: boolean;
  /** The given value checked (`undefined` gives the default); throws naming `name`. */
  resolve(value: unknown, name: string, action: string): Resolved;
  /** Type only, never set: what the user passes. */
  readonly input?: Input;
}

/** Any option kind (for tables of them). */
// deno-lint-ignore no-explicit-any
export type AnyOptionKind = OptionKind<any, any>;

/** A method's options: name → kind. */
export type OptionTable = Readonly<Record<string, AnyOptionKind>>;

/** The options a method receives: every option of its table, resolved. */
export type ResolvedOptionsOf<O extends OptionTable> = {
  readonly [K in keyof O]: O[K] extends OptionKind<unknown, infer R> ? R : never;
};

/** The options a user may pass for a table (each optional). */
export type InputOptionsOf<O extends OptionTable> = {
  [K in keyof O]?: O[K] extends OptionKind<infer I, unknown> ? Exclude<I, undefined> : never;
};

const range = (min: number, max: number) => max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;

/**
 * A number in [min, max] (max Infinity: no upper bound). Infinity itself only where `infinite`
 * says it means something (Nash-MTL's maxNorm: never rescale).
 */
export function numberInRange(
  spec: { min: number; max?: number; infinite?: boolean; default: number; doc: string },
): OptionKind<number> {
  const max = spec.max ?? Infinity;
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: `a number ${range(spec.min, max)}${spec.infinite ? " (Infinity allowed)" : ""}`,
    perTask: false,
    resolve: (value, name, action) =>
      numberIn(name, value, spec.min, max, spec.default, action, spec.infinite),
  };
}

/** A finite number > 0 (where 0 itself means nothing: FairGrad's α). */
export function positiveNumberOption(spec: { default: number; doc: string }): OptionKind<number> {
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: "a finite number > 0",
    perTask: false,
    resolve: (value, name, action) => positiveNumber(name, value, spec.default, action),
  };
}

/** A whole number ≥ min (default 1). */
export function wholeNumberOption(
  spec: { min?: number; default: number; doc: string },
): OptionKind<number> {
  const min = spec.min ?? 1;
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: `a whole number ≥ ${min}`,
    perTask: false,
    resolve: (value, name, action) => wholeNumber(name, value, spec.default, action, min),
  };
}

/** A whole number ≥ min that the user must give (Krum's byzantine, the trimmed mean's trim). */
export function requiredWholeNumber(spec: { min: number; doc: string }): OptionKind<number> {
  return {
    doc: spec.doc,
    default: undefined,
    required: true,
    allowed: `a whole number ≥ ${spec.min}`,
    perTask: false,
    resolve: (value, name, action) => wholeNumber(name, value, NaN, action, spec.min),
  };
}

/** One of the strings `values`; the default may be undefined (nothing chosen). */
export function oneOfOption<const T extends string, D extends T | undefined>(
  values: readonly T[],
  spec: { default: D; doc: string },
): OptionKind<T, T | D> {
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: values.map((v) => `"${v}"`).join(", "),
    perTask: false,
    resolve: (value, name, action) => oneOf<T, T | D>(name, value, values, spec.default, action),
  };
}

/** true or false. */
export function flagOption(spec: { default: boolean; doc: string }): OptionKind<boolean> {
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: "true or false",
    perTask: false,
    resolve: (value, name, action) => booleanOption(name, value, spec.default, action),
  };
}

/** One finite number per task (copied); no default: the method picks one from T. */
export function perTaskNumbers(
  spec: { doc: string },
): OptionKind<readonly number[], readonly number[] | undefined> {
  return {
    doc: spec.doc,
    default: undefined,
    allowed: "one finite number per task",
    perTask: true,
    resolve: (value, name, action) =>
      value === undefined ? undefined : numberArray(name, value, -Infinity, Infinity, action),
  };
}

/** One finite number per task (copied), which the user must give (Constant's weights). */
export function requiredPerTaskNumbers(spec: { doc: string }): OptionKind<readonly number[]> {
  return {
    doc: spec.doc,
    default: undefined,
    required: true,
    allowed: "one finite number per task",
    perTask: true,
    resolve: (value, name, action) => numberArray(name, value, -Infinity, Infinity, action),
  };
}

/** A number in [min, max] for every task, or one such number per task. */
export function numberOrPerTask(
  spec: { min: number; max: number; default: number; doc: string },
): OptionKind<number | readonly number[]> {
  return {
    doc: spec.doc,
    default: spec.default,
    allowed: `a number ${range(spec.min, spec.max)}, or one per task`,
    perTask: true,
    resolve: (value, name, action) =>
      typeof value === "number" || value === undefined
        ? numberIn(name, value, spec.min, spec.max, spec.default, action)
        : numberArray(name, value, spec.min, spec.max, action),
  };
}
