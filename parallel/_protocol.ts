/**
 * Messages and shared-memory layout between the parallel surgery (parallel/parallel_surgery.ts)
 * and its workers (parallel/worker.ts).
 *
 * d is cut into chunks (CHUNKS_PER_THREAD per thread). One step: the main thread posts a
 * {@linkcode StepMessage} to every worker, then every thread claims chunks from its queue (an
 * atomic counter in the control buffer), writes each chunk's partial Gram into that chunk's slot
 * and counts it done (another counter). The main thread, once its own queue is empty, waits for
 * that count to reach the number of chunks, sums the partials in chunk order (so the result does
 * not depend on which thread took which chunk), computes the weights once, writes them into the
 * control buffer and sets the flag; each worker, waiting on the flag, claims chunks again to
 * combine them, counted the same way. A worker records the last step it finished in its status
 * word; the main thread reuses the control buffer only once every worker has finished the step
 * that used it.
 *
 * Waiting is spinning on those shared words first (SPIN_MS): a wake-up by message costs about
 * 0.2–0.5 ms here and a futex wake about 0.1 ms (measured with a timeline of each step at T = 8,
 * d = 1e7), against a few µs by spinning. Past SPIN_MS the main thread falls back to the workers'
 * replies ("gram", "done": they also carry errors) and a worker to Atomics.wait.
 *
 * Each thread has its own queue of chunks and, once it is empty, takes what is left of the queues
 * it may read (parallel/chunk_plan.ts decides who owns which chunks and what is staged): a thread
 * that starts late or runs slow simply does fewer chunks.
 * @module
 */

import type { SharedBufferInfo } from "../core/gradient_buffer.ts";

/**
 * Columns [first, first + length) of a task row (or of the output) in shared memory: `length`
 * floats from `byteOffset` of `buffer`.
 */
export interface SharedSlice {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  first: number;
  length: number;
  /** In the step's shared gradient buffer: the worker views its own copy of that memory instead. */
  inBuffer?: boolean;
}

/**
 * Chunks per thread: enough that a late or slow thread's share is rebalanced and the last chunk
 * leaves little idle time, few enough that each chunk's kernel call (about 2 µs of overhead) and
 * partial Gram stay cheap. 16 against 8: two threads in place at T = 8, d = 1e6 took 2.85–2.99 ms
 * against 3.01–3.13 ms.
 */
export const CHUNKS_PER_THREAD = 16;

/** Int32 index of the flag in the control buffer. */
export const FLAG_INDEX = 0;
/** Flag value while the weights are not ready (workers wait while the flag holds it). */
export const FLAG_WAIT = 0;
/** Flag value: the weights are ready, combine. */
export const FLAG_COMBINE = 1;
/** Flag value: the step failed on the main thread (bad input); skip the combine. */
export const FLAG_ABORT = -1;
/** Int32 indexes of the counts of chunks whose partial Gram is written / whose combine is written. */
export const GRAM_DONE_INDEX = 1;
export const COMBINE_DONE_INDEX = 2;

/** The two phases of a step: each has its own claims and its own count of chunks done. */
export type Phase = "gram" | "combine";

/**
 * Int32 index of queue q's range word for a phase: the chunks not yet claimed, [front, back),
 * packed as back · 2¹⁶ + front so that both ends are claimed with one compare-exchange.
 */
export const rangeIndex = (phase: Phase, q: number) => 3 + 2 * q + (phase === "gram" ? 0 : 1);
/** A range word for chunks [front, back) (both < MAX_CHUNKS). */
export const packRange = (front: number, back: number) => back * 0x10000 + front;
/** Chunks a step may have: what a range word can hold. */
export const MAX_CHUNKS = 0x7fff;
/** Int32 index of chunk c's owner flag (1 once a worker has combined it into the out stage). */
export const ownerIndex = (queues: number, c: number) => 3 + 2 * queues + c;

/**
 * How long a thread spins on a shared word before it sleeps (a worker) or waits for a message
 * (the main thread). Longer than the waits of a balanced step (about one chunk), short enough
 * that a stalled worker costs little CPU.
 */
export const SPIN_MS = 5;

/**
 * Spins until `ready()` holds or `ms` milliseconds have passed; whether it holds. The clock is
 * read every few hundred polls.
 */
export function spinUntil(ready: () => boolean, ms: number): boolean {
  const until = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 256; i++) if (ready()) return true;
    if (performance.now() > until) return ready();
  }
}

