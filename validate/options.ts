/**
 * Checks and defaults of the options shared by every entry point (RangeError naming the option and
 * the value found; DESIGN.md "Errors at the boundary").
 * @module
 */

import { describe } from "./grads.ts";

/** The weighting methods. */
export const METHODS = ["pcgrad", "sum", "mean"] as const;
/** How the weighted task gradients are reduced: Σ (paper, Algorithm 1) or Σ / T. */
export const REDUCTIONS = ["sum", "mean"] as const;
/** PCGrad's Meta-World ablation (PAPER.md §2): full update, its direction only, its size only. */
export const VARIANTS = ["full", "direction", "magnitude"] as const;

/** A weighting method: "pcgrad" (default), or the baselines "sum" and "mean". */
export type Method = typeof METHODS[number];
/** "sum" (default, Algorithm 1) or "mean" (divide the update by T). */
export type Reduction = typeof REDUCTIONS[number];
/** "full" (default), "direction" or "magnitude" (PAPER.md §2). */
export type Variant = typeof VARIANTS[number];
/**
 * Order in which task i visits the other tasks: "random" (default: a fresh seeded permutation
 * per i, paper Algorithm 1), "fixed" (ascending j), or explicit lists where `order[i]` names
 * every j ≠ i once, in visiting order.
 */
export type Order = "random" | "fixed" | readonly (readonly number[])[];

/** Options of the weighting step (everything but `out`). */
export interface WeightOptions {
  /** Weighting method; default "pcgrad". */
  method?: Method;
  /** Reduction of the weighted sum; default "sum" as in the paper. */
  reduction?: Reduction;
  /** PCGrad ablation variant; default "full". */
  variant?: Variant;
  /** Task visiting order; default "random". */
  order?: Order;
  /** Seed of the order stream (any finite number); default 0. */
  seed?: number;
}

/** Options with defaults filled in. */
export interface ResolvedOptions {
  method: Method;
  reduction: Reduction;
  variant: Variant;
  order: Order;
  seed: number;
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  what: string,
): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new RangeError(
    `Cannot ${what}: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, found ${
      describe(value)
    }`,
  );
}

/** Checks every weighting option that does not depend on T, and fills in defaults. */
export function resolveOptions(options: unknown, what: string): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") {
    throw new TypeError(`Cannot ${what}: options must be an object, found ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  const seed = o.seed ?? 0;
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new RangeError(`Cannot ${what}: seed must be a finite number, found ${describe(seed)}`);
  }
  const order = o.order ?? "random";
  if (order !== "random" && order !== "fixed" && !Array.isArray(order)) {
    throw new RangeError(
      `Cannot ${what}: order must be "random", "fixed" or an array of arrays, found ${
        describe(order)
      }`,
    );
  }
  return {
    method: oneOf("method", o.method, METHODS, "pcgrad", what),
    reduction: oneOf("reduction", o.reduction, REDUCTIONS, "sum", what),
    variant: oneOf("variant", o.variant, VARIANTS, "full", what),
    order: order as Order,
    seed,
  };
}

/**
 * Checks an explicit order against T: T lists, list i holding every j ≠ i exactly once.
 */
export function validateOrder(order: readonly (readonly number[])[], T: number, what: string) {
  if (order.length !== T) {
    throw new RangeError(
      `Cannot ${what}: order must hold one list per task (${T}), found ${order.length} lists`,
    );
  }
  for (let i = 0; i < T; i++) {
    const list = order[i];
    if (!Array.isArray(list)) {
      throw new RangeError(
        `Cannot ${what}: order[${i}] must be an array of task indices, found ${describe(list)}`,
      );
    }
    if (list.length !== T - 1) {
      throw new RangeError(
        `Cannot ${what}: order[${i}] must list the ${
          T - 1
        } other tasks, found ${list.length} entries`,
      );
    }
    const seen = new Set<number>();
    for (const j of list) {
      if (!Number.isInteger(j) || j < 0 || j >= T) {
        throw new RangeError(
          `Cannot ${what}: order[${i}] holds ${describe(j)}, expected a task index in [0, ${T})`,
        );
      }
      if (j === i) {
        throw new RangeError(`Cannot ${what}: order[${i}] lists task ${i} itself`);
      }
      if (seen.has(j)) throw new RangeError(`Cannot ${what}: order[${i}] lists task ${j} twice`);
      seen.add(j);
    }
  }
}
