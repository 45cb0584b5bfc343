/**
 * Messages and shared-memory layout between the parallel surgery (parallel/parallel_surgery.ts)
 * and its workers (parallel/worker.ts).
 *
 * d is cut into chunks (CHUNKS_PER_THREAD per thread). One step: the main thread posts a
 * {@linkcode StepMessage} to every worker, then every thread claims chunks from its queue (an
 * atomic counter in the control buffer) and writes each chunk's partial Gram into that chunk's
 * slot; each worker replies "gram" when its queue is empty. The main thread sums the partials in
 * chunk order (so the result does not depend on which thread took which chunk), computes the
 * weights once, writes them into the control buffer and sets the flag; each worker, blocked in
 * Atomics.wait on the flag, claims chunks again to combine them, and replies "done".
 *
 * With gradients on shared memory all threads share one queue: a thread that starts late or runs
 * slow simply takes fewer chunks. Gradients in JS memory are first copied by the main thread into
 * a shared stage for the workers' chunks, so there each thread has its own queue of fixed chunks.
 * @module
 */

import type { SharedBufferInfo } from "../core/gradient_buffer.ts";

/** One task row's columns in shared memory: `length` floats from `byteOffset` of `buffer`. */
export interface SharedSlice {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
  /** In the step's shared gradient buffer: the worker views its own copy of that memory instead. */
  inBuffer?: boolean;
}

/**
 * Chunks per thread: enough that a late or slow thread's share is rebalanced, few enough that each
 * chunk's kernel call and partial Gram stay cheap.
 */
export const CHUNKS_PER_THREAD = 8;

/** Int32 index of the flag in the control buffer. */
export const FLAG_INDEX = 0;
/** Flag value while the weights are not ready (workers wait while the flag holds it). */
export const FLAG_WAIT = 0;
/** Flag value: the weights are ready, combine. */
export const FLAG_COMBINE = 1;
/** Flag value: the step failed on the main thread (bad input); skip the combine. */
export const FLAG_ABORT = -1;

/** Int32 indexes of queue q's counters: next chunk to Gram, next chunk to combine, end. */
export const gramNextIndex = (q: number) => 1 + 3 * q;
export const combineNextIndex = (q: number) => 2 + 3 * q;
export const endIndex = (q: number) => 3 + 3 * q;
/** Int32 index of chunk c's owner flag (1 once a worker has combined it into the out stage). */
export const ownerIndex = (queues: number, c: number) => 1 + 3 * queues + c;

/** Control buffer layout for `queues` queues, `chunks` chunks and T tasks (offsets in Float64s). */
export function controlLayout(queues: number, chunks: number, T: number) {
  const headerInts = 1 + 3 * queues + chunks;
  const gram0 = Math.ceil(headerInts / 2);
  const weights = gram0 + chunks * T * T;
  return {
    /** Float64 index of chunk c's partial Gram. */
    gramSlot: (c: number) => gram0 + c * T * T,
    /** Float64 index of the weights. */
    weights,
    bytes: (weights + T) * 8,
  };
}

/** Main → worker: run one step. */
export interface StepMessage {
  step: number;
  T: number;
  /** This worker's index (0-based; the main thread is not a worker). */
  worker: number;
  /** The queue this worker claims chunks from, and how many queues there are. */
  queue: number;
  queues: number;
  /** Chunk c covers columns [chunks[c], chunks[c + 1]). */
  chunks: number[];
  control: SharedArrayBuffer;
  /** Columns [from, from + rows[t].length) of each task row, as this worker sees them. */
  from: number;
  rows: SharedSlice[];
  /** The same columns of the update. */
  out: SharedSlice;
  /** Whether `out` is a stage: then each combined chunk is flagged in its owner slot. */
  outStaged: boolean;
  /**
   * The shared gradient buffer the rows sit in, if they do: the worker attaches an instance of the
   * core to its memory (once per buffer) and reads its chunks in place.
   */
  gradientBuffer?: SharedBufferInfo;
}

/** Worker → main. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gram"; step: number }
  | { type: "done"; step: number }
  | { type: "error"; step: number; message: string };

/**
 * Claims chunks of queue q in turn (atomic counter `next`), running `body` on each, until the
 * queue is empty.
 */
export function claimChunks(
  ints: Int32Array,
  next: number,
  end: number,
  body: (chunk: number) => void,
): void {
  const last = Atomics.load(ints, end);
  for (let c = Atomics.add(ints, next, 1); c < last; c = Atomics.add(ints, next, 1)) body(c);
}
