/**
 * `SurgeryOptimizer`'s loss weighting (docs/tfjs.md "Loss weightings"): the optimizer owns the
 * task losses, so it can weigh them. Each step, the scheme's weights w_t scale task t's gradient
 * map (heads included: it is the gradient of Σ_t w_t L_t) before the surgery, which then combines
 * the weighted gradients; the scheme's state travels in the surgery state.
 * @module
 */

import {
  add,
  dispose,
  mul,
  type NamedTensorMap,
  scalar,
  sqrt,
  square,
  stack,
  sum,
  type Tensor,
  type Tensor1D,
  tidy,
} from "@tensorflow/tfjs";
import { createLossWeighting, type LossWeighting } from "../../methods/loss_weighting/create.ts";
import type { LossWeightingContext } from "../../methods/loss_weighting/types.ts";
import type { LossWeightingSpec } from "../../vocabulary/loss_weightings.ts";
import type { WeightOptions } from "../../vocabulary/options.ts";
import type { TfGroups } from "./groups.ts";

/**
 * Options of {@linkcode SurgeryOptimizer}: the surgery's (as for `surgery`) and a loss weighting.
 *
 * @example FAMO's loss weights, then PCGrad on the weighted gradients
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SurgeryOptimizer, type SurgeryOptimizerOptions } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const x = tf.variable(tf.tensor1d([1, 2]), true, "doc/SurgeryOptimizerOptions/x");
 * const options: SurgeryOptimizerOptions = { seed: 1, lossWeighting: { name: "famo", lr: 0.05 } };
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), options);
 * const losses = () => [tf.sum(tf.square(x)) as tf.Scalar, tf.sum(tf.abs(tf.sub(x, 3))) as tf.Scalar];
 * optimizer.minimize(losses); // weights, surgery, step, then FAMO learns from the losses after it
 * assert.equal(optimizer.lossWeighting?.getState().tasks, 2);
 * assert.deepEqual(optimizer.getConfig().surgery.lossWeighting, { name: "famo", lr: 0.05, gamma: 1e-3 });
 * x.dispose();
 * optimizer.dispose();
 * ```
 */
export interface SurgeryOptimizerOptions extends WeightOptions {
  /**
   * A loss weighting (`"famo"` or `{ name: "famo", lr: 0.01 }`…): each step its weights scale
   * the task gradients before the surgery. DWA and STCH need the epoch (`setEpoch`), GradNorm the
   * tasks' gradient norms on the shared variables (computed here), FAMO the same batch's losses
   * after the step (evaluated again by `minimize`).
   */
  lossWeighting?: LossWeightingSpec;
  /**
   * Grouped (layer-wise) surgery: "all" (default: one Gramian over the shared variables),
   * "variable" (one per variable) or a function from variable name to group name.
   */
  groups?: TfGroups;
}

/** The surgery's options without the loss weighting, and the weighting built from it. */
export function splitLossWeighting(
  options: unknown,
): { surgery: unknown; lossWeighting: LossWeighting | null } {
  if (options === null || typeof options !== "object" || !("lossWeighting" in options)) {
    return { surgery: options, lossWeighting: null };
  }
  const { lossWeighting, ...surgery } = options as SurgeryOptimizerOptions;
  return {
    surgery,
    lossWeighting: lossWeighting === undefined ? null : createLossWeighting(lossWeighting),
  };
}

/**
 * Each task's gradient norm over the shared variables (those more than one task reaches), as a
 * tensor: GradNorm's ‖∇_W L_t‖ with W all shared variables (the paper takes the last shared layer
 * only to save time; the whole shared part is the exact form).
 */
export function sharedGradNorms(grads: readonly NamedTensorMap[]): Tensor1D {
  return tidy(() => {
    const reached = new Map<string, number>();
    for (const map of grads) {
      for (const [name, g] of Object.entries(map)) {
        if (g != null) reached.set(name, (reached.get(name) ?? 0) + 1);
      }
    }
    const shared = [...reached].filter(([, n]) => n > 1).map(([name]) => name);
    return stack(grads.map((map) =>
      sqrt(
        shared.reduce<Tensor>(
          (total, name) => map[name] == null ? total : add(total, sum(square(map[name]))),
          scalar(0),
        ),
      )
    )) as Tensor1D;
  });
}

/** Task t's gradient map scaled by w_t (new tensors, the caller's to dispose). */
export function weighTaskGrads(
  grads: readonly NamedTensorMap[],
  weights: readonly number[],
): NamedTensorMap[] {
  return tidy(() =>
    grads.map((map, t) =>
      Object.fromEntries(
        Object.entries(map).filter(([, g]) => g != null).map(([name, g]) => [
          name,
          mul(g, scalar(weights[t])),
        ]),
      )
    ) as never
  ) as unknown as NamedTensorMap[];
}

/**
 * What `weights` needs besides the losses: the epoch if the scheme needs it (a clear error when it
 * was never set), the shared gradient norms if it needs them (read through `read`).
 */
export function* weighingContext(
  weighting: LossWeighting,
  epoch: number | undefined,
  grads: readonly NamedTensorMap[],
  action: string,
): Generator<Tensor, LossWeightingContext, ArrayLike<number>> {
  const context: LossWeightingContext = {};
  if (weighting.needs.epoch) {
    if (epoch === undefined) {
      throw new RangeError(
        `Cannot ${action}: loss weighting "${weighting.name}" needs the epoch; call ` +
          `setEpoch(epoch) at the start of each epoch`,
      );
    }
    context.epoch = epoch;
  }
  if (weighting.needs.gradNorms) {
    const norms = sharedGradNorms(grads);
    try {
      context.gradNorms = Array.from(yield norms);
    } finally {
      norms.dispose();
    }
  }
  return context;
}

/** Runs a reading generator synchronously (`dataSync`). */
export function readSync<R>(steps: Generator<Tensor, R, ArrayLike<number>>): R {
  let step = steps.next();
  while (!step.done) step = steps.next(step.value.dataSync());
  return step.value;
}

/** Runs a reading generator with `await data()`. */
export async function readAsync<R>(steps: Generator<Tensor, R, ArrayLike<number>>): Promise<R> {
  let step = steps.next();
  while (!step.done) step = steps.next(await step.value.data());
  return step.value;
}

/** Disposes the tensors of weighted gradient maps. */
export function disposeWeighted(maps: readonly NamedTensorMap[]): void {
  for (const map of maps) dispose(Object.values(map));
}
