/**
 * The options shared by every method: the reduction, the ablation variant, the visiting order and
 * the options object of the weighting step (docs/architecture.md "Methods and options").
 * @module
 */

import type { MethodOptions } from "./method_options.ts";
import type { Method } from "./methods.ts";

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
