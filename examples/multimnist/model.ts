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
 * New variables, Glorot-uniform kernels and zero biases drawn from `seed`; names start with
 * `prefix` (tf.js variable names are global: dispose the model before reusing a prefix).
 */
export function createModel(prefix: string, seed: number): MultiLeNet {
  let k = 0;
  const make = ([name, shape]: [string, number[]], scope: string) =>
    tf.tidy(() => {
      const init = shape.length === 1 ? tf.zeros(shape) : (() => {
        const [fanIn, fanOut] = fans(shape);
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        return tf.randomUniform(shape, -limit, limit, "float32", seed * 1000 + k++);
      })();
      return tf.variable(init, true, `${prefix}/${scope}/${name}`);
    });
  const trunk = TRUNK.map((v) => make(v, "trunk"));
  const heads: [tf.Variable[], tf.Variable[]] = [
    HEAD.map((v) => make(v, "left")),
    HEAD.map((v) => make(v, "right")),
  ];
  return { trunk, heads, all: [...trunk, ...heads[0], ...heads[1]] };
}

/** The shared representation of a batch of images [n, 28, 28, 1] → [n, 50]. */
export function trunkForward(model: MultiLeNet, x: tf.Tensor4D): tf.Tensor2D {
  const [c1, b1, c2, b2, fc, bf] = model.trunk;
  const h1 = tf.relu(
    tf.maxPool(tf.add(tf.conv2d(x, c1 as tf.Tensor4D, 1, "valid"), b1), 2, 2, "valid"),
  );
  const h2 = tf.relu(
    tf.maxPool(
      tf.add(tf.conv2d(h1 as tf.Tensor4D, c2 as tf.Tensor4D, 1, "valid"), b2),
      2,
      2,
      "valid",
    ),
  );
  const flat = tf.reshape(h2, [x.shape[0], 320]);
  return tf.relu(tf.add(tf.matMul(flat, fc as tf.Tensor2D), bf));
}

/** One head's logits [n, 10]. */
export function headForward(head: tf.Variable[], z: tf.Tensor2D): tf.Tensor2D {
  const [w1, b1, w2, b2] = head;
  const h = tf.relu(tf.add(tf.matMul(z, w1 as tf.Tensor2D), b1));
  return tf.add(tf.matMul(h, w2 as tf.Tensor2D), b2);
}

/** Both tasks' logits. */
export function forward(model: MultiLeNet, x: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] {
  const z = trunkForward(model, x);
  return [headForward(model.heads[0], z), headForward(model.heads[1], z)];
}

/** Mean softmax cross-entropy of each task: [L_left, L_right]. */
export function taskLosses(
  model: MultiLeNet,
  x: tf.Tensor4D,
  left: tf.Tensor1D,
  right: tf.Tensor1D,
): [tf.Scalar, tf.Scalar] {
  const [a, b] = forward(model, x);
  return [
    tf.losses.softmaxCrossEntropy(tf.oneHot(left, 10), a),
    tf.losses.softmaxCrossEntropy(tf.oneHot(right, 10), b),
  ];
}

/** Disposes every variable of the model. */
export function disposeModel(model: MultiLeNet): void {
  for (const v of model.all) v.dispose();
}
