/**
 * The tf.js baseline of the benchmark: what a tf.js user would write for Gram-space PCGrad with tf
 * ops: G = X Xᵀ (tf.matMul with transposeB), read back the T×T Gramian, the same weights as the
 * library (surgeryWeights), then update = wᵀ X (tf.matMul), read back as a Float32Array like the
 * library's output. X (T×d) is built once per size outside the timing: a tf.js user's gradients
 * are tensors already. Runs on the cpu and wasm backends (@tensorflow/tfjs 4.22).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { surgeryWeights } from "../mod.ts";

tf.env().set("PROD", true); // no "Hi there" banner

/** The tf.js backends compared. */
export const TF_BACKENDS = ["wasm", "cpu"] as const;
export type TfBackend = typeof TF_BACKENDS[number];

/** One PCGrad step with tf ops on the active backend; returns the update. */
export function tfPcgradStep(X: tf.Tensor2D, seed: number): Float32Array {
  const T = X.shape[0];
  const G = tf.tidy(() => tf.matMul(X, X, false, true));
  const gram = Float64Array.from(G.dataSync());
  G.dispose();
  const { weights } = surgeryWeights(gram, { seed });
  const update = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(weights), [1, T]), X));
  const out = update.dataSync() as Float32Array;
  update.dispose();
  return out;
}

/** Activates a backend, or returns why it could not be. */
export async function useBackend(name: TfBackend): Promise<string | null> {
  try {
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") returned false`;
    await tf.ready();
    return null;
  } catch (error) {
    return String(error);
  }
}

/** The T rows as one T×d tensor on the active backend. */
export function toTensor(grads: readonly Float32Array[]): tf.Tensor2D {
  const T = grads.length;
  const d = grads[0].length;
  const flat = new Float32Array(T * d);
  grads.forEach((g, t) => flat.set(g, t * d));
  return tf.tensor2d(flat, [T, d]);
}

/** tf.js version, for the report. */
export const TF_VERSION: string = tf.version.tfjs;
