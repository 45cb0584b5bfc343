/**
 * Runs a step generator (adapters/tfjs/pipeline.ts): synchronously with `dataSync`, or
 * asynchronously with `data()`. On the webgpu backend outside browsers there is no synchronous
 * read at all (tf.js reads through an OffscreenCanvas 2-D context, which Deno lacks), so the
 * synchronous driver says to use the async entry points there.
 * @module
 */

import { getBackend, type Tensor } from "@tensorflow/tfjs";
import type { Reads } from "./passes.ts";

function readSync(x: Tensor, action: string): Float32Array {
  try {
    return x.dataSync() as Float32Array;
  } catch (error) {
    throw new Error(
      `Cannot ${action} synchronously: the ${getBackend()} backend cannot read a tensor here (${
        (error as Error).message
      }); use the async form (surgeryAsync, minimizeAsync, applyGradientsAsync)`,
      { cause: error },
    );
  }
}

/** Runs `steps` to the end, reading with `dataSync`. */
export function driveSync<R>(steps: Reads<R>, action: string): R {
  let next = steps.next();
  try {
    while (!next.done) next = steps.next(readSync(next.value, action));
  } catch (error) {
    steps.return(undefined as R); // runs the step's `finally`: frees what it kept
    throw error;
  }
  return next.value;
}

/** Runs `steps` to the end, reading with `await data()`. */
export async function driveAsync<R>(steps: Reads<R>): Promise<R> {
  let next = steps.next();
  try {
    while (!next.done) next = steps.next((await next.value.data()) as Float32Array);
  } catch (error) {
    steps.return(undefined as R);
    throw error;
  }
  return next.value;
}
