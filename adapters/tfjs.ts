/**
 * Gradient surgery for TensorFlow.js (`@tensorflow/tfjs` 4.22): the plain API's methods, options,
 * semantics and stats over tensors, on whatever backend is active, and {@linkcode SurgeryOptimizer},
 * a wrapper of any tf.train optimizer. Imported as `./tfjs`; the root module never loads tf.js.
 *
 * **Shared vs task-specific** (Yu et al. 2020, Appendix C): with one NamedTensorMap per task (as
 * `tf.variableGrads(...).grads` returns), a variable whose gradient appears in two or more tasks'
 * maps is shared and takes part in the surgery (a task without it counts as a zero gradient
 * there); a variable in a single task's map is that task's own (its head) and passes through
 * unchanged. The Gramian is accumulated over the shared variables one by one, never concatenated.
 * With one tensor per task, every tensor is shared. `reduction: "mean"` divides shared variables
 * only.
 *
 * **Backends**: cpu and wasm run the passes in the library's SIMD WASM core; webgpu runs them on
 * the device with WGSL kernels, reading back only the T×T Gramian and uploading the T weights; any
 * other backend (webgl in browsers) uses tf.js ops on the device. On webgpu outside browsers tf.js
 * cannot read synchronously: use the async forms there.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { surgery } from "./tfjs.ts";
 * import { surgery as plainSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const g1 = { trunk: tf.tensor1d([1, 0]), head1: tf.tensor1d([3]) };
 * const g2 = { trunk: tf.tensor1d([-1, 1]), head2: tf.tensor1d([4]) };
 * const update = surgery([g1, g2]);
 * const plain = plainSurgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * assert.deepEqual(Array.from(update.trunk.dataSync()), Array.from(plain)); // [0.5, 1.5]
 * assert.deepEqual(Array.from(update.head1.dataSync()), [3]); // task-specific: unchanged
 * tf.dispose([update, g1, g2]);
 * ```
 * @module
 */

import { resolveOptions } from "../methods/options.ts";
import type { WeightOptions } from "../vocabulary/options.ts";
import { Stepper } from "../state/stepper.ts";
import { surgeryObject, type TfCallOptions, type TfSurgery } from "./tfjs/surgery_object.ts";
import { type TfGroups, validateTfGroups } from "./tfjs/groups.ts";
import type { TensorLike, TensorMap } from "./tfjs/types.ts";

/**
 * Options of the one-shot {@linkcode surgery}: the plain API's, and the step's losses.
 *
 * @example Method options and the step's losses together
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { surgery, type TfSurgeryOptions } from "./tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const options: TfSurgeryOptions = { method: "mgda", normalization: "loss", losses: [0.5, 2] };
 * const grads = [tf.tensor1d([1, 0]), tf.tensor1d([0, 1])];
 * const update = surgery(grads, options);
 * assert.ok(Array.from(update.dataSync()).every((x) => x > 0)); // a common descent direction
 * tf.dispose([update, ...grads]);
 * ```
 */
export interface TfSurgeryOptions extends TfCreateOptions, TfCallOptions {}

/**
 * Options of the tf.js {@linkcode createSurgery} (and of `SurgeryOptimizer`): the plain API's
 * weighting options and how the shared variables are grouped.
 *
 * @example Each variable its own Gramian (layer-wise surgery)
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createSurgery, type TfCreateOptions } from "./tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const options: TfCreateOptions = { method: "gradvac", groups: "variable", seed: 1 };
 * const gradvac = createSurgery(options);
 * const task1 = { a: tf.tensor1d([1, 0]), b: tf.tensor1d([1, 1]) };
 * const task2 = { a: tf.tensor1d([-1, 1]), b: tf.tensor1d([1, -2]) };
 * const update = gradvac.surgery([task1, task2]);
 * assert.deepEqual(Object.keys(gradvac.getState().groups ?? {}), ["a", "b"]); // state per group
 * tf.dispose([update, task1, task2]);
 * ```
 */
export interface TfCreateOptions extends WeightOptions {
  /**
   * "all" (default: one Gramian over all shared variables), "variable" (each shared variable
   * its own group) or a function from a variable's name to its group's name: each group gets
   * its own Gramian, weights and method state (docs/tfjs.md "Grouped surgery").
   */
  groups?: TfGroups;
}

