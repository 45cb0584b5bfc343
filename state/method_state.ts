/**
 * One method's entry of a saved state, checked by that method's own `restoreState`
 * (methods/registry.ts): the one place a restore learns which methods keep state.
 * @module
 */

import { registry } from "../methods/registry.ts";

/** What a restore needs of a definition: its checker of saved state, if it keeps any. */
type Restorable = { restoreState?(json: unknown, action: string): unknown };

/**
 * Checks the saved entry `json` of method `name` and returns it in the form the method's
 * weighting expects; an entry for a method that keeps no state (or no method) is a RangeError.
 */
export function restoreMethodState(name: string, json: unknown, action: string): unknown {
  const spec = (registry as Readonly<Record<string, Restorable | undefined>>)[name];
  if (spec?.restoreState === undefined) {
    throw new RangeError(
      `Cannot ${action}: method "${name}" keeps no state, found an entry for it`,
    );
  }
  return spec.restoreState(json, action);
}

/**
 * Method `name`'s state as plain JSON data (a deep copy): through the method's own `saveState`
 * when it keeps float32 rows (base64 text, methods/saved_rows.ts; a fresh copy, without a JSON
 * round trip of megabytes of text), else a JSON copy.
 */
export function saveMethodState(name: string, state: unknown): unknown {
  const spec = (registry as Readonly<Record<string, { saveState?(s: unknown): unknown }>>)[name];
  return spec?.saveState === undefined ? JSON.parse(JSON.stringify(state)) : spec.saveState(state);
}
