/**
 * The MultiMNIST training step the tf.js benchmarks time (bench/tfjs_step_bench.ts in Deno,
 * bench/tfjs_threads.ts in Deno and in a browser page): Sener & Koltun's LeNet (examples/multimnist:
 * shared trunk, two heads) on one fixed batch of 256 MultiMNIST-shaped images, stepped either by
 * plain Adam on L_left + L_right or by `SurgeryOptimizer` (PCGrad, then the same Adam). One module,
 * so every benchmark times the same step.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { SurgeryOptimizer } from "../adapters/tfjs.ts";
import {
  createModel,
  disposeModel,
  type MultiLeNet,
  taskLosses,
} from "../examples/multimnist/model.ts";

/** Images per step: the batch of Sener & Koltun's MultiMNIST runs. */
export const BATCH = 256;

/** A model, a batch and the two ways of stepping it; `dispose()` frees them all. */
export interface MultiMnistStep {
  model: MultiLeNet;
  x: tf.Tensor4D;
  left: tf.Tensor1D;
  right: tf.Tensor1D;
  /** The two task losses on the batch. */
  losses(): tf.Scalar[];
  /** L_left + L_right. */
  sum(): tf.Scalar;
  /** One step of plain Adam on the summed loss, awaited until its loss is read back. */
  innerStep(): Promise<void>;
  /**
   * One `SurgeryOptimizer` step (PCGrad over the two losses, then Adam), awaited until its loss is
   * read back; `minimizeAsync` where the backend computes asynchronously (webgpu).
   */
  surgeryStep(): Promise<void>;
  dispose(): void;
}

/** Reads a result back (so queued work is inside a timing) and frees it. */
export async function readBack(t: tf.Tensor | null): Promise<void> {
  if (t !== null) {
    await t.data();
    t.dispose();
  }
}

/** A fixed batch of MultiMNIST-shaped inputs and labels (the timing does not depend on the pixels). */
export function fixedBatch(): { x: tf.Tensor4D; left: tf.Tensor1D; right: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D,
    left: tf.randomUniform([BATCH], 0, 10, "int32", 2) as tf.Tensor1D,
    right: tf.randomUniform([BATCH], 0, 10, "int32", 3) as tf.Tensor1D,
  }));
}

/**
 * The step on the current backend, with a model named `name` (variable names must be unique per
 * backend) initialised from seed 0. The example's Conv2D gradient must be registered first
 * (examples/multimnist/conv_grad.ts registerConv2dGradient).
 */
export function multiMnistStep(name: string, options: { async?: boolean } = {}): MultiMnistStep {
  const model = createModel(name, 0);
  const { x, left, right } = fixedBatch();
  const losses = () => taskLosses(model, x, left, right);
  const sum = () => {
    const [a, b] = losses();
    return tf.add(a, b) as tf.Scalar;
  };
  const adam = tf.train.adam(1e-3);
  const wrapped = new SurgeryOptimizer(tf.train.adam(1e-3), { seed: 0 });
  return {
    model,
    x,
    left,
    right,
    losses,
    sum,
    innerStep: () => readBack(adam.minimize(sum, true, model.all)),
    surgeryStep: () =>
      options.async
        ? wrapped.minimizeAsync(losses, true, model.all).then(readBack)
        : readBack(wrapped.minimize(losses, true, model.all)),
    dispose() {
      wrapped.dispose();
      adam.dispose();
      disposeModel(model);
      tf.dispose([x, left, right]);
    },
  };
}
