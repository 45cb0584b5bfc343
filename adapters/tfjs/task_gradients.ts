/**
 * Each task's gradients for `SurgeryOptimizer`: one `variableGrads` call per task over
 * the loss function's T scalar losses, with the checks of what the function returns.
 * @module
 */

import {
  dispose,
  type NamedTensorMap,
  type Scalar,
  scalar,
  type TensorContainerObject,
  tidy,
  type Variable,
  variableGrads,
} from "@tensorflow/tfjs";
import { describe } from "../../validate/grads.ts";
import { isTensor } from "./inputs.ts";
import type { TensorLike } from "./types.ts";

/**
 * A loss function of {@linkcode SurgeryOptimizer.minimize}: one scalar loss per task.
 *
 * @example One scalar loss per task
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SurgeryOptimizer, type TaskLosses } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, 2]), true, "doc/TaskLosses/w");
 * const losses: TaskLosses = () => [tf.sum(tf.square(w)), tf.neg(tf.sum(w))];
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1));
 * optimizer.minimize(losses);
 * assert.equal(optimizer.stats?.weights.length, 2);
 * w.dispose();
 * optimizer.dispose();
 * ```
 */
export type TaskLosses<S extends TensorLike = TensorLike> = () => S[];

export function checkLosses(losses: unknown, expected: number, action: string): Scalar[] {
  if (!Array.isArray(losses)) {
    throw new TypeError(
      `Cannot ${action}: f must return an array of scalar losses, found ${describe(losses)}`,
    );
  }
  if (losses.length === 0) throw new RangeError(`Cannot ${action}: f returned no losses`);
  if (expected >= 0 && losses.length !== expected) {
    throw new RangeError(`Cannot ${action}: f returned ${losses.length} losses, then ${expected}`);
  }
  losses.forEach((loss, t) => {
    if (!isTensor(loss) || loss.rank !== 0) {
      throw new TypeError(
        `Cannot ${action}: loss ${t} must be a scalar tensor, found ${
          isTensor(loss) ? `shape [${loss.shape.join(", ")}]` : describe(loss)
        }`,
      );
    }
    if (loss.isDisposed) {
      throw new TypeError(
        `Cannot ${action}: loss ${t} is a disposed tensor (f must return live ones)`,
      );
    }
  });
  return losses as Scalar[];
}

/**
 * Each task's loss value and gradient map: T calls of tf.variableGrads (T forward passes). A bad
 * `f` (or one that throws) is reported after variableGrads returns: an error thrown inside its
 * forward pass would leave the tensors its tape saved undisposed.
 */
export function taskGradients(
  f: TaskLosses,
  varList: readonly TensorLike[] | undefined,
  action: string,
): { losses: Scalar[]; grads: NamedTensorMap[] } {
  if (typeof f !== "function") {
    throw new TypeError(`Cannot ${action}: f must be a function, found ${describe(f)}`);
  }
  return tidy(() => {
    const losses: Scalar[] = [];
    const grads: NamedTensorMap[] = [];
    let T = -1;
    for (let t = 0; T < 0 || t < T; t++) {
      let problem: unknown = null;
      let result: { value: Scalar; grads: NamedTensorMap };
      try {
        result = variableGrads(() => {
          try {
            const all = checkLosses(f(), T, action);
            T = all.length;
            return all[t];
          } catch (error) {
            problem = error;
            return scalar(0); // unconnected: variableGrads then throws, its tape already freed
          }
        }, varList as Variable[] | undefined);
      } catch (error) {
        throw problem ?? error;
      }
      losses.push(result.value);
      grads.push(result.grads);
    }
    return { losses, grads } as unknown as TensorContainerObject;
  }) as unknown as { losses: Scalar[]; grads: NamedTensorMap[] };
}

export function disposeMaps(maps: readonly NamedTensorMap[]): void {
  for (const m of maps) dispose(Object.values(m).filter((x) => x != null));
}
