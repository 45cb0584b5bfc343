/**
 * `SurgeryOptimizer`: wraps any tf.train optimizer (docs/architecture.md, adapters).
 * A step takes each task's gradients, applies the surgery to the shared variables and hands the
 * result to the inner optimizer's `applyGradients`, which keeps its slot state by variable name.
 *
 * Task gradients: one `variableGrads` call per task, so T forward passes. tf.js has no public way
 * to take T gradients from one forward pass; reusing the engine's recorded tape would touch private
 * fields for a small gain: on the MultiMNIST LeNet the extra forward pass is 17 ms of a 285 ms step
 * on wasm (bench/tfjs_step_bench.ts), so the public route is kept.
 * @module
 */

import {
  dispose,
  getGradient,
  mul,
  type NamedTensorMap,
  type Optimizer,
  scalar,
  stack,
  type Tensor,
  type Tensor1D,
  tensor1d,
  type TensorContainerObject,
  tidy,
} from "@tensorflow/tfjs";
import type { SurgeryState } from "../../state/step_state.ts";
import { Stepper } from "../../state/stepper.ts";
import type { SurgeryStats } from "../../stats/diagnostics.ts";
import { describe } from "../../validate/grads.ts";
import { APPLIES_TO, type ResolvedOptions, resolveOptions } from "../../methods/options.ts";
import { isTensor } from "./inputs.ts";
import { surgeryObject, type TfSurgery } from "./surgery_object.ts";
import type { LossWeighting } from "../../methods/loss_weighting/create.ts";
import {
  restoreWithLossWeighting,
  saveWithLossWeighting,
} from "../../state/loss_weighting_state.ts";
import {
  disposeWeighted,
  readAsync,
  readSync,
  splitLossWeighting,
  type SurgeryOptimizerOptions,
  weighingContext,
  weighTaskGrads,
} from "./loss_weighting.ts";
import { checkAverage, GradientAccumulator, nothingAccumulated } from "./accumulate.ts";
import { checkExtra, type MinimizeExtra, weighBatches } from "./extra_batches.ts";
import { splitSurgeryEntry, SURGERY_STATE_WEIGHT, surgeryStateText } from "./state_weight.ts";
import { checkLosses, disposeMaps, taskGradients, type TaskLosses } from "./task_gradients.ts";

export { type MinimizeExtra, SURGERY_STATE_WEIGHT, type TaskLosses };
import { type TfGroups, validateTfGroups } from "./groups.ts";
import type { NamedTensorLike, OptimizerLike, Tensor1DOf, TensorLike, TensorMap } from "./types.ts";

/**
 * Wraps a tf.train optimizer with gradient surgery: `minimize(() => [loss1, loss2, …])` takes each
 * task's gradients, combines the shared variables' with the chosen method (PCGrad by default) and
 * applies the result with the inner optimizer. Variables only one task reaches (its head) keep that
 * task's gradient (Yu et al. 2020, Appendix C).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SurgeryOptimizer } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const shared = tf.variable(tf.tensor1d([1, 1]), true, "doc/shared");
 * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 1 });
 * const before = tf.memory().numTensors;
 * optimizer.minimize(() => [
 *   tf.sum(tf.mul(shared, tf.tensor1d([1, 0]))) as tf.Scalar, // task 1 pulls x down
 *   tf.sum(tf.mul(shared, tf.tensor1d([-1, 1]))) as tf.Scalar, // task 2 conflicts with it
 * ]);
 * assert.deepEqual(optimizer.stats?.conflicts, [[0, 1]]);
 * assert.equal(tf.memory().numTensors, before); // every intermediate disposed
 * shared.dispose();
 * optimizer.dispose();
 * ```
 */
export class SurgeryOptimizer<O extends OptimizerLike = OptimizerLike> {
  /** The wrapped optimizer: it applies the combined gradients and owns the slot state. */
  readonly inner: O;
  readonly #options: ResolvedOptions;
  /** The surgery's options, state and stats (shared with #surgery). */
  readonly #stepper: Stepper;
  readonly #surgery: TfSurgery;
  readonly #lossWeighting: LossWeighting | null;
  #epoch: number | undefined;
  readonly #groups: TfGroups | undefined;
  /** Gradient sums of {@linkcode accumulate}, until {@linkcode applyAccumulated}. */
  readonly #accumulator = new GradientAccumulator();
  #disposed = false;

