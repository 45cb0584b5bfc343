/**
 * One MultiMNIST training run: the shared-trunk LeNet (model.ts) trained with Adam on both tasks,
 * either with equal weighting (method "sum": the inner optimizer on L_left + L_right, one backward
 * pass, which is exactly Σ_t g_t on the trunk and each head's own gradient) or through
 * {@linkcode SurgeryOptimizer} with any other method. Test accuracy of both tasks is measured at
 * regular points, giving the learning curve.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { Prng } from "../../random/prng.ts";
import type { Method } from "../../validate/options.ts";
import type { MultiMnist } from "./data.ts";
import { createModel, disposeModel, forward, type MultiLeNet, taskLosses } from "./model.ts";

/** Settings of one run. */
export interface RunSettings {
  method: Method;
  seed: number;
  epochs: number;
  batch: number;
  learningRate: number;
  /** Test evaluations per epoch (learning-curve points). */
  evalsPerEpoch: number;
}

/** One learning-curve point. */
export interface CurvePoint {
  /** Epochs done (fractional between epoch ends). */
  epoch: number;
  /** Mean training losses of both tasks since the previous point. */
  trainLoss: [number, number];
  /** Test accuracy of both tasks, in %. */
  testAccuracy: [number, number];
}

/** Result of one run. */
export interface RunResult {
  settings: RunSettings;
  curve: CurvePoint[];
  /** Final test accuracy (left, right), in %. */
  accuracy: [number, number];
  /** Wall time of the training steps alone, in seconds. */
  trainSeconds: number;
  /** Fraction of steps whose two trunk gradients conflicted (cos φ < 0); null for "sum". */
  conflictRate: number | null;
}

/** Test accuracy (%) of both tasks, in batches of 1000. */
export function evaluate(model: MultiLeNet, data: MultiMnist): [number, number] {
  const correct = [0, 0];
  for (let from = 0; from < data.n; from += 1000) {
    const n = Math.min(1000, data.n - from);
    const hits = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(from * 784, (from + n) * 784), [n, 28, 28, 1]);
      const [a, b] = forward(model, x);
      const left = tf.tensor1d(data.left.subarray(from, from + n), "int32");
      const right = tf.tensor1d(data.right.subarray(from, from + n), "int32");
      return [
        tf.sum(tf.cast(tf.equal(tf.argMax(a, 1), left), "int32")),
        tf.sum(tf.cast(tf.equal(tf.argMax(b, 1), right), "int32")),
      ];
    });
    correct[0] += hits[0].dataSync()[0];
    correct[1] += hits[1].dataSync()[0];
    tf.dispose(hits);
  }
  return [(100 * correct[0]) / data.n, (100 * correct[1]) / data.n];
}

/** A training batch gathered from a permutation of the training set. */
function batchTensors(data: MultiMnist, order: Uint32Array, from: number, n: number) {
  const images = new Float32Array(n * 784);
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[from + k];
    images.set(data.images.subarray(i * 784, (i + 1) * 784), k * 784);
    left[k] = data.left[i];
    right[k] = data.right[i];
  }
  return {
    x: tf.tensor4d(images, [n, 28, 28, 1]),
    left: tf.tensor1d(left, "int32"),
    right: tf.tensor1d(right, "int32"),
  };
}

/** Trains one model; `onStep(done, total)` reports progress after every step. */
export async function train(
  settings: RunSettings,
  trainSet: MultiMnist,
  testSet: MultiMnist,
  onStep: (done: number, total: number, loss: [number, number]) => void = () => {},
): Promise<RunResult> {
  const model = createModel(`${settings.method}-${settings.seed}`, settings.seed);
  const adam = tf.train.adam(settings.learningRate);
  const surgery = settings.method === "sum" ? null : new SurgeryOptimizer(adam, {
    method: settings.method,
    seed: settings.seed,
  });
  const rng = new Prng(settings.seed);
  const steps = Math.floor(trainSet.n / settings.batch);
  const total = steps * settings.epochs;
  // Evaluation points: evalsPerEpoch evenly spaced steps of every epoch, the last one included.
  const evalAt = new Set(
    Array.from(
      { length: settings.evalsPerEpoch },
      (_, k) => Math.round(((k + 1) * steps) / settings.evalsPerEpoch) - 1,
    ),
  );
  const curve: CurvePoint[] = [];
  let lossSum = [0, 0];
  let lossCount = 0;
  let conflicts = 0;
  let trainMs = 0;
  let done = 0;
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const order = Uint32Array.from(rng.shuffle(Array.from({ length: trainSet.n }, (_, i) => i)));
      for (let s = 0; s < steps; s++) {
        const batch = batchTensors(trainSet, order, s * settings.batch, settings.batch);
        const losses = () => taskLosses(model, batch.x, batch.left, batch.right);
        const start = performance.now();
        const cost = surgery === null
          ? tf.tidy(() => {
            let both: tf.Scalar[] = [];
            adam.minimize(
              () => {
                both = losses().map((l) => tf.keep(l)); // outlive minimize's own tidy…
                return tf.add(both[0], both[1]) as tf.Scalar;
              },
              false,
              model.all,
            );
            const stacked = tf.stack(both);
            tf.dispose(both); // …and every other tidy: kept tensors are freed by hand
            return stacked;
          })
          : surgery.minimize(losses, true, model.all)!;
        const values = cost.dataSync();
        trainMs += performance.now() - start;
        tf.dispose([cost, batch.x, batch.left, batch.right]);
        if ((surgery?.stats?.conflicts.length ?? 0) > 0) conflicts++;
        lossSum = [lossSum[0] + values[0], lossSum[1] + values[1]];
        lossCount++;
        done++;
        onStep(done, total, [values[0], values[1]]);
        if (evalAt.has(s)) {
          curve.push({
            epoch: epoch + (s + 1) / steps,
            trainLoss: [lossSum[0] / lossCount, lossSum[1] / lossCount],
            testAccuracy: evaluate(model, testSet),
          });
          lossSum = [0, 0];
          lossCount = 0;
        }
        // Let the progress bar's timer and other tasks run.
        if (done % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    return {
      settings,
      curve,
      accuracy: curve[curve.length - 1].testAccuracy,
      trainSeconds: trainMs / 1000,
      conflictRate: surgery === null ? null : conflicts / done,
    };
  } finally {
    disposeModel(model);
    adam.dispose();
  }
}
