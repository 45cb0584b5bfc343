/**
 * The two extra mini-batches SDMGrad and MoDo take per step in `SurgeryOptimizer`: their
 * loss functions, checked against the method, and their gradients weighted like the tasks'.
 * @module
 */

import type { NamedTensorMap } from "@tensorflow/tfjs";
import { registry } from "../../methods/registry.ts";
import { describe } from "../../validate/grads.ts";
import { checkKeys } from "../../validate/keys.ts";
import type { Method } from "../../vocabulary/methods.ts";
import { weighTaskGrads } from "./loss_weighting.ts";
import type { TaskLosses } from "./task_gradients.ts";
import type { TensorMap } from "./types.ts";

/**
 * The fourth argument of {@linkcode SurgeryOptimizer.minimize}: what a step needs beyond `f`.
 *
 * @example SDMGrad with two more mini-batches per step
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { type MinimizeExtra, SurgeryOptimizer } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, -1]), true, "doc/MinimizeExtra/w");
 * // Each function stands for the task losses on its own, independent mini-batch.
 * const on = (a: number) => () => [
 *   tf.sum(tf.square(tf.sub(w, tf.tensor1d([a, 0])))) as tf.Scalar,
 *   tf.sum(tf.square(tf.sub(w, tf.tensor1d([0, a])))) as tf.Scalar,
 * ];
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "sdmgrad" });
 * const extra: MinimizeExtra = { batches: [on(1.1), on(0.9)] };
 * optimizer.minimize(on(1), false, undefined, extra);
 * assert.equal(optimizer.stats?.weights.length, 2);
 * w.dispose();
 * optimizer.dispose();
 * ```
 */
export interface MinimizeExtra {
  /**
   * The task losses of two more independent mini-batches, as two functions like `f`: their task
   * gradients are the extra batches of "sdmgrad" and "modo" (2 × T more backward passes).
   */
  batches?: readonly [TaskLosses, TaskLosses];
}

/**
 * The extra batches' loss functions, checked: two functions where the method needs batches (a
 * RangeError saying how to pass them otherwise), none where it does not (the engine refuses them).
 */
export function checkExtra(
  extra: MinimizeExtra | undefined,
  method: Method,
  action: string,
): TaskLosses[] | undefined {
  checkKeys(extra, ["batches"], action);
  const fns = extra?.batches;
  const definition = registry[method];
  if (fns === undefined && definition.kind === "vectors" && definition.needs.batches) {
    throw new RangeError(
      `Cannot ${action}: method "${method}" needs two more independent batches each step: ` +
        `minimize(f, returnCost, varList, { batches: [fA, fB] }) with fA and fB the task losses ` +
        `on two other mini-batches`,
    );
  }
  if (fns === undefined) return undefined;
  if (!Array.isArray(fns) || fns.length !== 2 || fns.some((f) => typeof f !== "function")) {
    throw new RangeError(
      `Cannot ${action}: batches must be two loss functions [fA, fB] like f, found ${
        describe(fns)
      }`,
    );
  }
  return [...fns];
}

/**
 * The extra batches (SDMGrad, MoDo) weighted like the task gradients, so every estimate of a
 * task's gradient is the weighted objective's; the caller disposes the new maps.
 */
export function weighBatches(
  batches: readonly (readonly TensorMap[])[] | undefined,
  w: readonly number[],
): NamedTensorMap[][] | undefined {
  return batches?.map((b) => weighTaskGrads(b as readonly NamedTensorMap[], w));
}