/** Control buffer layout for `queues` queues, `chunks` chunks and T tasks (offsets in Float64s). */
export function controlLayout(queues: number, chunks: number, T: number) {
  const headerInts = ownerIndex(queues, chunks);
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

/**
 * Int32 indexes of worker w's words in the pool's status buffer: the last step it finished (the
 * worker stores it once it no longer touches the step's control buffer), its WorkerState, and the
 * step to run when the main thread rings RING_SAME.
 */
export const statusWords = (w: number) => ({ finished: 3 * w, state: 3 * w + 1, step: 3 * w + 2 });
/** Int32 words of the status buffer for `workers` workers. */
export const statusLength = (workers: number) => Math.max(1, 3 * workers);

/**
 * A worker's state word. Between steps a worker does not go back to its event loop (a message
 * wake-up costs 0.2–0.5 ms here): it spins on this word for IDLE_SPIN_MS, then sleeps on it in
 * Atomics.wait, and the main thread rings it: RING_SAME runs the same step as last time with a new
 * step number (the same buffers and chunks: the usual training loop), RING_NEW sends it back to
 * its event loop, where a new StepMessage is waiting.
 */
export const WorkerState = {
  /** In its event loop, waiting for a StepMessage (at first, and after RING_NEW or an error). */
  EVENT: 0,
  /** Running a step. */
  BUSY: 1,
  /** Between steps, spinning or asleep on the state word. */
  IDLE: 2,
  RING_SAME: 3,
  RING_NEW: 4,
  /**
   * close() was called. A worker that finds it, whatever it was doing, leaves its wait and its
   * step and returns to its event loop for good: a Worker's terminate() in Deno only takes effect
   * there, so a worker left spinning or in Atomics.wait keeps the process alive forever.
   */
  CLOSED: 5,
} as const;

/**
 * Moves worker w's state word from `from` to `to` unless the main thread changed it meanwhile
 * (close() may store CLOSED at any moment, so a worker never overwrites the word blindly);
 * whether it moved.
 */
export function advanceState(words: Int32Array, w: number, from: number, to: number): boolean {
  return Atomics.compareExchange(words, statusWords(w).state, from, to) === from;
}

/**
 * How long an idle worker spins before it sleeps: covers back-to-back steps; in a training loop
 * the forward and backward passes between steps take longer, and the ring is a futex wake-up
 * (about 0.1 ms) instead of a message (0.2–0.5 ms).
 */
export const IDLE_SPIN_MS = 1;

/** Whether two step messages differ at most in their step number (so RING_SAME may be rung). */
export function sameStepShape(a: StepMessage, b: StepMessage): boolean {
  const sameSlice = (x: SharedSlice, y: SharedSlice) =>
    x.buffer === y.buffer && x.byteOffset === y.byteOffset && x.first === y.first &&
    x.length === y.length && x.inBuffer === y.inBuffer;
  return a.T === b.T && a.worker === b.worker && a.queue === b.queue && a.queues === b.queues &&
    a.takeMain.gram === b.takeMain.gram && a.takeMain.combine === b.takeMain.combine &&
    a.chunks.length === b.chunks.length && a.chunks.every((c, i) => c === b.chunks[i]) &&
    a.control === b.control && a.rows.length === b.rows.length &&
    a.rows.every((r, t) => sameSlice(r, b.rows[t])) && sameSlice(a.out, b.out) &&
    a.outStaged === b.outStaged && a.status === b.status &&
    a.gradientBuffer?.id === b.gradientBuffer?.id;
}

/** Main → worker: run one step. */
export interface StepMessage {
  step: number;
  T: number;
  /** This worker's index (0-based; the main thread is not a worker). */
  worker: number;
  /** This worker's own queue and how many queues there are (queue 0: the main thread's). */
  queue: number;
  queues: number;
  /** Whether it may take the main thread's chunks, per phase (parallel/chunk_plan.ts). */
  takeMain: { gram: boolean; combine: boolean };
  /** Chunk c covers columns [chunks[c], chunks[c + 1]). */
  chunks: number[];
  control: SharedArrayBuffer;
  /** Each task row, as much of it as this worker may read. */
  rows: SharedSlice[];
  /** The same columns of the update. */
  out: SharedSlice;
  /** Whether `out` is a stage: then each combined chunk is flagged in its owner slot. */
  outStaged: boolean;
  /** Every worker's words (statusWords): the last step it finished, its state, the rung step. */
  status: SharedArrayBuffer;
  /**
   * The shared gradient buffer the rows sit in, if they do: the worker attaches an instance of the
   * core to its memory (once per buffer) and reads its chunks in place.
   */
  gradientBuffer?: SharedBufferInfo;
}

/**
 * Worker → main. Each reply is sent after the shared-memory writes that the main thread otherwise
 * spins on, so that waiting for the replies means the same as spinning: "gram" after the worker's
 * Gram chunks are counted, "done" after its finished word is stored and its state has left BUSY.
 */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gram"; step: number }
  | { type: "done"; step: number }
  | { type: "error"; step: number; message: string };

/** Claims the front or back chunk of the range word at `at`; −1 when the range is empty. */
function claimOne(ints: Int32Array, at: number, fromBack: boolean): number {
  for (;;) {
    const word = Atomics.load(ints, at);
    const front = word & 0xffff;
    const back = word >>> 16;
    if (front >= back) return -1;
    const next = fromBack ? packRange(front, back - 1) : packRange(front + 1, back);
    if (Atomics.compareExchange(ints, at, word, next) === word) return fromBack ? back - 1 : front;
  }
}

/**
 * One thread's share of a phase: the chunks of its own queue first (the Gram front to back, the
 * combine back to front, so that it starts on the chunks it read last, the likeliest to be still
 * in its caches), then whatever is left of the other queues it `mayTake`, from their other end.
 * Each chunk's `body` runs, then the chunk is counted in the phase's done word.
 */
export function claimChunks(
  ints: Int32Array,
  phase: Phase,
  queue: number,
  queues: number,
  mayTake: (queue: number) => boolean,
  body: (chunk: number) => void,
): void {
  const done = phase === "gram" ? GRAM_DONE_INDEX : COMBINE_DONE_INDEX;
  const drain = (q: number, fromBack: boolean) => {
    const at = rangeIndex(phase, q);
    for (let c = claimOne(ints, at, fromBack); c >= 0; c = claimOne(ints, at, fromBack)) {
      body(c);
      Atomics.add(ints, done, 1);
    }
  };
  const ownFromBack = phase === "combine";
  drain(queue, ownFromBack);
  for (let k = 1; k < queues; k++) {
    const q = (queue + k) % queues;
    if (mayTake(q)) drain(q, !ownFromBack);
  }
}
