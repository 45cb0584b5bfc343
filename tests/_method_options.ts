// The options a suite that runs every method passes to a method on T tasks: none for most, the
// required ones of Krum, Constant and the trimmed mean from their claims' testOptions
// (methods/types.ts); null where the method cannot run on T tasks (Krum below three).

import { registry } from "../methods/registry.ts";
import type { Method } from "../vocabulary/methods.ts";

/** The method's test options for T tasks, or null where it cannot run on T tasks. */
export function testOptionsFor(method: Method, T: number): Record<string, unknown> | null {
  const testOptions = registry[method].claims.testOptions;
  const given = testOptions === undefined ? {} : testOptions(T);
  return given === null ? null : { ...given };
}