export {
  type MinimizeExtra,
  SURGERY_STATE_WEIGHT,
  SurgeryOptimizer,
  type TaskLosses,
} from "./tfjs/optimizer.ts";
export type { SurgeryOptimizerOptions } from "./tfjs/loss_weighting.ts";
export type { TfCallOptions, TfSurgery } from "./tfjs/surgery_object.ts";
export type { TfGroups } from "./tfjs/groups.ts";
export type { SurgeryStats } from "../stats/diagnostics.ts";
export type { SurgeryState } from "../state/step_state.ts";
export type { Method } from "../vocabulary/methods.ts";
export type { WeightOptions } from "../vocabulary/options.ts";
export type {
  NamedTensorLike,
  OptimizerLike,
  Tensor1DOf,
  TensorLike,
  TensorMap,
} from "./tfjs/types.ts";

/**
 * One surgery step over tf.js gradients: one tensor per task (all one shape; returns a tensor) or
 * one NamedTensorMap per task (returns a map). Same options and semantics as the plain `surgery`;
 * pure like it (the default seed gives the same orders every call: for a loop use
 * {@linkcode createSurgery}). Returns new tensors (task-specific ones are clones sharing memory)
 * for the caller to dispose; the inputs are neither changed nor disposed.
 *
 * @example One tensor per task
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { surgery } from "./tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const grads = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
 * const update = surgery(grads);
 * assert.deepEqual(Array.from(update.dataSync()), [0.5, 1.5]); // as the plain API
 * tf.dispose([update, ...grads]);
 * ```
 */
export function surgery<T extends TensorLike>(grads: readonly T[], options?: TfSurgeryOptions): T;
/** {@linkcode surgery} over one NamedTensorMap per task: returns one map. */
export function surgery<T extends TensorLike>(
  grads: readonly TensorMap<T>[],
  options?: TfSurgeryOptions,
): TensorMap<T>;
export function surgery(
  grads: readonly (TensorLike | TensorMap)[],
  options?: TfSurgeryOptions,
): TensorLike | TensorMap {
  return oneShot(options).surgery(grads as TensorLike[], {
    losses: options?.losses,
    batches: options?.batches,
  });
}

/**
 * {@linkcode surgery} reading the Gramian with `await data()`: works on every backend.
 *
 * @example Reading the Gramian asynchronously (webgpu outside browsers)
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { surgeryAsync } from "./tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const grads = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
 * const update = await surgeryAsync(grads, { reduction: "mean" });
 * assert.deepEqual(Array.from(await update.data()), [0.25, 0.75]);
 * tf.dispose([update, ...grads]);
 * ```
 */
export function surgeryAsync<T extends TensorLike>(
  grads: readonly T[],
  options?: TfSurgeryOptions,
): Promise<T>;
/** {@linkcode surgeryAsync} over one NamedTensorMap per task: resolves to one map. */
export function surgeryAsync<T extends TensorLike>(
  grads: readonly TensorMap<T>[],
  options?: TfSurgeryOptions,
): Promise<TensorMap<T>>;
export function surgeryAsync(
  grads: readonly (TensorLike | TensorMap)[],
  options?: TfSurgeryOptions,
): Promise<TensorLike | TensorMap> {
  return oneShot(options).surgeryAsync(grads as TensorLike[], {
    losses: options?.losses,
    batches: options?.batches,
  });
}

/** The surgery object of one one-shot call: a fresh stream from the seed. */
function oneShot(options: TfSurgeryOptions | undefined): TfSurgery {
  const action = "run surgery";
  const resolved = resolveOptions(options, action, ["losses", "groups", "batches"]);
  return surgeryObject(new Stepper(resolved), validateTfGroups(options?.groups, action));
}

/**
 * A stateful surgery for a training loop: each step draws fresh orders from one seeded stream and
 * keeps method state; `.stats` tells what the last step did.
 *
 * @example A training loop over a tf.js variable
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createSurgery } from "./tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const theta = tf.variable(tf.tensor1d([0.5, -3]), true, "doc/createSurgery/theta");
 * const pcgrad = createSurgery({ seed: 3 });
 * for (let step = 0; step < 3; step++) {
 *   tf.tidy(() => {
 *     const g1 = theta.sub(tf.tensor1d([1, 0])); // ∇ of ½‖θ − (1, 0)‖²
 *     const g2 = theta.sub(tf.tensor1d([-1, 0])); // ∇ of ½‖θ − (−1, 0)‖²
 *     theta.assign(theta.sub(pcgrad.surgery([g1, g2]).mul(0.1)));
 *   });
 * }
 * assert.equal(pcgrad.stats?.weights.length, 2);
 * theta.dispose();
 * ```
 */
export function createSurgery(options?: TfCreateOptions): TfSurgery {
  const action = "create surgery";
  const resolved = resolveOptions(options, action, ["groups"], {
    losses: "pass it to each call: .surgery(grads, { losses })",
    batches: "pass them to each call: .surgery(grads, { batches })",
  });
  return surgeryObject(new Stepper(resolved), validateTfGroups(options?.groups, action));
}
