/**
 * The weighting options resolved against the registry (methods/registry.ts): which option applies
 * to which method, the keys every entry point accepts, the defaults, and the checks of the option
 * values (validate/option_checks.ts). RangeError names the option and the value found
 * (docs/architecture.md "Errors and limits"); an option given for a method it does not apply to is
 * an error, so a typo in `method` cannot silently drop a setting.
 * @module
 */

import { describe } from "../validate/grads.ts";
import { checkKeys } from "../validate/keys.ts";
import { checkPerTaskLength, oneOf } from "../validate/option_checks.ts";
import { type Method, METHODS } from "../vocabulary/methods.ts";
import {
  type Order,
  type Reduction,
  REDUCTIONS,
  type Variant,
  VARIANTS,
} from "../vocabulary/options.ts";
import type { AnyOptionKind, OptionTable, ResolvedOptionsOf } from "./option_kinds.ts";
import { PRESETS } from "./presets.ts";
import { registry, type ResolvedMethodOptions } from "./registry.ts";
import type {
  ElementwiseMethodDefinition,
  GramMethodDefinition,
  MethodDefinition,
  SharedOptions,
} from "./types.ts";

/** Options with defaults filled in: the shared ones and every method's own. */
export type ResolvedOptions = ResolvedMethodOptions & {
  method: Method;
  reduction: Reduction;
  variant: Variant;
  order: Order;
  seed: number;
};

const definitions: readonly MethodDefinition[] = Object.values(registry);

/** Which methods each option applies to, in registry order. */
export const APPLIES_TO: Readonly<Record<string, readonly Method[]>> = (() => {
  const table: Record<string, Method[]> = {};
  for (const definition of definitions) {
    for (const key of Object.keys(definition.options)) (table[key] ??= []).push(definition.name);
  }
  return table;
})();

/** The kind of each option (the first definition's; those sharing a name agree, a test checks). */
const KINDS: Readonly<Record<string, AnyOptionKind>> = Object.fromEntries(
  Object.keys(APPLIES_TO).map((key) => [key, registry[APPLIES_TO[key][0]].options[key]]),
);

/** Every key of WeightOptions (vocabulary/options.ts), the method-specific ones in registry order. */
export const WEIGHT_OPTION_KEYS: readonly string[] = [
  "method",
  "reduction",
  "variant",
  "order",
  "seed",
  ...Object.keys(APPLIES_TO),
];

/**
 * Hints for weighting options (and `extraKeys`) given to a per-call options object: they are fixed
 * when the stateful object is created by `create` (e.g. "createSurgery").
 */
export function creationHints(
  create: string,
  extraKeys: readonly string[] = [],
): Record<string, string> {
  return Object.fromEntries(
    [...WEIGHT_OPTION_KEYS, ...extraKeys].map((
      key,
    ) => [key, `set it when creating: ${create}({ ${key} })`]),
  );
}

/**
 * Whether `method` works on the gradients elementwise (GradDrop, the trimmed mean) instead of
 * weighting them.
 */
export function isElementwise(method: Method): boolean {
  return registry[method].kind === "elementwise";
}

/**
 * Checks the method-specific options against the method and fills in defaults: the chosen
 * method's own from its definition (and what its `defaultsFrom` decides), every other option's
 * default from its kind. Also returns the shared defaults the method decides (PCGrad's preset).
 */
