/**
 * Checks of grouped (layer-wise) surgery's boundaries: `groups: [0, a, b, …, d]` cuts the d
 * parameters into blocks [0, a), [a, b), …, each with its own Gramian and weights. The form is
 * checked where the option is given (creation), the last boundary against d at each call.
 * @module
 */

import { describe } from "./grads.ts";

/**
 * Checks the form of `groups`: an array of at least two integers, starting at 0 and strictly
 * increasing (RangeError naming the bad boundary and its value). Returns a frozen copy, or
 * undefined when not given.
 */
export function validateGroupBounds(
  groups: unknown,
  action: string,
): readonly number[] | undefined {
  if (groups === undefined) return undefined;
  if (!Array.isArray(groups)) {
    throw new TypeError(
      `Cannot ${action}: groups must be an array of boundaries [0, a, b, …, d], found ${
        describe(groups)
      }`,
    );
  }
  if (groups.length < 2) {
    throw new RangeError(
      `Cannot ${action}: groups must hold at least two boundaries (0 and d), found ${groups.length}`,
    );
  }
  groups.forEach((b, k) => {
    if (typeof b !== "number" || !Number.isSafeInteger(b)) {
      throw new TypeError(
        `Cannot ${action}: groups[${k}] must be an integer boundary, found ${describe(b)}`,
      );
    }
    if (k === 0 && b !== 0) {
      throw new RangeError(`Cannot ${action}: groups[0] must be 0, found ${b}`);
    }
    if (k > 0 && b <= groups[k - 1]) {
      throw new RangeError(
        `Cannot ${action}: groups must be strictly increasing, found groups[${k}] = ${b} after ${
          groups[k - 1]
        }`,
      );
    }
  });
  return Object.freeze([...groups as number[]]);
}

/** Checks that the last boundary is the gradients' length d. */
export function checkGroupsEnd(bounds: readonly number[], d: number, action: string): void {
  const last = bounds.length - 1;
  if (bounds[last] !== d) {
    throw new RangeError(
      `Cannot ${action}: groups must end at the gradients' length ${d}, found groups[${last}] = ${
        bounds[last]
      }`,
    );
  }
}
