/**
 * The surgery state's entry among `SurgeryOptimizer`'s weights (tf.js's optimizer
 * checkpoint contract): its name, and how `setWeights` finds and reads it.
 * @module
 */

import type { Tensor } from "@tensorflow/tfjs";
import { describe } from "../../validate/grads.ts";
import { isTensor } from "./inputs.ts";
import type { NamedTensorLike } from "./types.ts";

/**
 * Name of the entry {@linkcode SurgeryOptimizer.getWeights} adds to the inner optimizer's weights:
 * the surgery's state (stream and method state) as its JSON text in a string scalar, which tf.io
 * saves and loads as it is (a number tensor could be quantised or cast on the way).
 *
 * @example Finding the surgery's entry among an optimizer's weights
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SURGERY_STATE_WEIGHT, SurgeryOptimizer } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 1 });
 * const weights = await optimizer.getWeights<tf.Tensor>();
 * assert.deepEqual(weights.map((w) => w.name), ["iter", SURGERY_STATE_WEIGHT]);
 * const state = JSON.parse(weights[1].tensor.dataSync()[0] as unknown as string);
 * assert.equal(state.format, "gradient-surgery-state/1");
 * tf.dispose(weights.map((w) => w.tensor));
 * optimizer.dispose();
 * ```
 */
export const SURGERY_STATE_WEIGHT = "gradient-surgery/state";

/** The one surgery entry of `weightValues`, and the others (the inner optimizer's) in order. */
export function splitSurgeryEntry(
  weightValues: unknown,
  action: string,
): { state: unknown; rest: NamedTensorLike[] } {
  if (!Array.isArray(weightValues)) {
    throw new TypeError(
      `Cannot ${action}: expected an array of { name, tensor } (from getWeights()), found ${
        describe(weightValues)
      }`,
    );
  }
  const isState = (w: unknown) => (w as NamedTensorLike | null)?.name === SURGERY_STATE_WEIGHT;
  const entries = weightValues.filter(isState);
  if (entries.length !== 1) {
    throw new RangeError(
      `Cannot ${action}: expected one entry named "${SURGERY_STATE_WEIGHT}" (the surgery's state, ` +
        `from SurgeryOptimizer.getWeights()), found ${entries.length}`,
    );
  }
  return {
    state: (entries[0] as NamedTensorLike).tensor,
    rest: weightValues.filter((w) => !isState(w)),
  };
}

/** The JSON text of the surgery entry's tensor, checked to be a live string scalar. */
export async function surgeryStateText(tensor: unknown, action: string): Promise<string> {
  const t = tensor as Tensor;
  if (!isTensor(tensor) || t.dtype !== "string" || t.size !== 1 || t.isDisposed) {
    throw new TypeError(
      `Cannot ${action}: "${SURGERY_STATE_WEIGHT}" must hold a string scalar tensor (the ` +
        `surgery state's JSON text), found ${
          !isTensor(tensor)
            ? describe(tensor)
            : t.isDisposed
            ? "a disposed tensor"
            : `a ${t.dtype} tensor of shape [${t.shape.join(", ")}]`
        }`,
    );
  }
  return String((await t.data())[0]);
}
