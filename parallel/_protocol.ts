/**
 * Messages and shared-memory layout between the parallel surgery (parallel/parallel_surgery.ts)
 * and its workers (parallel/worker.ts).
 *
 * One step: the main thread posts a {@linkcode StepMessage} to every worker and computes its own
 * slice; each worker writes its slice's partial Gram into its slot of the control buffer and
 * replies "gram"; the main thread sums the partials in thread order, computes the weights once,
 * writes them into the control buffer and sets the flag; each worker, blocked in Atomics.wait on
 * the flag, combines its slice into the output and replies "done".
 * @module
 */

/** One task row's slice in shared memory: `length` floats from `byteOffset` of `buffer`. */
export interface SharedSlice {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

/** Control buffer: Int32 flag at byte 0, then per-worker partial Grams, then the weights. */
export const FLAG_INDEX = 0;
/** Bytes before the first Float64 slot (the flag, padded to 8). */
export const CONTROL_HEADER_BYTES = 8;
/** Flag value while the weights are not ready (workers wait while the flag holds it). */
export const FLAG_WAIT = 0;
/** Flag value: the weights are ready, combine. */
export const FLAG_COMBINE = 1;
/** Flag value: the step failed on the main thread (bad input); skip the combine. */
export const FLAG_ABORT = -1;

/** Byte size of the control buffer for `workers` workers and T tasks. */
export function controlBytes(workers: number, T: number): number {
  return CONTROL_HEADER_BYTES + (workers * T * T + T) * 8;
}

/** Float64 index (into the whole control buffer) of worker w's partial Gram. */
export function gramSlot(w: number, T: number): number {
  return CONTROL_HEADER_BYTES / 8 + w * T * T;
}

/** Float64 index of the weights. */
export function weightsSlot(workers: number, T: number): number {
  return CONTROL_HEADER_BYTES / 8 + workers * T * T;
}

/** Main → worker: run one step on a slice. */
export interface StepMessage {
  step: number;
  T: number;
  /** This worker's index (its Gram slot). */
  worker: number;
  workers: number;
  control: SharedArrayBuffer;
  /** The worker's slice of each task row. */
  rows: SharedSlice[];
  /** Where the worker writes its slice of the update. */
  out: SharedSlice;
}

/** Worker → main. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gram"; step: number }
  | { type: "done"; step: number }
  | { type: "error"; step: number; message: string };
