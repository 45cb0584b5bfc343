/**
 * Checks and defaults of the options shared by every entry point (RangeError naming the option and
 * the value found; docs/architecture.md "Errors and limits").
 * @module
 */

import { PRESETS } from "../methods/presets.ts";
import { describe, integerIn } from "./grads.ts";
import { checkKeys } from "./keys.ts";
import {
  APPLIES_TO,
  type MethodOptions,
  oneOf,
  type ResolvedMethodOptions,
  resolveMethodOptions,
} from "./method_options.ts";

/**
 * The methods (docs/methods.md); "graddrop" is the one elementwise method.
 *
 * @example Every method on the same gradients
 * ```ts
 * import { METHODS, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * for (const method of METHODS) {
 *   const update = surgery(grads, { method });
 *   assert.ok(update.every(Number.isFinite), method);
 * }
 * assert.ok(METHODS.includes("pcgrad"));
 * ```
 */
export const METHODS = [
  "pcgrad",
  "sum",
  "mean",
  "mgda",
  "cagrad",
  "gradvac",
  "imtl-g",
  "nash-mtl",
  "aligned-mtl",
  "upgrad",
  "dualproj",
  "graddrop",
  "rlw",
] as const;
/**
 * How the weighted task gradients are reduced: Σ (paper, Algorithm 1) or Σ / T.
 *
 * @example Checking a setting read from a config file
 * ```ts
 * import { type Reduction, REDUCTIONS } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const isReduction = (s: string): s is Reduction => (REDUCTIONS as readonly string[]).includes(s);
 * assert.ok(isReduction("mean"));
 * assert.ok(!isReduction("max"));
 * ```
 */
export const REDUCTIONS = ["sum", "mean"] as const;
/**
 * PCGrad's Meta-World ablation (Yu et al., §5.2): full update, its direction only, its size only.
 *
 * @example The ablation variants side by side
 * ```ts
 * import { surgery, VARIANTS } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * const updates = VARIANTS.map((variant) => surgery(grads, { variant }));
 * assert.equal(updates.length, 3);
 * assert.deepEqual(Array.from(updates[0]), [0.5, 1.5]); // "full" is plain PCGrad
 * ```
 */
export const VARIANTS = ["full", "direction", "magnitude"] as const;

/**
 * A method: "pcgrad" (default), the baselines "sum" and "mean", or a relative (docs/methods.md).
 *
 * @example Choosing a method and its options
 * ```ts
 * import { type Method, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const method: Method = "cagrad";
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], { method, c: 0.4 });
 * assert.equal(update.length, 2);
 * ```
 */
export type Method = typeof METHODS[number];
/**
 * "sum" (default, Algorithm 1) or "mean" (divide the update by T).
 *
 * @example Sum (Algorithm 1) against mean
 * ```ts
 * import { type Reduction, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * const [sum, mean] = (["sum", "mean"] as Reduction[]).map((reduction) =>
 *   surgery(grads, { reduction })
 * );
 * assert.deepEqual(Array.from(mean), Array.from(sum, (x) => x / 2));
 * ```
 */
export type Reduction = typeof REDUCTIONS[number];
/**
 * "full" (default), "direction" or "magnitude" (Yu et al. 2020, §5.2; docs/methods.md).
 *
 * @example PCGrad's direction with the plain sum's length
 * ```ts
 * import { surgery, type Variant } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([3, 0]), new Float32Array([-1, 1])];
 * const variant: Variant = "direction";
 * const update = surgery(grads, { variant });
 * const sumNorm = Math.hypot(3 - 1, 0 + 1);
 * assert.ok(Math.abs(Math.hypot(update[0], update[1]) - sumNorm) < 1e-6);
 * ```
 */
export type Variant = typeof VARIANTS[number];
/**
 * Order in which task i visits the other tasks: "random" (default: a fresh seeded permutation
 * per i, paper Algorithm 1), "fixed" (ascending j), or explicit lists where `order[i]` names
 * every j ≠ i once, in visiting order.
 *
 * @example An explicit visiting order
 * ```ts
 * import { createSurgery, type Order } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const order: Order = [[2, 1], [0, 2], [1, 0]]; // order[i] lists every j ≠ i once
 * const pcgrad = createSurgery({ order });
 * pcgrad.surgery([
 *   new Float32Array([1, 0, 0]),
 *   new Float32Array([-1, 1, 0]),
 *   new Float32Array([0, -1, 1]),
 * ]);
 * assert.deepEqual(pcgrad.stats?.orders, order);
 * ```
 */
export type Order = "random" | "fixed" | readonly (readonly number[])[];

/**
 * Options of the weighting step (everything but `out` and `losses`).
 *
 * @example The same options for the split phase
 * ```ts
 * import { accumulateGram, surgeryWeights, type WeightOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: WeightOptions = { method: "pcgrad", reduction: "mean", seed: 3 };
 * const gram = accumulateGram([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * assert.deepEqual(Array.from(surgeryWeights(gram, options).weights), [1, 0.75]);
 * ```
 */
