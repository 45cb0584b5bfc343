/**
 * `defineGramMethod` and `defineElementwiseMethod`: identity functions that let TypeScript infer a
 * definition's option table and shared options, so its weighting is typed by exactly the options it
 * receives (methods/types.ts).
 * @module
 */

import type { Method } from "../vocabulary/methods.ts";
import type { OptionTable } from "./option_kinds.ts";
import type {
  ElementwiseMethodDefinition,
  GramMethodDefinition,
  SharedOptions,
  VectorMethodDefinition,
} from "./types.ts";

/** A weighting of the Gramian, typed by its options and the shared options it asks for. */
export function defineGramMethod<
  const Name extends Method,
  const O extends OptionTable,
  const S extends keyof SharedOptions = never,
>(definition: GramMethodDefinition<Name, O, S>): GramMethodDefinition<Name, O, S> {
  return definition;
}

/** An elementwise method, typed by its options. */
export function defineElementwiseMethod<const Name extends Method, const O extends OptionTable>(
  definition: ElementwiseMethodDefinition<Name, O>,
): ElementwiseMethodDefinition<Name, O> {
  return definition;
}

/** A method that reads the gradient vectors (and may keep rows of them), typed by its options. */
export function defineVectorMethod<const Name extends Method, const O extends OptionTable>(
  definition: VectorMethodDefinition<Name, O>,
): VectorMethodDefinition<Name, O> {
  return definition;
}