  /**
   * Wraps `inner` (any tf.train optimizer); `options` as for `surgery` (default PCGrad), a
   * `lossWeighting` that weighs the task losses before the surgery, and `groups` ("all",
   * "variable" or a function from variable name to group name) for grouped (layer-wise) surgery
   * as the tf.js `createSurgery` has it (docs/tfjs.md).
   */
  constructor(inner: O, options?: SurgeryOptimizerOptions) {
    const action = "create a SurgeryOptimizer";
    if (inner === null || typeof inner !== "object" || typeof inner.applyGradients !== "function") {
      throw new TypeError(
        `Cannot ${action}: inner must be a tf.train optimizer, found ${describe(inner)}`,
      );
    }
    if (getGradient("Add") === undefined) {
      throw new Error(
        `Cannot ${action}: tf.js has no gradient functions registered; import "@tensorflow/tfjs" ` +
          `(the union package registers them), not only "@tensorflow/tfjs-core"`,
      );
    }
    this.inner = inner;
    const split = splitLossWeighting(options);
    this.#lossWeighting = split.lossWeighting;
    this.#options = resolveOptions(split.surgery, action, ["groups"], {
      losses: "minimize takes them from f; pass them to applyGradients(taskGrads, losses)",
      batches:
        "pass loss functions of two more batches: minimize(f, returnCost, varList, { batches: [fA, fB] })",
    });
    this.#groups = options?.groups;
    this.#stepper = new Stepper(this.#options);
    this.#surgery = surgeryObject(this.#stepper, validateTfGroups(options?.groups, action));
  }

  /**
   * One step: each task's gradients (T forward and backward passes), the surgery, and the inner
   * optimizer's update. The T losses reach the methods that use them (MGDA's loss
   * normalisation). Returns them as a 1-D tensor if `returnCost` (the caller disposes it), else
   * null. `varList` restricts the step to those variables (default: all trainable).
   * Synchronous: on webgpu outside browsers use {@linkcode minimizeAsync}.
   */
  minimize<S extends TensorLike>(
    f: TaskLosses<S>,
    returnCost = false,
    varList?: readonly TensorLike[],
    extra?: MinimizeExtra,
  ): Tensor1DOf<S> | null {
    const action = "minimize";
    this.#checkLive(action);
    const batchFns = checkExtra(extra, this.#options.method, action);
    const weighting = this.#lossWeighting;
    const saved = weighting?.getState();
    let cost: Tensor1D | undefined;
    try {
      let T = 0;
      cost = tidy(() => {
        const { losses, grads } = taskGradients(f, varList, action);
        const values = stack(losses) as Tensor1D;
        T = losses.length;
        const batches = batchFns?.map((fb) => taskGradients(fb, varList, action).grads);
        if (weighting === null) {
          this.#apply(this.#surgery.surgery(grads, { losses: values, batches }));
        } else {
          const context = readSync(weighingContext(weighting, this.#epoch, grads, action));
          const w = weighting.weights(Array.from(values.dataSync()), context);
          const weightedLosses = mul(values, tensor1d(w));
          this.#apply(
            this.#surgery.surgery(weighTaskGrads(grads, w), {
              losses: weightedLosses,
              batches: batches?.map((b) => weighTaskGrads(b, w)),
            }),
          );
        }
        return returnCost ? values : undefined;
      });
      if (weighting?.needs.afterStep) {
        const after = tidy(() => stack(checkLosses(f(), T, action)));
        try {
          weighting.update(Array.from(after.dataSync()));
        } finally {
          after.dispose();
        }
      }
    } catch (error) {
      cost?.dispose();
      if (saved !== undefined) weighting!.setState(saved);
      throw error;
    }
    return (cost ?? null) as Tensor1DOf<S> | null;
  }

  /** {@linkcode minimize} reading the Gramian with `await data()` (every backend). */
  async minimizeAsync<S extends TensorLike>(
    f: TaskLosses<S>,
    returnCost = false,
    varList?: readonly TensorLike[],
    extra?: MinimizeExtra,
  ): Promise<Tensor1DOf<S> | null> {
    const action = "minimize";
    this.#checkLive(action);
    const batchFns = checkExtra(extra, this.#options.method, action);
    const { losses, grads } = taskGradients(f, varList, action);
    const values = stack(losses) as Tensor1D;
    dispose(losses);
    const weighting = this.#lossWeighting;
    const saved = weighting?.getState();
    let weighted: NamedTensorMap[] = [];
    let weightedLosses: Tensor1D | undefined;
    let weightedBatches: NamedTensorMap[][] = [];
    const batches: NamedTensorMap[][] = [];
    try {
      for (const fb of batchFns ?? []) {
        const b = taskGradients(fb, varList, action);
        dispose(b.losses);
        batches.push(b.grads);
      }
      const extraBatches = batchFns === undefined ? undefined : batches;
      if (weighting === null) {
        await this.#applyAsync(grads, values, extraBatches);
      } else {
        const context = await readAsync(weighingContext(weighting, this.#epoch, grads, action));
        const w = weighting.weights(Array.from(await values.data()), context);
        weighted = weighTaskGrads(grads, w);
        weightedLosses = tidy(() => mul(values, tensor1d(w)));
        weightedBatches = extraBatches?.map((b) => weighTaskGrads(b, w)) ?? [];
        await this.#applyAsync(
          weighted,
          weightedLosses,
          extraBatches === undefined ? undefined : weightedBatches,
        );
        if (weighting.needs.afterStep) {
          const after = tidy(() => stack(checkLosses(f(), losses.length, action)));
          try {
            weighting.update(Array.from(await after.data()));
          } finally {
            after.dispose();
          }
        }
      }
    } catch (error) {
      values.dispose();
      if (saved !== undefined) weighting!.setState(saved);
      throw error;
    } finally {
      disposeMaps(grads);
      disposeWeighted(weighted);
      weightedLosses?.dispose();
      for (const b of batches) disposeMaps(b);
      for (const b of weightedBatches) disposeWeighted(b);
    }
    if (returnCost) return values as unknown as Tensor1DOf<S>;
    values.dispose();
    return null;
  }

  /**
   * Applies the surgery to T task gradient maps (e.g. from tf.variableGrads) and the result with
   * the inner optimizer; `losses` (the T task losses) for methods that use them. The maps are the
   * caller's: they are not disposed.
   */
  applyGradients(
    taskGrads: readonly TensorMap[],
    losses?: readonly number[] | TensorLike,
    batches?: readonly (readonly TensorMap[])[],
  ): void {
    const action = "apply gradients";
    this.#checkLive(action);
    const weighting = this.#lossWeighting;
    if (weighting === null) {
      const update = this.#surgery.surgery(taskGrads as readonly NamedTensorMap[], {
        losses,
        batches,
      });
      this.#applyOwned(update);
      return;
    }
    const maps = taskGrads as readonly NamedTensorMap[];
    const saved = weighting.getState();
    let weighted: NamedTensorMap[] = [];
    let weightedBatches: NamedTensorMap[][] | undefined;
    try {
      const context = readSync(weighingContext(weighting, this.#epoch, maps, action));
      const L = this.#lossValues(losses, action, (t) => t.dataSync());
      const w = weighting.weights(L, context);
      weighted = weighTaskGrads(maps, w);
      weightedBatches = weighBatches(batches, w);
      const update = this.#surgery.surgery(weighted, {
        losses: w.map((x, t) => x * L[t]),
        batches: weightedBatches,
      });
      this.#applyOwned(update);
    } catch (error) {
      weighting.setState(saved);
      throw error;
    } finally {
      disposeWeighted(weighted);
      for (const b of weightedBatches ?? []) disposeWeighted(b);
    }
  }

  /** {@linkcode applyGradients} reading the Gramian with `await data()`. */
  async applyGradientsAsync(
    taskGrads: readonly TensorMap[],
    losses?: readonly number[] | TensorLike,
    batches?: readonly (readonly TensorMap[])[],
  ): Promise<void> {
    const action = "apply gradients";
    const weighting = this.#lossWeighting;
    if (weighting === null) return await this.#applyAsync(taskGrads, losses, batches);
    this.#checkLive(action);
    const maps = taskGrads as readonly NamedTensorMap[];
    const saved = weighting.getState();
    let weighted: NamedTensorMap[] = [];
    let weightedBatches: NamedTensorMap[][] | undefined;
    try {
      const context = await readAsync(weighingContext(weighting, this.#epoch, maps, action));
      const read = isTensor(losses) ? Array.from(await (losses as Tensor).data()) : undefined;
      const L = this.#lossValues(losses, action, () => read!);
      const w = weighting.weights(L, context);
      weighted = weighTaskGrads(maps, w);
      weightedBatches = weighBatches(batches, w);
      await this.#applyAsync(weighted, w.map((x, t) => x * L[t]), weightedBatches);
    } catch (error) {
      weighting.setState(saved);
      throw error;
    } finally {
      disposeWeighted(weighted);
      for (const b of weightedBatches ?? []) disposeWeighted(b);
    }
  }

  /** The losses `applyGradients` was given, as numbers: the loss weighting needs them. */
  #lossValues(
    losses: unknown,
    action: string,
    read: (t: Tensor) => ArrayLike<number>,
  ): number[] {
    if (losses === undefined) {
      throw new RangeError(
        `Cannot ${action}: loss weighting "${this.#lossWeighting!.name}" needs the task losses; ` +
          `pass them: applyGradients(taskGrads, losses)`,
      );
    }
    if (isTensor(losses)) return Array.from(read(losses));
    return losses as number[];
  }

  /**
   * Gradient accumulation, one micro-batch: each task's gradients of `f` (T forward and backward
   * passes, as {@linkcode minimize}) are added to the running per-task sums, and the T losses to
   * theirs; nothing is applied. {@linkcode applyAccumulated} then runs one surgery on the sums.
   * With per-example losses summed over each micro-batch, the sums are exactly the gradients of
   * the large batch's summed losses; with losses that are means over equal micro-batches, use
   * `applyAccumulated({ average: true })` for the large batch's mean (docs/tfjs.md "Gradient
   * accumulation"). Returns the micro-batches accumulated so far.
   *
   * @example Two micro-batches, one surgery
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { SurgeryOptimizer } from "../tfjs.ts";
   * import assert from "node:assert/strict";
   *
   * await tf.setBackend("cpu");
   * const w = tf.variable(tf.tensor1d([1, 1]), true, "doc/accumulate/w");
   * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 1 });
   * const batches = [tf.tensor1d([1, 2]), tf.tensor1d([3, -1])];
   * for (const x of batches) {
   *   optimizer.accumulate(() => [
   *     tf.sum(tf.mul(w, x)) as tf.Scalar, // task 1 on this micro-batch
   *     tf.neg(tf.sum(tf.mul(w, tf.tensor1d([1, 0])))) as tf.Scalar, // task 2
   *   ]);
   * }
   * assert.equal(optimizer.accumulatedMicroBatches, 2);
   * optimizer.applyAccumulated(); // one surgery on the summed gradients
   * assert.equal(optimizer.accumulatedMicroBatches, 0);
   * assert.deepEqual(optimizer.stats?.gramian[0], [17, -8]); // (4, 1)·(4, 1), (4, 1)·(−2, 0)
   * tf.dispose([w, ...batches]);
   * optimizer.dispose();
   * ```
   */
  accumulate<S extends TensorLike>(f: TaskLosses<S>, varList?: readonly TensorLike[]): number {
    const action = "accumulate gradients";
    this.#checkLive(action);
    const { losses, grads } = taskGradients(f, varList, action);
    const values = stack(losses) as Tensor1D;
    try {
      this.#accumulator.add(grads, values, action);
    } finally {
      dispose([...losses, values]);
      disposeMaps(grads);
    }
    return this.#accumulator.count;
  }

  /** Micro-batches summed by {@linkcode accumulate} since the last apply or clear. */
  get accumulatedMicroBatches(): number {
    return this.#accumulator.count;
  }

  /**
   * One surgery on the accumulated per-task sums (divided by the number of micro-batches when
   * `average`), applied with the inner optimizer; the summed losses reach the methods that use
   * them. The sums are then cleared; when the step fails they are kept (see
   * {@linkcode clearAccumulated}). Nothing accumulated is a RangeError.
   */
  applyAccumulated(options?: { average?: boolean }): void {
    const action = "apply accumulated gradients";
    this.#checkLive(action);
    const average = checkAverage(options, action);
    tidy(() => {
      const sums = this.#accumulator.peek(average);
      if (sums === null) throw nothingAccumulated(action);
      this.#apply(this.#surgery.surgery(sums.grads, { losses: sums.losses }));
    });
    this.#accumulator.clear();
  }

  /** {@linkcode applyAccumulated} reading the Gramian with `await data()` (every backend). */
  async applyAccumulatedAsync(options?: { average?: boolean }): Promise<void> {
    const action = "apply accumulated gradients";
    this.#checkLive(action);
    const average = checkAverage(options, action);
    if (this.#accumulator.count === 0) throw nothingAccumulated(action);
    const sums = tidy(() =>
      this.#accumulator.peek(average)! as unknown as TensorContainerObject
    ) as unknown as { grads: NamedTensorMap[]; losses: Tensor1D };
    try {
      await this.#applyAsync(sums.grads, sums.losses);
    } finally {
      if (average) {
        disposeMaps(sums.grads);
        sums.losses.dispose();
      }
    }
    this.#accumulator.clear();
  }

  /** Disposes the accumulated sums without applying them. */
  clearAccumulated(): void {
    this.#accumulator.clear();
  }

  /** Hands an update to the inner optimizer (checked to be a tf.train one when wrapped). */
  #apply(update: TensorMap): void {
    (this.inner as unknown as Optimizer).applyGradients(update as NamedTensorMap);
  }

  /** {@linkcode #apply} for an update made outside a `tidy`: disposed afterwards, even on error. */
  #applyOwned(update: NamedTensorMap): void {
    try {
      this.#apply(update);
    } finally {
      dispose(Object.values(update));
    }
  }

  async #applyAsync(
    taskGrads: readonly TensorMap[],
    losses?: readonly number[] | TensorLike,
    batches?: readonly (readonly TensorMap[])[],
  ) {
    this.#checkLive("apply gradients");
    const update = await this.#surgery.surgeryAsync(taskGrads as readonly NamedTensorMap[], {
      losses,
      batches,
    });
    this.#applyOwned(update);
  }

  /** Diagnostics of the last step (cosines, conflicts, weights…); null before the first. */
  get stats(): SurgeryStats | null {
    return this.#surgery.stats;
  }

  /**
   * The loss weighting given as the `lossWeighting` option (null without one): its `options`,
   * `needs` and state, and, for FAMO after `applyGradients`, its `update(lossesAfter)`.
   */
  get lossWeighting(): LossWeighting | null {
    return this.#lossWeighting;
  }

  /**
   * Sets the epoch (a whole number ≥ 0, never decreasing) the next steps belong to: DWA and STCH
   * weigh by epochs. Call it at the start of each epoch; the others ignore it.
   *
   * @example DWA: equal weights for two epochs, then from the loss ratios
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { SurgeryOptimizer } from "../tfjs.ts";
   * import assert from "node:assert/strict";
   *
   * await tf.setBackend("cpu");
   * const x = tf.variable(tf.tensor1d([2, -1]), true, "doc/setEpoch/x");
   * const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "sum", lossWeighting: "dwa" });
   * const losses = () => [tf.sum(tf.square(x)) as tf.Scalar, tf.sum(tf.abs(x)) as tf.Scalar];
   * for (let epoch = 0; epoch < 3; epoch++) {
   *   optimizer.setEpoch(epoch);
   *   optimizer.minimize(losses);
   * }
   * assert.equal(optimizer.stats?.weights.length, 2);
   * x.dispose();
   * optimizer.dispose();
   * ```
   */
  setEpoch(epoch: number): void {
    if (typeof epoch !== "number" || !Number.isInteger(epoch) || epoch < 0) {
      throw new RangeError(
        `Cannot set the epoch: it must be a whole number ≥ 0, found ${
          typeof epoch === "number" ? epoch : describe(epoch)
        }`,
      );
    }
    this.#epoch = epoch;
  }

  /**
   * Restarts the surgery's stream and method state, and the loss weighting's (the inner
   * optimizer's state is kept).
   */
  resetSurgery(): void {
    this.#surgery.reset();
    this.#lossWeighting?.reset();
  }

  /**
   * The surgery's stream and method state as plain JSON data, for a checkpoint. The inner
   * optimizer's slots are its own (`inner.getWeights()`); a checkpoint needs both, and the
   * model's variables. {@linkcode getWeights} gives both at once, in tf.js's own form.
   *
   * @example Resuming a run in a new optimizer, bit for bit
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { SurgeryOptimizer } from "../tfjs.ts";
   * import assert from "node:assert/strict";
   *
   * await tf.setBackend("cpu");
   * const x = tf.variable(tf.tensor1d([1, 2, 3]), true, "doc/state/x");
   * const losses = () => [
   *   tf.sum(tf.mul(x, tf.tensor1d([1, -1, 0]))) as tf.Scalar,
   *   tf.sum(tf.mul(x, tf.tensor1d([-1, 0, 1]))) as tf.Scalar,
   *   tf.sum(tf.mul(x, tf.tensor1d([0, 1, -1]))) as tf.Scalar,
   * ];
   * const first = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 3 });
   * first.minimize(losses);
   * const saved = JSON.stringify(first.getSurgeryState());
   * const start = x.dataSync().slice();
   * first.minimize(losses);
   * const straight = x.dataSync().slice();
   *
   * x.assign(tf.tensor1d(start));
   * const resumed = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 3 });
   * resumed.setSurgeryState(saved);
   * resumed.minimize(losses);
   * assert.deepEqual(x.dataSync(), straight);
   * x.dispose();
   * ```
   */
  getSurgeryState(): SurgeryState {
    return saveWithLossWeighting(this.#stepper, this.#lossWeighting);
  }

  /**
   * Restores the surgery's state from {@linkcode getSurgeryState} (the object or its JSON), with
   * the loss weighting's (`lossWeighting` in it), all or nothing.
   */
  setSurgeryState(state: SurgeryState | string): void {
    restoreWithLossWeighting(
      this.#stepper,
      this.#lossWeighting,
      state,
      "restore the surgery state",
    );
  }

  /**
   * The whole optimizer state in tf.js's optimizer format (`tf.Optimizer.getWeights`; `T` is your
   * tf.js's `tf.Tensor`, as in the adapter's other signatures), for
   * `tf.io.encodeWeights` or `LayersModel.save({ includeOptimizer: true })`: the inner optimizer's
   * weights as it gives them (its iteration count "iter" first, then its slots) and, last, the
   * surgery's stream and method state: an entry named {@linkcode SURGERY_STATE_WEIGHT} holding
   * the state's JSON text as a string scalar. That entry's tensor is new and the caller's to
   * dispose; the inner optimizer's are as it gives them (Adam's slots are its own variables).
   *
   * @example Save to tf.io's format, resume in a new optimizer bit for bit
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { SurgeryOptimizer } from "../tfjs.ts";
   * import assert from "node:assert/strict";
   *
   * await tf.setBackend("cpu");
   * const x = tf.variable(tf.tensor1d([1, 2, 3]), true, "doc/getWeights/x");
   * const losses = () => [
   *   tf.sum(tf.mul(x, tf.tensor1d([1, -1, 0]))) as tf.Scalar,
   *   tf.sum(tf.mul(x, tf.tensor1d([-1, 0, 1]))) as tf.Scalar,
   * ];
   * const first = new SurgeryOptimizer(tf.train.adam(0.1), { method: "gradvac", seed: 3 });
   * first.minimize(losses);
   * const weights = await first.getWeights<tf.Tensor>(); // tf.js's own tensors
   * const saved = await tf.io.encodeWeights(weights);
   * tf.dispose(weights.at(-1)!.tensor); // the state entry is ours to dispose
   * const start = x.dataSync().slice();
   * first.minimize(losses);
   * const straight = x.dataSync().slice();
   *
   * x.assign(tf.tensor1d(start));
   * const resumed = new SurgeryOptimizer(tf.train.adam(0.1), { method: "gradvac" });
   * const decoded = tf.io.decodeWeights(saved.data, saved.specs);
   * await resumed.setWeights(saved.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] })));
   * resumed.minimize(losses);
   * assert.deepEqual(x.dataSync(), straight);
   * tf.dispose([x, ...Object.values(decoded)]);
   * first.dispose();
   * resumed.dispose();
   * ```
   */
  async getWeights<T extends TensorLike = TensorLike>(): Promise<NamedTensorLike<T>[]> {
    this.#checkLive("get weights");
    const inner = await (this.inner as unknown as Optimizer).getWeights();
    const state = scalar(
      JSON.stringify(saveWithLossWeighting(this.#stepper, this.#lossWeighting)),
      "string",
    );
    return [...inner, { name: SURGERY_STATE_WEIGHT, tensor: state }] as unknown as NamedTensorLike<
      T
    >[];
  }

  /**
   * Restores a state from {@linkcode getWeights} (tf.js's `Optimizer.setWeights`): the entry named
   * {@linkcode SURGERY_STATE_WEIGHT} restores the surgery, the others, in their order, go to the
   * inner optimizer's `setWeights`. A missing, repeated or malformed surgery entry is an error
   * naming it, and then nothing changes; so does an error of the inner optimizer.
   */
  async setWeights(weightValues: readonly NamedTensorLike[]): Promise<void> {
    const action = "set the SurgeryOptimizer's weights";
    this.#checkLive(action);
    const { state, rest } = splitSurgeryEntry(weightValues, action);
    const text = await surgeryStateText(state, action);
    const previous = saveWithLossWeighting(this.#stepper, this.#lossWeighting);
    restoreWithLossWeighting(
      this.#stepper,
      this.#lossWeighting,
      text,
      `restore the surgery state from weight "${SURGERY_STATE_WEIGHT}"`,
    );
    try {
      await (this.inner as unknown as Optimizer).setWeights(
        rest as { name: string; tensor: Tensor }[],
      );
    } catch (error) {
      restoreWithLossWeighting(this.#stepper, this.#lossWeighting, previous, "restore");
      throw error;
    }
  }

  /**
   * Disposes the inner optimizer's state (its slot variables). The optimizer cannot step after
   * this (tf.js optimizers dispose tensors they need, the learning rate among them); a second
   * call does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#accumulator.clear();
    this.inner.dispose();
  }

  /** A disposed optimizer fails with a TypeError saying so, not inside tf.js. */
  #checkLive(action: string): void {
    if (this.#disposed) {
      throw new TypeError(`Cannot ${action}: this SurgeryOptimizer is disposed`);
    }
  }

  /**
   * The inner optimizer's class and config, and the surgery's options with defaults filled in:
   * only those of its method (and `groups` when given), so that `new SurgeryOptimizer(inner, config.surgery)` is valid (an
   * option of another method is a RangeError).
   */
  getConfig(): {
    optimizer: string;
    config: Record<string, unknown>;
    surgery: SurgeryOptimizerOptions;
  } {
    const method = this.#options.method;
    const applies = APPLIES_TO as Readonly<Record<string, readonly string[]>>;
    const surgery = Object.fromEntries(
      Object.entries(this.#options).filter(([key, value]) =>
        value !== undefined && (applies[key] === undefined || applies[key].includes(method))
      ),
    ) as SurgeryOptimizerOptions;
    const weighting = this.#lossWeighting;
    if (this.#groups !== undefined) surgery.groups = this.#groups;
    if (weighting !== null) {
      surgery.lossWeighting = {
        name: weighting.name,
        ...JSON.parse(JSON.stringify(weighting.options)),
      };
    }
    return {
      optimizer: this.inner.getClassName(),
      config: this.inner.getConfig() as Record<string, unknown>,
      surgery,
    };
  }
}
