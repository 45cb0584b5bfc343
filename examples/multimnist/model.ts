/**
 * The MultiMNIST network of Sener & Koltun 2018 (a LeNet trunk shared by two heads), written with
 * tf.js ops over named variables so the surgery can tell shared from task-specific parameters by
 * name (Yu et al. 2020, Appendix C):
 * trunk: conv 5×5×10 → max-pool 2 → ReLU → conv 5×5×20 → max-pool 2 → ReLU → dense 320→50 → ReLU;
 * each head: dense 50→50 → ReLU → dense 50→10 (logits).
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** The model's variables: the shared trunk and one head per task. */
export interface MultiLeNet {
  trunk: tf.Variable[];
  heads: [tf.Variable[], tf.Variable[]];
  /** Every trainable variable. */
  all: tf.Variable[];
}

const TRUNK: [string, number[]][] = [
  ["conv1/kernel", [5, 5, 1, 10]],
  ["conv1/bias", [10]],
  ["conv2/kernel", [5, 5, 10, 20]],
  ["conv2/bias", [20]],
  ["fc/kernel", [320, 50]],
  ["fc/bias", [50]],
];
const HEAD: [string, number[]][] = [
  ["fc1/kernel", [50, 50]],
  ["fc1/bias", [50]],
  ["fc2/kernel", [50, 10]],
  ["fc2/bias", [10]],
];

/** Fan-in and fan-out of a kernel shape (conv: receptive field × channels). */
function fans(shape: number[]): [number, number] {
  const field = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [field * shape[shape.length - 2], field * shape[shape.length - 1]];
}

/**
 * How new variables are drawn: "glorot" (Glorot-uniform kernels, zero biases: tf.js's default) or
 * "torch" (PyTorch's default for Conv2d and Linear, which Sener & Koltun's code keeps: kernels
 * and biases uniform in ±1/√fan-in).
 */
export type Init = "glorot" | "torch";

/**
 * New variables drawn from `seed` by `init`; names start with `prefix` (tf.js variable names are
 * global: dispose the model before reusing a prefix).
 */
export function createModel(prefix: string, seed: number, init: Init = "glorot"): MultiLeNet {
  let k = 0;
  // A bias draws with its kernel's fan-in: the kernel comes just before it in both lists.
  let fanIn = 1;
  const make = ([name, shape]: [string, number[]], scope: string) =>
    tf.tidy(() => {
      let value: tf.Tensor;
      if (shape.length === 1) {
        const limit = 1 / Math.sqrt(fanIn);
        value = init === "glorot"
          ? tf.zeros(shape)
          : tf.randomUniform(shape, -limit, limit, "float32", seed * 1000 + k++);
      } else {
        const [inputs, outputs] = fans(shape);
        fanIn = inputs;
        const limit = init === "glorot" ? Math.sqrt(6 / (inputs + outputs)) : 1 / Math.sqrt(inputs);
        value = tf.randomUniform(shape, -limit, limit, "float32", seed * 1000 + k++);
      }
      return tf.variable(value, true, `${prefix}/${scope}/${name}`);
    });
  const trunk = TRUNK.map((v) => make(v, "trunk"));
  const heads: [tf.Variable[], tf.Variable[]] = [
    HEAD.map((v) => make(v, "left")),
    HEAD.map((v) => make(v, "right")),
  ];
  return { trunk, heads, all: [...trunk, ...heads[0], ...heads[1]] };
}

/**
 * Training-time dropout as Sener & Koltun's released code applies it (their MultiLeNet): one
 * Bernoulli(½) mask per conv2 channel shared by the whole batch, and an elementwise Bernoulli(½)
 * mask on each head's hidden layer; the masked values are not rescaled by 2 (their masks multiply
 * without it), and evaluation uses no mask. Masks come from `seed`, so every forward pass of one
 * step (one per task under the surgery) draws the same masks, and a resumed run draws them again.
 */
export interface Dropout {
  seed: number;
}

/** x · Bernoulli(½) mask drawn from `seed`, broadcast along the axes where `noiseShape` is 1. */
function halfMask<T extends tf.Tensor>(x: T, seed: number, noiseShape?: number[]): T {
  // tf.dropout scales kept values by 1 / (1 − ½) = 2; × ½ undoes it exactly.
  return tf.mul(tf.dropout(x, 0.5, noiseShape, seed), 0.5) as T;
}

/** The shared representation of a batch of images [n, 28, 28, 1] → [n, 50]. */
export function trunkForward(model: MultiLeNet, x: tf.Tensor4D, dropout?: Dropout): tf.Tensor2D {
  const [c1, b1, c2, b2, fc, bf] = model.trunk;
  const h1 = tf.relu(
    tf.maxPool(tf.add(tf.conv2d(x, c1 as tf.Tensor4D, 1, "valid"), b1), 2, 2, "valid"),
  );
  let conv2: tf.Tensor4D = tf.add(tf.conv2d(h1 as tf.Tensor4D, c2 as tf.Tensor4D, 1, "valid"), b2);
  if (dropout) conv2 = halfMask(conv2, dropout.seed, [1, 1, 1, conv2.shape[3]]);
  const h2 = tf.relu(tf.maxPool(conv2, 2, 2, "valid"));
  const flat = tf.reshape(h2, [x.shape[0], 320]);
  return tf.relu(tf.add(tf.matMul(flat, fc as tf.Tensor2D), bf));
}

/** One head's logits [n, 10]. */
export function headForward(head: tf.Variable[], z: tf.Tensor2D, dropout?: Dropout): tf.Tensor2D {
  const [w1, b1, w2, b2] = head;
  let h: tf.Tensor2D = tf.relu(tf.add(tf.matMul(z, w1 as tf.Tensor2D), b1));
  if (dropout) h = halfMask(h, dropout.seed);
  return tf.add(tf.matMul(h, w2 as tf.Tensor2D), b2);
}

/** Both tasks' logits (with `dropout`, the training-time masks). */
export function forward(
  model: MultiLeNet,
  x: tf.Tensor4D,
  dropout?: Dropout,
): [tf.Tensor2D, tf.Tensor2D] {
  const z = trunkForward(model, x, dropout);
  return [
    headForward(model.heads[0], z, headDropout(dropout, 0)),
    headForward(model.heads[1], z, headDropout(dropout, 1)),
  ];
}

/** Head k's masks: their own stream, derived from the step's. */
export function headDropout(dropout: Dropout | undefined, k: number): Dropout | undefined {
  return dropout && { seed: dropout.seed + 1 + k };
}

/** Mean softmax cross-entropy of one head on a representation z. */
export function headLoss(
  head: tf.Variable[],
  z: tf.Tensor2D,
  labels: tf.Tensor1D,
  dropout?: Dropout,
): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), headForward(head, z, dropout));
}

/** Mean softmax cross-entropy of each task: [L_left, L_right]. */
export function taskLosses(
  model: MultiLeNet,
  x: tf.Tensor4D,
  left: tf.Tensor1D,
  right: tf.Tensor1D,
  dropout?: Dropout,
): [tf.Scalar, tf.Scalar] {
  const [a, b] = forward(model, x, dropout);
  return [
    tf.losses.softmaxCrossEntropy(tf.oneHot(left, 10), a),
    tf.losses.softmaxCrossEntropy(tf.oneHot(right, 10), b),
  ];
}

/** Disposes every variable of the model. */
export function disposeModel(model: MultiLeNet): void {
  for (const v of model.all) v.dispose();
}
