// What a step of a method that needs more than the Gramian (kind "vectors") must bring besides
// the gradients, for the suites that run every registered method: unit losses where it needs
// losses, and the gradients themselves twice as its two extra batches (cross-Gramian = G) where it
// needs batches. Other methods get nothing.

import type { Method } from "../../mod.ts";
import { registry } from "../../methods/registry.ts";

/** The call options a step of `method` needs beyond the gradients (empty for most methods). */
export function extraInputs(
  method: Method,
  grads: readonly Float32Array[],
): { losses?: number[]; batches?: Float32Array[][] } {
  const definition = registry[method];
  if (definition.kind !== "vectors") return {};
  return {
    ...(definition.needs.losses ? { losses: grads.map(() => 1) } : {}),
    ...(definition.needs.batches ? { batches: [grads.slice(), grads.slice()] } : {}),
  };
}
