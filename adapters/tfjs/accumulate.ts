/**
 * Gradient accumulation for `SurgeryOptimizer`: each task's gradients (and loss) summed over
 * micro-batches, kept until one surgery runs on the sums. Because the surgery is nonlinear in the
 * gradients (PCGrad projects only where they conflict), the surgery of the summed gradients is the
 * large batch's, which averaging per-micro-batch surgeries is not (docs/methods.md "Gradient
 * accumulation").
 * @module
 */

import { describe } from "../../validate/grads.ts";
import { checkKeys } from "../../validate/keys.ts";
import {
  add,
  clone,
  dispose,
  div,
  keep,
  type NamedTensorMap,
  scalar,
  type Tensor,
  type Tensor1D,
  type TensorContainerObject,
  tidy,
} from "@tensorflow/tfjs";

/** The running sums: one gradient map per task and the T losses, over `count` micro-batches. */
interface Sums {
  grads: NamedTensorMap[];
  losses: Tensor1D;
}

/** Adds map `b` into map `a` by variable name: new tensors (a variable in one of them is cloned). */
function addMaps(a: NamedTensorMap, b: NamedTensorMap): NamedTensorMap {
  const sum: NamedTensorMap = {};
  for (const [name, x] of Object.entries(a)) {
    if (x == null) continue;
    const y = b[name];
    sum[name] = y == null ? clone(x) : add(x, y);
  }
  for (const [name, y] of Object.entries(b)) {
    if (y != null && sum[name] === undefined) sum[name] = clone(y);
  }
  return sum;
}

/** Per-task gradient sums over micro-batches, owned (kept out of tf.tidy) until taken or cleared. */
export class GradientAccumulator {
  #sums: Sums | null = null;
  #count = 0;

  /** Micro-batches summed since the last take or clear. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds one micro-batch: T gradient maps and a 1-D tensor of the T losses (the caller's; not
   * disposed here). A different task count than the micro-batches before is a RangeError.
   */
  add(grads: readonly NamedTensorMap[], losses: Tensor1D, action: string): void {
    const previous = this.#sums;
    if (previous !== null && previous.grads.length !== grads.length) {
      throw new RangeError(
        `Cannot ${action}: this micro-batch has ${grads.length} tasks, the accumulated ones ${previous.grads.length}`,
      );
    }
    const next = tidy(() => {
      if (previous === null) {
        return {
          grads: grads.map((m) => addMaps(m, {})),
          losses: clone(losses),
        } as unknown as TensorContainerObject;
      }
      return {
        grads: previous.grads.map((m, t) => addMaps(m, grads[t])),
        losses: add(previous.losses, losses),
      } as unknown as TensorContainerObject;
    }) as unknown as Sums;
    // Kept: a tf.tidy of the caller's around accumulate() must not dispose the sums.
    for (const m of next.grads) Object.values(m).forEach((x) => keep(x));
    keep(next.losses);
    if (previous !== null) this.#dispose(previous);
    this.#sums = next;
    this.#count++;
  }

  /**
   * The sums (divided by the count when `average`) as new tensors for the caller, within a tidy
   * of the caller's; null when nothing was added. The sums stay until {@linkcode clear}.
   */
  peek(average: boolean): { grads: NamedTensorMap[]; losses: Tensor1D } | null {
    const sums = this.#sums;
    if (sums === null) return null;
    if (!average) return sums;
    const n = scalar(this.#count);
    const scale = (x: Tensor) => div(x, n);
    return {
      grads: sums.grads.map((m) =>
        Object.fromEntries(Object.entries(m).map(([name, x]) => [name, scale(x)]))
      ),
      losses: scale(sums.losses) as Tensor1D,
    };
  }

  /** Disposes the sums and restarts the count. */
  clear(): void {
    if (this.#sums !== null) this.#dispose(this.#sums);
    this.#sums = null;
    this.#count = 0;
  }

  #dispose(sums: Sums): void {
    for (const m of sums.grads) dispose(Object.values(m));
    sums.losses.dispose();
  }
}

/** The `average` option of `applyAccumulated`: a boolean, false when absent. */
export function checkAverage(options: unknown, action: string): boolean {
  checkKeys(options, ["average"], action);
  const average = (options as { average?: unknown } | undefined)?.average ?? false;
  if (typeof average !== "boolean") {
    throw new TypeError(`Cannot ${action}: average must be a boolean, found ${describe(average)}`);
  }
  return average;
}

/** Applying with nothing accumulated. */
export function nothingAccumulated(action: string): RangeError {
  return new RangeError(
    `Cannot ${action}: nothing accumulated; call accumulate(f) for each micro-batch first`,
  );
}
