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
import { accumulateGram, createSurgery, type Surgery } from "../../mod.ts";
import { Prng } from "../../random/prng.ts";
import type { Normalization } from "../../vocabulary/method_options.ts";
import type { Method } from "../../vocabulary/methods.ts";
import type { Variant } from "../../vocabulary/options.ts";
import {
  type Checkpoint,
  readCheckpoint,
  restoreAdam,
  restoreVariables,
  saveAdam,
  savedValues,
  saveTensors,
  writeCheckpoint,
} from "./checkpoint.ts";
import type { MultiMnist } from "./data.ts";
import {
  createModel,
  disposeModel,
  forward,
  headDropout,
  headLoss,
  type Init,
  type MultiLeNet,
  taskLosses,
  trunkForward,
} from "./model.ts";

/**
 * A run's method: one of the library's, or "mgda-ub", Sener & Koltun's MGDA-UB (their
 * Algorithm 2 with the upper bound of their Theorem 1): MGDA's weights from the Gramian of each
 * task's gradient with respect to the shared representation z, then one backward pass of
 * Σ_t α_t L_t (which scales each head by its α_t too, as their code does).
 */
export type RunMethod = Method | "mgda-ub";

/** Settings of one run. */
export interface RunSettings {
  method: RunMethod;
  /** PCGrad's ablation variant (Yu et al. 2020, §5.2); default "full". */
  variant?: Variant;
  seed: number;
  epochs: number;
  batch: number;
  learningRate: number;
  /** Test evaluations per epoch (learning-curve points). */
  evalsPerEpoch: number;
  /**
   * Step decay of the learning rate: × `factor` at the start of every epoch e with
   * (e + 1) divisible by `every` (Sener & Koltun's code: × 0.85 every 10 epochs); default none.
   */
  lrDecay?: { every: number; factor: number } | null;
  /** Standardise pixels with MNIST's mean 0.1307 and std 0.3081, as Sener & Koltun; default no. */
  normalizeInputs?: boolean;
  /** Sener & Koltun's training-time dropout (model.ts {@linkcode Dropout}); default no. */
  dropout?: boolean;
  /** MGDA's gradient normalisation (their code's default is "loss+"); "none" for other methods. */
  normalization?: Normalization;
  /** How the weights are initialised (model.ts {@linkcode Init}); default "glorot". */
  init?: Init;
}

/** {@linkcode RunSettings} with every default filled in (what a result and a checkpoint record). */
export type ResolvedRunSettings = Required<RunSettings>;

/** Fills in the defaults. */
export function resolveRunSettings(s: RunSettings): ResolvedRunSettings {
  return {
    variant: "full",
    lrDecay: null,
    normalizeInputs: false,
    dropout: false,
    normalization: "none",
    init: "glorot",
    ...s,
  };
}

/** The learning rate in `epoch` (0-based) under the settings' decay. */
export function learningRateAt(s: ResolvedRunSettings, epoch: number): number {
  if (s.lrDecay === null) return s.learningRate;
  return s.learningRate * s.lrDecay.factor ** Math.floor((epoch + 1) / s.lrDecay.every);
}

/** Checkpointing of a run (checkpoint.ts). */
export interface CheckpointOptions {
  /** The checkpoint file (rewritten atomically). */
  path: string;
  /** Steps between checkpoints (one is also written at every evaluation and at the end). */
  everySteps: number;
  /** Continue from the file if it exists (else start afresh); without it, an existing file is overwritten. */
  resume: boolean;
}

/** MNIST's pixel mean and standard deviation (the torchvision constants Sener & Koltun use). */
const PIXEL_MEAN = 0.1307;
const PIXEL_STD = 0.3081;

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
  settings: ResolvedRunSettings;
  curve: CurvePoint[];
  /** Final test accuracy (left, right), in %. */
  accuracy: [number, number];
  /** Wall time of the training steps alone, in seconds. */
  trainSeconds: number;
  /** Fraction of steps whose two trunk gradients conflicted (cos φ < 0); null for "sum". */
  conflictRate: number | null;
  /**
   * SHA-256 of the final weights (float32 bytes, in the model's order): equal digests mean bitwise
   * equal models, e.g. a resumed run and an uninterrupted one.
   */
  weightsDigest: string;
}

