/**
 * One method's entry of a saved state, checked by that method's own `restoreState`
 * (methods/registry.ts): the one place a restore learns which methods keep state.
 * @module
 */

import { methods } from "../methods/registry.ts";
import type { MethodSpec } from "../methods/types.ts";

/**
 * Checks the saved entry `json` of method `name` and returns it in the form the method's
 * weighting expects; an entry for a method that keeps no state (or no method) is a RangeError.
 */
export function restoreMethodState(name: string, json: unknown, action: string): unknown {
  const spec = (methods as Readonly<Record<string, MethodSpec | undefined>>)[name];
  if (spec?.restoreState === undefined) {
    throw new RangeError(
      `Cannot ${action}: method "${name}" keeps no state, found an entry for it`,
    );
  }
  return spec.restoreState(json, action);
}
