/**
 * The tf.js types the adapter's signatures name, as the adapter's own: a tf.js `Tensor`,
 * `NamedTensorMap` and `tf.train` optimizer each fit them. Functions that return tensors return
 * the caller's own tensor type (a type parameter), so no tf.js typing is lost; the signatures just
 * do not name tf.js's classes, whose own declarations are not the adapter's to document.
 * @module
 */

/**
 * A tf.js tensor, as far as the adapter's signatures go: every `tf.Tensor` (and `tf.Variable`)
 * is one.
 *
 * @example A tf.js tensor is a TensorLike
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TensorLike } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * const t: TensorLike = tf.tensor1d([1, 2]);
 * assert.deepEqual([t.shape, t.dtype, t.size, t.rank], [[2], "float32", 2, 1]);
 * assert.deepEqual(Array.from(t.dataSync()), [1, 2]);
 * t.dispose();
 * ```
 */
export interface TensorLike {
  /** Length of each dimension. */
  readonly shape: readonly number[];
  /** Element type ("float32" for gradients). */
  readonly dtype: string;
  /** Number of elements. */
  readonly size: number;
  /** Number of dimensions. */
  readonly rank: number;
  /** Whether the tensor's memory was released. */
  readonly isDisposed: boolean;
  /** The values, read synchronously. */
  dataSync(): ArrayLike<number>;
  /** The values, read asynchronously (works on every backend). */
  data(): Promise<ArrayLike<number>>;
  /** Releases the tensor's memory. */
  dispose(): void;
}

/**
 * One tensor per variable name, as `tf.variableGrads(...).grads` returns (a tf.js
 * `NamedTensorMap` is one).
 *
 * @example A task's gradients by variable
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TensorMap } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * const grads: TensorMap<tf.Tensor> = { trunk: tf.tensor1d([1, 0]), head: tf.tensor1d([3]) };
 * assert.deepEqual(Object.keys(grads), ["trunk", "head"]);
 * tf.dispose(grads);
 * ```
 */
export type TensorMap<T extends TensorLike = TensorLike> = { [name: string]: T };

/**
 * A 1-D tensor of the same tf.js tensor class as `T`: tf.js's `Tensor1D` for a `tf.Tensor` (its
 * `as1D()` tells), else {@linkcode TensorLike}. What `SurgeryOptimizer.minimize` returns for the
 * T losses when asked.
 *
 * @example The T losses of a step as one 1-D tensor
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SurgeryOptimizer, type Tensor1DOf } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, 2]), true, "doc/Tensor1DOf/w");
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1));
 * const cost: Tensor1DOf<tf.Scalar> | null = optimizer.minimize(
 *   () => [tf.sum(tf.square(w)) as tf.Scalar, tf.neg(tf.sum(w)) as tf.Scalar],
 *   true,
 * );
 * const asTf: tf.Tensor1D | null = cost; // tf.js's own type
 * assert.deepEqual(Array.from(asTf!.dataSync()), [5, -3]);
 * tf.dispose([asTf!, w]);
 * optimizer.dispose();
 * ```
 */
export type Tensor1DOf<T extends TensorLike> = T extends { as1D(): infer R extends TensorLike } ? R
  : TensorLike;

/**
 * A `tf.train` optimizer, as far as {@linkcode SurgeryOptimizer} needs one: it applies the
 * combined gradients with `applyGradients` (checked when wrapped) and reports its class and
 * config.
 *
 * @example Every tf.train optimizer is one
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { OptimizerLike } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * const adam: OptimizerLike = tf.train.adam(0.01);
 * assert.equal(adam.getClassName(), "Adam");
 * adam.dispose();
 * ```
 */
export interface OptimizerLike {
  /**
   * Applies a gradient per variable name (tf.js's own argument type, which differs between
   * optimizers; the adapter passes a `NamedTensorMap`).
   */
  applyGradients(variableGradients: never): void;
  /** The optimizer's class name, e.g. "Adam". */
  getClassName(): string;
  /** The optimizer's hyperparameters. */
  getConfig(): object;
  /** Releases the optimizer's state (its slot variables). */
  dispose(): void;
}

/**
 * A tensor and its name: an element of a tf.js optimizer's weights (tf.js's `NamedTensor`), as
 * `SurgeryOptimizer.getWeights` returns them and `setWeights` takes them.
 *
 * @example An optimizer's weights
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { NamedTensorLike } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * const sgd = tf.train.sgd(0.1);
 * const weights: NamedTensorLike[] = await sgd.getWeights();
 * assert.deepEqual(weights.map((w) => w.name), ["iter"]); // the iteration count
 * tf.dispose(weights.map((w) => w.tensor as tf.Tensor));
 * sgd.dispose();
 * ```
 */
export interface NamedTensorLike<T extends TensorLike = TensorLike> {
  /** The weight's name ("iter" for an optimizer's iteration count, `<variable>/m` for a slot…). */
  name: string;
  /** Its value. */
  tensor: T;
}
