/**
 * The stateful tf.js surgery: one seeded stream and per-method state across steps (see
 * docs/architecture.md, state), the last step's stats, sync and async steps.
 * @module
 */

import type { Tensor } from "@tensorflow/tfjs";
import type { TensorLike, TensorMap } from "./types.ts";
import type { StepState, SurgeryState } from "../../state/step_state.ts";
import type { Stepper } from "../../state/stepper.ts";
import type { SurgeryStats } from "../../stats/diagnostics.ts";
import { checkKeys } from "../../validate/keys.ts";
import { creationHints } from "../../methods/options.ts";
import { driveAsync, driveSync } from "./drive.ts";
import { groupedSurgeryStep } from "./groups.ts";

/**
 * Per-call options of a tf.js surgery step.
 *
 * @example Losses as a tensor, read with the Gramian
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createSurgery, type TfCallOptions } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const mgda = createSurgery({ method: "mgda", normalization: "loss" });
 * const call: TfCallOptions = { losses: tf.tensor1d([0.5, 2]) };
 * const grads = [tf.tensor1d([1, 0]), tf.tensor1d([0, 1])];
 * const update = mgda.surgery(grads, call);
 * assert.equal(update.size, 2);
 * tf.dispose([update, ...grads, call.losses as tf.Tensor]);
 * ```
 */
export interface TfCallOptions {
  /**
   * The step's task losses (T numbers, or a 1-D tensor of them, read with the Gramian), for
   * methods that use them (MGDA's "loss" / "loss+" normalisation).
   */
  losses?: readonly number[] | TensorLike;
  /**
   * Two more independent gradient batches [gradsA, gradsB] of the step, each in the gradients'
   * form (T tensors, or T maps over the same shared variables): needed by "sdmgrad" and "modo",
   * refused by the other methods. Read on the host (docs/api.md, "Methods that keep gradients or
   * need more batches").
   */
  batches?: readonly (readonly TensorLike[] | readonly TensorMap[])[];
}

/**
 * A stateful tf.js surgery (see `createSurgery` in adapters/tfjs.ts).
 *
 * @example Shared variables and heads in NamedTensorMaps
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createSurgery, type TfSurgery } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const pcgrad: TfSurgery = createSurgery();
 * const task1 = { trunk: tf.tensor1d([1, 0]), head1: tf.tensor1d([3]) };
 * const task2 = { trunk: tf.tensor1d([-1, 1]), head2: tf.tensor1d([4]) };
 * const update = pcgrad.surgery([task1, task2]);
 * assert.deepEqual(Array.from(update.trunk.dataSync()), [0.5, 1.5]); // shared: surgery
 * assert.deepEqual(Array.from(update.head2.dataSync()), [4]); // a head: its own gradient
 * assert.deepEqual(pcgrad.stats?.conflicts, [[0, 1]]);
 * pcgrad.reset();
 * assert.equal(pcgrad.stats, null);
 * tf.dispose([update, task1, task2]);
 * ```
 */
export interface TfSurgery {
  /** One step over one tensor per task (all one shape): a new tensor. */
  surgery<T extends TensorLike>(grads: readonly T[], call?: TfCallOptions): T;
  /** One step over one NamedTensorMap per task: a new map. */
  surgery<T extends TensorLike>(grads: readonly TensorMap<T>[], call?: TfCallOptions): TensorMap<T>;
  /** The same step reading the Gramian with `await data()`: for webgpu outside browsers. */
  surgeryAsync<T extends TensorLike>(grads: readonly T[], call?: TfCallOptions): Promise<T>;
  /** The same step reading the Gramian with `await data()`: for webgpu outside browsers. */
  surgeryAsync<T extends TensorLike>(
    grads: readonly TensorMap<T>[],
    call?: TfCallOptions,
  ): Promise<TensorMap<T>>;
  /** Diagnostics of the last step; null before the first. */
  readonly stats: SurgeryStats | null;
  /** Restarts the stream from the seed, clears method state and stats. */
  reset(): void;
  /**
   * The stream and the methods' state as plain JSON data, for a checkpoint: after
   * `setState(getState())`, in this process or another, the following steps are bitwise the same
   * as without the interruption.
   */
  getState(): SurgeryState;
  /** Restores a state from {@linkcode TfSurgery.getState} (the object or its JSON text). */
  setState(state: SurgeryState | string): void;
}

/** The call's losses: a tensor (checked in the step) or numbers. */
function losses(call: TfCallOptions | undefined): Tensor | readonly number[] | undefined {
  return call?.losses as Tensor | readonly number[] | undefined;
}

/**
 * Builds a stateful surgery whose options, state and stats `stepper` keeps; `groups` (checked by
 * validateTfGroups) groups the shared variables (adapters/tfjs/groups.ts).
 */
export function surgeryObject(
  stepper: Stepper,
  groups?: "variable" | ((name: string) => string),
): TfSurgery {
  const resolved = stepper.options;
  const action = "run surgery";
  const hints = creationHints("createSurgery", ["groups"]);
  // One step's passes, driven synchronously or asynchronously by the two calls below.
  const step = (grads: readonly unknown[], call: TfCallOptions | undefined, state: StepState) =>
    groupedSurgeryStep(
      grads,
      groups,
      resolved,
      state,
      action,
      losses(call),
      undefined,
      call?.batches,
    );
  return {
    // The update has the input's form and tensor type (surgeryStep checks the input).
    surgery(grads: readonly unknown[], call?: TfCallOptions) {
      checkKeys(call, ["losses", "batches"], action, hints);
      return stepper.run((state) => driveSync(step(grads, call, state), action)).update as never;
    },
    async surgeryAsync(grads: readonly unknown[], call?: TfCallOptions) {
      checkKeys(call, ["losses", "batches"], action, hints);
      const result = await stepper.runAsync((state) => driveAsync(step(grads, call, state)));
      return result.update as never;
    },
    get stats() {
      return stepper.stats;
    },
    reset: () => stepper.reset(),
    getState: () => stepper.getState(),
    setState: (state) => stepper.setState(state),
  };
}