/** What a checkpoint carries besides the tensors: the run's progress so far. */
interface Progress {
  curve: CurvePoint[];
  lossSum: [number, number];
  lossCount: number;
  conflicts: number;
  trainMs: number;
}

/** Pixels as the network sees them: as stored, or standardised. */
function pixels(values: Float32Array, normalize: boolean): Float32Array {
  return normalize ? values.map((v) => (v - PIXEL_MEAN) / PIXEL_STD) : values;
}

/** Test accuracy (%) of both tasks, in batches of 1000; `normalize` as in training. */
export function evaluate(model: MultiLeNet, data: MultiMnist, normalize = false): [number, number] {
  const correct = [0, 0];
  for (let from = 0; from < data.n; from += 1000) {
    const n = Math.min(1000, data.n - from);
    const hits = tf.tidy(() => {
      const x = tf.tensor4d(
        pixels(data.images.subarray(from * 784, (from + n) * 784), normalize),
        [n, 28, 28, 1],
      );
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
function batchTensors(
  data: MultiMnist,
  order: Uint32Array,
  from: number,
  n: number,
  normalize: boolean,
) {
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
    x: tf.tensor4d(pixels(images, normalize), [n, 28, 28, 1]),
    left: tf.tensor1d(left, "int32"),
    right: tf.tensor1d(right, "int32"),
  };
}

/**
 * MGDA-UB's task weights for one batch: each task's loss gradient with respect to the shared
 * representation z (the step's dropout masks included), their Gramian, and MGDA's min-norm
 * weights from it (with the run's normalisation, which gets the task losses).
 */
export function mgdaUbWeights(
  ub: Surgery,
  model: MultiLeNet,
  batch: { x: tf.Tensor4D; left: tf.Tensor1D; right: tf.Tensor1D },
  dropout: { seed: number } | undefined,
): Float64Array {
  const grads: Float32Array[] = [];
  const losses: number[] = [];
  tf.tidy(() => {
    const z = trunkForward(model, batch.x, dropout);
    [batch.left, batch.right].forEach((labels, k) => {
      const { value, grad } = tf.valueAndGrad((zz: tf.Tensor) =>
        headLoss(model.heads[k], zz as tf.Tensor2D, labels, headDropout(dropout, k))
      )(z);
      grads.push(grad.dataSync() as Float32Array);
      losses.push(value.dataSync()[0]);
    });
  });
  return ub.weights(accumulateGram(grads), { losses });
}

/** SHA-256 of float32 arrays' bytes, concatenated in order, as hex. */
async function digest(parts: readonly Float32Array[]): Promise<string> {
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A finished run's result from its progress record and final weights (live or checkpointed). */
async function runResult(
  settings: ResolvedRunSettings,
  progress: Progress,
  done: number,
  weights: readonly Float32Array[],
): Promise<RunResult> {
  return {
    settings,
    curve: progress.curve,
    accuracy: progress.curve[progress.curve.length - 1].testAccuracy,
    trainSeconds: progress.trainMs / 1000,
    conflictRate: settings.method === "sum" ? null : progress.conflicts / done,
    weightsDigest: await digest(weights),
  };
}

/** What a run's checkpoint holds: nothing yet, a run part-way, or a finished run's result. */
export type CheckpointStatus =
  | { state: "none" }
  | { state: "running"; done: number; total: number }
  | { state: "finished"; result: RunResult };

/**
 * Reads a run's checkpoint without building the model: a finished run gives the result
 * {@linkcode train} returned (the same weights digest), so runs trained by separate processes can
 * be gathered without training anything. A checkpoint of other settings is an error naming the
 * first difference; one of a longer run (more epochs) counts as running.
 */
export async function checkpointStatus(
  runSettings: RunSettings,
  stepsPerEpoch: number,
  path: string,
): Promise<CheckpointStatus> {
  const settings = resolveRunSettings(runSettings);
  const saved = await readCheckpoint<ResolvedRunSettings, Progress>(path);
  if (saved === null) return { state: "none" };
  const difference = firstDifference(
    { ...settings, epochs: Math.max(settings.epochs, saved.settings.epochs) },
    saved.settings,
  );
  if (difference !== null) throw new RangeError(`Cannot read ${path}: ${difference}`);
  const total = stepsPerEpoch * settings.epochs;
  if (saved.settings.epochs !== settings.epochs || saved.position.done < total) {
    return { state: "running", done: saved.position.done, total };
  }
  const weights = saved.weights.map((w) => savedValues(w));
  return { state: "finished", result: await runResult(settings, saved.progress, total, weights) };
}

/**
 * The first setting that differs between the run and its checkpoint, or null. The number of
 * epochs may grow: nothing before the end depends on it (the decay counts epochs from the start),
 * so a finished run extended to more epochs continues exactly as a longer run would have.
 */
function firstDifference(a: ResolvedRunSettings, b: ResolvedRunSettings): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ResolvedRunSettings>;
  keys.delete("epochs");
  if (a.epochs < b.epochs) {
    return `epochs is ${b.epochs} in the checkpoint, ${a.epochs} now (a run can only be extended)`;
  }
  for (const k of keys) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) {
      return `${k} is ${JSON.stringify(b[k])} in the checkpoint, ${JSON.stringify(a[k])} now`;
    }
  }
  return null;
}

/**
 * Trains one model; `onStep(done, total)` reports progress after every step. With `checkpoint`,
 * the run writes checkpoints as it goes and (with `resume`) continues from the last one, bitwise
 * as if it had never stopped. `signal` stops it between two steps (the last checkpoint stays).
 */
export async function train(
  runSettings: RunSettings,
  trainSet: MultiMnist,
  testSet: MultiMnist,
  onStep: (done: number, total: number, loss: [number, number]) => void = () => {},
  checkpoint?: CheckpointOptions,
  signal?: AbortSignal,
): Promise<RunResult> {
  const settings = resolveRunSettings(runSettings);
  const variantTag = settings.variant === "full" ? "" : `-${settings.variant}`;
  const model = createModel(
    `${settings.method}${variantTag}-${settings.seed}`,
    settings.seed,
    settings.init,
  );
  const adam = tf.train.adam(settings.learningRate);
  const ub: Surgery | null = settings.method === "mgda-ub"
    ? createSurgery({ method: "mgda", normalization: settings.normalization, seed: settings.seed })
    : null;
  const surgery = settings.method === "sum" || settings.method === "mgda-ub"
    ? null
    : new SurgeryOptimizer(adam, {
      method: settings.method,
      variant: settings.variant,
      seed: settings.seed,
      ...(settings.method === "mgda" ? { normalization: settings.normalization } : {}),
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
  let progress: Progress = { curve: [], lossSum: [0, 0], lossCount: 0, conflicts: 0, trainMs: 0 };
  let position = { epoch: 0, step: 0, done: 0 };
  let epochRng = rng.getState();
  try {
    const saved = checkpoint?.resume
      ? await readCheckpoint<ResolvedRunSettings, Progress>(checkpoint.path)
      : null;
    if (saved !== null) {
      const difference = firstDifference(settings, saved.settings);
      if (difference !== null) {
        throw new RangeError(`Cannot resume from ${checkpoint!.path}: ${difference}`);
      }
      restoreVariables(model.all, saved.weights);
      if (saved.adam.iterations > 0) await restoreAdam(adam, saved.adam);
      if (surgery !== null && saved.surgery !== null) surgery.setSurgeryState(saved.surgery);
      if (ub !== null && saved.surgery !== null) ub.setState(saved.surgery);
      progress = saved.progress;
      position = saved.position;
      epochRng = saved.epochRng;
    }
    const save = async () => {
      if (checkpoint === undefined) return;
      const data: Checkpoint<ResolvedRunSettings, Progress> = {
        format: "multimnist-checkpoint/1",
        settings,
        position,
        epochRng,
        surgery: surgery?.getSurgeryState() ?? ub?.getState() ?? null,
        adam: await saveAdam(adam),
        weights: await saveTensors(model.all),
        progress,
      };
      await writeCheckpoint(checkpoint.path, data);
    };
    for (let epoch = position.epoch; epoch < settings.epochs; epoch++) {
      rng.setState(epochRng);
      const order = Uint32Array.from(rng.shuffle(Array.from({ length: trainSet.n }, (_, i) => i)));
      // tf.js optimizers have no setter for the step size; Adam reads this field every step.
      (adam as unknown as { learningRate: number }).learningRate = learningRateAt(settings, epoch);
      for (let s = epoch === position.epoch ? position.step : 0; s < steps; s++) {
        signal?.throwIfAborted();
        const batch = batchTensors(
          trainSet,
          order,
          s * settings.batch,
          settings.batch,
          settings.normalizeInputs,
        );
        // Per-step masks: the same in every forward pass of this step, drawn again on a resume.
        const dropout = settings.dropout
          ? { seed: settings.seed * 1_000_003 + position.done * 3 }
          : undefined;
        const losses = () => taskLosses(model, batch.x, batch.left, batch.right, dropout);
        const start = performance.now();
        // Task weights of the single backward pass: 1 and 1 for the sum, α from MGDA-UB.
        const alpha = ub === null ? [1, 1] : mgdaUbWeights(ub, model, batch, dropout);
        if (ub !== null && ub.stats!.conflicts.length > 0) progress.conflicts++;
        const cost = surgery === null
          ? tf.tidy(() => {
            let both: tf.Scalar[] = [];
            adam.minimize(
              () => {
                both = losses().map((l) => tf.keep(l)); // outlive minimize's own tidy…
                return (ub === null
                  ? tf.add(both[0], both[1])
                  : tf.add(tf.mul(both[0], alpha[0]), tf.mul(both[1], alpha[1]))) as tf.Scalar;
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
        progress.trainMs += performance.now() - start;
        tf.dispose([cost, batch.x, batch.left, batch.right]);
        if ((surgery?.stats?.conflicts.length ?? 0) > 0) progress.conflicts++;
        progress.lossSum = [progress.lossSum[0] + values[0], progress.lossSum[1] + values[1]];
        progress.lossCount++;
        position = { epoch, step: s + 1, done: position.done + 1 };
        if (s + 1 === steps) {
          // The next epoch's order starts from the stream as this epoch's shuffle left it.
          position = { epoch: epoch + 1, step: 0, done: position.done };
          epochRng = rng.getState();
        }
        onStep(position.done, total, [values[0], values[1]]);
        const evaluated = evalAt.has(s);
        if (evaluated) {
          progress.curve.push({
            epoch: epoch + (s + 1) / steps,
            trainLoss: [
              progress.lossSum[0] / progress.lossCount,
              progress.lossSum[1] / progress.lossCount,
            ],
            testAccuracy: evaluate(model, testSet, settings.normalizeInputs),
          });
          progress.lossSum = [0, 0];
          progress.lossCount = 0;
        }
        if (evaluated || position.done % (checkpoint?.everySteps ?? Infinity) === 0) await save();
        // Let the progress bar's timer and other tasks run.
        if (position.done % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    const weights = await Promise.all(model.all.map((v) => v.data() as Promise<Float32Array>));
    return await runResult(settings, progress, position.done, weights);
  } finally {
    disposeModel(model);
    adam.dispose();
  }
}