function resolveMethodOptions(
  o: Record<string, unknown>,
  method: Method,
  action: string,
): { own: ResolvedMethodOptions; shared: { order?: Order; reduction?: Reduction } } {
  for (const key of Object.keys(APPLIES_TO)) {
    if (o[key] !== undefined && !APPLIES_TO[key].includes(method)) {
      throw new RangeError(
        `Cannot ${action}: option ${key} applies to method ${
          APPLIES_TO[key].map((m) => `"${m}"`).join(" or ")
        }, found method "${method}"`,
      );
    }
  }
  const definition = registry[method];
  const own: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(definition.options)) {
    if (kind.required && o[key] === undefined) {
      throw new TypeError(
        `Cannot ${action}: method "${method}" needs option ${key} (${kind.allowed}), found undefined`,
      );
    }
    own[key] = kind.resolve(o[key], key, action);
  }
  const decided = definition.defaultsFrom?.(own) ?? {};
  for (const [key, value] of Object.entries(decided.own ?? {})) {
    if (o[key] === undefined) own[key] = value;
  }
  const all: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(KINDS)) all[key] = key in own ? own[key] : kind.default;
  return { own: all as ResolvedMethodOptions, shared: decided.shared ?? {} };
}

/**
 * Checks every weighting option that does not depend on T, and fills in defaults. `extraKeys` are
 * the entry point's own options beside the weighting ones (`out`, `losses`, `threads`…): any other
 * key is a RangeError (see validate/keys.ts); `elsewhere` hints where a misplaced key belongs.
 */
export function resolveOptions(
  options: unknown,
  action: string,
  extraKeys: readonly string[] = [],
  elsewhere: Readonly<Record<string, string>> = {},
): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  checkKeys(options, [...WEIGHT_OPTION_KEYS, ...extraKeys], action, elsewhere);
  const o = options as Record<string, unknown>;
  const seed = o.seed ?? 0;
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new RangeError(`Cannot ${action}: seed must be a finite number, found ${describe(seed)}`);
  }
  const method = oneOf("method", o.method, METHODS, "pcgrad", action);
  const { own, shared } = resolveMethodOptions(o, method, action);
  const order = o.order ?? shared.order ?? PRESETS.paper.order;
  if (order !== "random" && order !== "fixed" && !Array.isArray(order)) {
    throw new RangeError(
      `Cannot ${action}: order must be "random", "fixed" or an array of arrays, found ${
        describe(order)
      }`,
    );
  }
  const variant = oneOf("variant", o.variant, VARIANTS, "full", action);
  if (isElementwise(method) && variant !== "full") {
    throw new RangeError(
      `Cannot ${action}: variant must be "full" for the elementwise method "${method}", found "${variant}"`,
    );
  }
  if (registry[method].kind === "vectors" && variant !== "full") {
    throw new RangeError(
      `Cannot ${action}: variant must be "full" for method "${method}", which needs more than the Gramian, found "${variant}"`,
    );
  }
  const reduction = shared.reduction ?? PRESETS.paper.reduction;
  return {
    ...own,
    method,
    reduction: oneOf("reduction", o.reduction, REDUCTIONS, reduction, action),
    variant,
    order: order as Order,
    seed,
  };
}

/** Checks the chosen method's per-task options against T (once T is known). */
export function checkPerTaskOptions(options: ResolvedOptions, T: number, action: string) {
  const values = options as unknown as Record<string, unknown>;
  for (const [key, kind] of Object.entries(registry[options.method].options)) {
    if (kind.perTask) checkPerTaskLength(key, values[key], T, action);
  }
}

/**
 * The options a method receives: its own (resolved) and the shared ones it asks for, nothing else
 * (docs/architecture.md "Methods and options").
 */
export function ownOptions(
  definition: GramMethodDefinition,
  options: ResolvedOptions,
): ResolvedOptionsOf<OptionTable> & SharedOptions;
export function ownOptions(
  definition: ElementwiseMethodDefinition,
  options: ResolvedOptions,
): ResolvedOptionsOf<OptionTable>;
export function ownOptions(
  definition: MethodDefinition,
  options: ResolvedOptions,
): ResolvedOptionsOf<OptionTable>;
export function ownOptions(
  definition: MethodDefinition,
  options: ResolvedOptions,
): ResolvedOptionsOf<OptionTable> {
  const values = options as unknown as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(definition.options)) own[key] = values[key];
  if (definition.kind === "gram") { for (const key of definition.shared) own[key] = values[key]; }
  return own;
}
