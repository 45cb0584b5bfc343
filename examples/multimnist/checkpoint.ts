/**
 * Checkpoints of a MultiMNIST run, so a long run can be stopped at any moment and resumed bitwise
 * identically: the model's variables, tf.js Adam's slots and its bias-correction accumulators, the
 * surgery's stream and method state, the data order's stream and the position in it, and the run's
 * progress (learning curve, running sums). Written atomically (a temporary file, flushed to disk,
 * then renamed over the old one), so a kill leaves either the previous checkpoint or the new one.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Buffer } from "node:buffer";
import type { SurgeryState } from "../../adapters/tfjs.ts";

/** Tag of the checkpoint format. */
export const CHECKPOINT_FORMAT = "multimnist-checkpoint/1";

/** A tensor's values: float32 bytes (little-endian) in base64, with its name and shape. */
export interface SavedTensor {
  name: string;
  shape: number[];
  data: string;
}

/** tf.js Adam's whole state. */
export interface AdamState {
  /** Steps taken. */
  iterations: number;
  /** β1^(t+1) and β2^(t+1) as the optimizer holds them (float32, accumulated by products). */
  accBeta: [string, string];
  /** The first and second moments, in the optimizer's order (getWeights without "iter"). */
  slots: SavedTensor[];
}

/** One checkpoint; `P` is the run's own progress record (plain JSON). */
export interface Checkpoint<S, P> {
  format: typeof CHECKPOINT_FORMAT;
  /** The run's settings: a resume with other settings is refused. */
  settings: S;
  /** Next step to take: epoch, step within it, and steps done in all. */
  position: { epoch: number; step: number; done: number };
  /** The data-order stream's state at the start of `position.epoch` (before its shuffle). */
  epochRng: number[];
  /** The surgery's state; null for the plain sum. */
  surgery: SurgeryState | null;
  adam: AdamState;
  /** The model's variables, in the model's order. */
  weights: SavedTensor[];
  progress: P;
}

function encode(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}

function decode(data: string, size: number, action: string): Float32Array {
  const bytes = Buffer.from(data, "base64");
  if (bytes.length !== size * 4) {
    throw new RangeError(
      `Cannot restore the checkpoint: ${action} has ${bytes.length / 4} values, expected ${size}`,
    );
  }
  const out = new Float32Array(size);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The values of `tensors` (float32), named. */
export async function saveTensors(tensors: readonly tf.Tensor[], names?: readonly string[]) {
  return await Promise.all(tensors.map(async (t, i) => ({
    name: names?.[i] ?? (t as tf.Variable).name,
    shape: t.shape.slice(),
    data: encode(await t.data() as Float32Array),
  })));
}

/** A saved tensor's values (checked against its shape). */
export function savedValues(saved: SavedTensor): Float32Array {
  return decode(saved.data, saved.shape.reduce((a, b) => a * b, 1), saved.name);
}

/** Assigns saved values to `variables` (same order, names and shapes, else an error). */
export function restoreVariables(variables: readonly tf.Variable[], saved: readonly SavedTensor[]) {
  if (saved.length !== variables.length) {
    throw new RangeError(
      `Cannot restore the checkpoint: ${saved.length} variables saved, the model has ${variables.length}`,
    );
  }
  variables.forEach((v, i) => {
    if (saved[i].name !== v.name || saved[i].shape.join() !== v.shape.join()) {
      throw new RangeError(
        `Cannot restore the checkpoint: variable ${i} is ${saved[i].name} [${saved[i].shape}], ` +
          `the model has ${v.name} [${v.shape}]`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(decode(saved[i].data, v.size, v.name), v.shape)));
  });
}

/** tf.js Adam's bias-correction accumulators (not part of its getWeights). */
function accumulators(adam: tf.AdamOptimizer): [tf.Variable, tf.Variable] {
  const inner = adam as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  if (!(inner.accBeta1 instanceof tf.Variable) || !(inner.accBeta2 instanceof tf.Variable)) {
    throw new TypeError(
      "Cannot checkpoint the optimizer: this tf.js Adam keeps no accBeta1 / accBeta2 variables " +
        "(tf.js 4.22 does); a resume could not be bitwise identical",
    );
  }
  return [inner.accBeta1, inner.accBeta2];
}

/**
 * Adam's state. Its own getWeights omits β^t, which setWeights recomputes with `pow`: that differs
 * in the last bit from the running product the optimizer keeps, so the accumulators are saved too.
 */
export async function saveAdam(adam: tf.AdamOptimizer): Promise<AdamState> {
  const [iter, ...slots] = await adam.getWeights();
  const iterations = (await iter.tensor.data())[0];
  iter.tensor.dispose(); // a new scalar each call; the slots are the optimizer's own variables
  const accBeta = await saveTensors(accumulators(adam), ["accBeta1", "accBeta2"]);
  return {
    iterations,
    accBeta: [accBeta[0].data, accBeta[1].data],
    slots: await saveTensors(slots.map((s) => s.tensor), slots.map((s) => s.name)),
  };
}

/** Restores a fresh Adam to a saved state. */
export async function restoreAdam(adam: tf.AdamOptimizer, saved: AdamState): Promise<void> {
  const tensors = [
    { name: "iter", tensor: tf.scalar(saved.iterations, "int32") },
    ...saved.slots.map((s) => ({
      name: s.name,
      tensor: tf.tensor(savedValues(s), s.shape),
    })),
  ];
  await adam.setWeights(tensors);
  tf.dispose(tensors.map((t) => t.tensor));
  accumulators(adam).forEach((v, i) =>
    tf.tidy(() => v.assign(tf.scalar(decode(saved.accBeta[i], 1, "accBeta")[0])))
  );
}

/** Writes `checkpoint` to `path` atomically: temp file in the same folder, flushed, renamed. */
export async function writeCheckpoint(path: string, checkpoint: unknown): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(checkpoint));
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(temp, path);
}

/** Reads a checkpoint; null if there is none at `path`. */
export async function readCheckpoint<S, P>(path: string): Promise<Checkpoint<S, P> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const data = JSON.parse(text);
  if (data?.format !== CHECKPOINT_FORMAT) {
    throw new RangeError(
      `Cannot resume from ${path}: format ${
        JSON.stringify(data?.format)
      }, expected ${CHECKPOINT_FORMAT}`,
    );
  }
  return data;
}