export interface WeightOptions extends MethodOptions {
  /** Method; default "pcgrad". */
  method?: Method;
  /** Reduction of the weighted sum; default "sum" as in the paper (or the preset's). */
  reduction?: Reduction;
  /** PCGrad ablation variant; default "full". */
  variant?: Variant;
  /** Task visiting order (PCGrad, GradVac); default "random" (or the preset's). */
  order?: Order;
  /** Seed of the random stream (any finite number); default 0. */
  seed?: number;
}

/** Options with defaults filled in. */
export interface ResolvedOptions extends ResolvedMethodOptions {
  method: Method;
  reduction: Reduction;
  variant: Variant;
  order: Order;
  seed: number;
}

/** Every key of {@linkcode WeightOptions}. */
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
  const specific = resolveMethodOptions(o, method, action);
  const preset = PRESETS[specific.preset ?? "paper"];
  const order = o.order ?? preset.order;
  if (order !== "random" && order !== "fixed" && !Array.isArray(order)) {
    throw new RangeError(
      `Cannot ${action}: order must be "random", "fixed" or an array of arrays, found ${
        describe(order)
      }`,
    );
  }
  const variant = oneOf("variant", o.variant, VARIANTS, "full", action);
  if (method === "graddrop" && variant !== "full") {
    throw new RangeError(
      `Cannot ${action}: variant must be "full" for the elementwise method "graddrop", found "${variant}"`,
    );
  }
  return {
    ...specific,
    method,
    reduction: oneOf("reduction", o.reduction, REDUCTIONS, preset.reduction, action),
    variant,
    order: order as Order,
    seed,
  };
}

/**
 * Checks an explicit order against T: T lists, list i holding every j ≠ i exactly once (and i
 * itself once too when `selfProjection` is on).
 */
export function validateOrder(
  order: readonly (readonly number[])[],
  T: number,
  action: string,
  selfProjection = false,
) {
  const length = selfProjection ? T : T - 1;
  if (order.length !== T) {
    throw new RangeError(
      `Cannot ${action}: order must hold one list per task (${T}), found ${order.length} lists`,
    );
  }
  for (let i = 0; i < T; i++) {
    const list = order[i];
    if (!Array.isArray(list)) {
      throw new RangeError(
        `Cannot ${action}: order[${i}] must be an array of task indices, found ${describe(list)}`,
      );
    }
    if (list.length !== length) {
      throw new RangeError(
        `Cannot ${action}: order[${i}] must list the ${length} ${
          selfProjection ? "tasks (itself included, selfProjection is on)" : "other tasks"
        }, found ${list.length} entries`,
      );
    }
    const seen = new Set<number>();
    for (const j of list) {
      if (!Number.isInteger(j) || j < 0 || j >= T) {
        throw new RangeError(
          `Cannot ${action}: order[${i}] holds ${describe(j)}, expected a task index in [0, ${T})`,
        );
      }
      if (j === i && !selfProjection) {
        throw new RangeError(`Cannot ${action}: order[${i}] lists task ${i} itself`);
      }
      if (seen.has(j)) throw new RangeError(`Cannot ${action}: order[${i}] lists task ${j} twice`);
      seen.add(j);
    }
  }
}

/**
 * Checks the per-call task losses: an array of T finite numbers (copied). Methods that divide by
 * a loss check its sign themselves.
 */
export function validateLosses(losses: unknown, T: number, action: string): number[] {
  if (!Array.isArray(losses) && !(ArrayBuffer.isView(losses) && !(losses instanceof DataView))) {
    throw new TypeError(
      `Cannot ${action}: losses must be an array of numbers (one per task), found ${
        describe(losses)
      }`,
    );
  }
  const list = Array.from(losses as ArrayLike<unknown>);
  if (list.length !== T) {
    throw new RangeError(
      `Cannot ${action}: losses has ${list.length} entries, expected ${T} (one per task)`,
    );
  }
  return list.map((x, t) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(
        `Cannot ${action}: losses[${t}] must be a finite number, found ${describe(x)}`,
      );
    }
    return x;
  });
}

/**
 * Most threads a parallel surgery takes: far beyond any memory bus's use, and within what its
 * chunk queues can count (parallel/_protocol.ts MAX_CHUNKS).
 */
export const MAX_THREADS = 256;

/**
 * Checks the `threads` option of the parallel surgery (parallel/): undefined (the default) or an
 * integer from 1 to MAX_THREADS.
 */
export function validateThreads(threads: unknown, action: string): number | undefined {
  return threads === undefined ? undefined : integerIn(threads, "threads", 1, MAX_THREADS, action);
}
