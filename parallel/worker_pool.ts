/**
 * The parallel surgery's workers (parallel/worker.ts), as one pool: starting them, starting a
 * step on each (posted, or rung when it waits between steps), waiting for their replies, and
 * ending them whatever they are doing. The exit-safety rules of parallel/_protocol.ts live here:
 * a step is started only on a worker that has left BUSY, and terminate() marks every worker
 * CLOSED and wakes it before terminating it.
 * @module
 */

import {
  FLAG_ABORT,
  FLAG_INDEX,
  FLAG_WAIT,
  sameStepShape,
  SPIN_MS,
  spinUntil,
  statusLength,
  statusWords,
  type StepMessage,
  type WorkerReply,
  WorkerState,
} from "./_protocol.ts";
import type { StartThread, ThreadSupport, ThreadWorker } from "./threads.ts";

/** A wait for every worker's reply of one kind for one step. */
interface Pending {
  step: number;
  kind: "gram" | "done";
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The workers, the last step each has replied "gram" and "done" for (ready = step 0), and their
 * shared words (parallel/_protocol.ts statusWords: the last step each finished, its state).
 */
export class WorkerPool {
  readonly workers: ThreadWorker[] = [];
  readonly status: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #replied = { gram: [] as number[], done: [] as number[] };
  /** The last message each worker ran: a step of the same shape is only rung. */
  readonly #last: (StepMessage | undefined)[] = [];
  #pending: Pending[] = [];
  #failure: Error | null = null;
  /** The control buffer of the last step started: the one whose flag workers may wait on. */
  #control: SharedArrayBuffer | null = null;

  /** `count` workers, each started by `start` (parallel/threads.ts). */
  constructor(count: number, start: StartThread) {
    // No workers: the words are never shared (and this runtime may have no SharedArrayBuffer).
    this.status = count === 0
      ? new ArrayBuffer(4) as unknown as SharedArrayBuffer
      : new SharedArrayBuffer(statusLength(count) * 4);
    this.#words = new Int32Array(this.status);
    for (let w = 0; w < count; w++) {
      const worker = start({
        reply: (message) => this.#onReply(w, message as WorkerReply),
        fail: (message) => this.#fail(new Error(`parallel surgery worker ${w} failed: ${message}`)),
      });
      this.workers.push(worker);
      this.#replied.gram.push(-1);
      this.#replied.done.push(-1);
      this.#last.push(undefined);
    }
  }

  /** Resolves once every worker has replied `kind` for `step` or later (ready: "done", step 0). */
  wait(step: number, kind: "gram" | "done"): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#replied[kind].every((s) => s >= step)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#pending.push({ step, kind, resolve, reject }));
  }

  /** Every worker has finished `step` (or a later one) and is no longer busy. */
  finished(step: number): boolean {
    for (let w = 0; w < this.workers.length; w++) {
      const at = statusWords(w);
      if (Atomics.load(this.#words, at.finished) < step) return false;
      if (Atomics.load(this.#words, at.state) === WorkerState.BUSY) return false;
    }
    return true;
  }

  /**
   * Starts a step on worker w (which has finished every earlier step and left BUSY: a BUSY worker
   * would be posted the message, then sleep between steps with it unread): a worker waiting between
   * steps is rung, RING_SAME when the step has the shape of its last one, else RING_NEW after the
   * message is posted; a worker in its event loop gets the message.
   */
  start(w: number, message: StepMessage): void {
    const at = statusWords(w);
    const last = this.#last[w];
    this.#last[w] = message;
    this.#control = message.control;
    if (Atomics.load(this.#words, at.state) !== WorkerState.IDLE) {
      this.workers[w].postMessage(message);
      return;
    }
    if (last !== undefined && sameStepShape(last, message)) {
      Atomics.store(this.#words, at.step, message.step);
      Atomics.store(this.#words, at.state, WorkerState.RING_SAME);
    } else {
      this.workers[w].postMessage(message);
      Atomics.store(this.#words, at.state, WorkerState.RING_NEW);
    }
    Atomics.notify(this.#words, at.state);
  }

  #onReply(w: number, reply: WorkerReply): void {
    if (reply.type === "error") {
      this.#fail(new Error(`parallel surgery worker failed: ${reply.message}`));
      return;
    }
    if (reply.type === "ready") this.#replied.done[w] = 0;
    else this.#replied[reply.type][w] = Math.max(this.#replied[reply.type][w], reply.step);
    const still: Pending[] = [];
    for (const p of this.#pending) {
      if (this.#replied[p.kind].every((s) => s >= p.step)) p.resolve();
      else still.push(p);
    }
    this.#pending = still;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const p of this.#pending) p.reject(error);
    this.#pending = [];
  }

  /**
   * Terminates the workers. A Worker's terminate() in Deno only takes effect once the worker is
   * back in its event loop: one left spinning or in Atomics.wait keeps the process alive. So every
   * word a worker may wait on is changed first, whatever the worker is doing: its state word to
   * CLOSED (it then leaves its step or its sleep between steps, and runs no step message that
   * arrives later) and the flag of the step in flight to FLAG_ABORT (it then skips the combine).
   */
  terminate(): void {
    this.workers.forEach((_, w) => {
      const state = statusWords(w).state;
      Atomics.store(this.#words, state, WorkerState.CLOSED);
      Atomics.notify(this.#words, state);
    });
    if (this.#control !== null) {
      const ints = new Int32Array(this.#control);
      Atomics.compareExchange(ints, FLAG_INDEX, FLAG_WAIT, FLAG_ABORT);
      Atomics.notify(ints, FLAG_INDEX);
    }
    this.workers.forEach((worker) => worker.terminate());
    this.workers.length = 0;
    this.#fail(closedDuringStep());
  }
}

/** The error of a step that close() cut short. */
export const closedDuringStep = (): Error =>
  new Error("Cannot run surgery: this parallel surgery was closed during the step");

/**
 * Waits until `ready()` holds: spinning up to SPIN_MS (parallel/_protocol.ts), then until every
 * worker has replied `kind` for `step` (a reply is sent after the same shared-memory writes).
 */
export async function settle(
  pool: WorkerPool,
  ready: () => boolean,
  step: number,
  kind: "gram" | "done",
): Promise<void> {
  if (!spinUntil(ready, SPIN_MS)) await pool.wait(step, kind);
}

/** The pool's start where the runtime has no threads (it then has no workers to start). */
const noThread: StartThread = () => {
  throw new Error("Cannot start a parallel surgery worker: this runtime has no threads");
};

/**
 * A pool of `workers` workers, resolved once every one is ready; where one fails to start, the
 * others are terminated and the creation rejects.
 */
export async function openPool(workers: number, support: ThreadSupport): Promise<WorkerPool> {
  const pool = new WorkerPool(workers, support.available ? support.start : noThread);
  try {
    if (workers > 0) await pool.wait(0, "done");
  } catch (error) {
    pool.terminate();
    throw error;
  }
  return pool;
}
