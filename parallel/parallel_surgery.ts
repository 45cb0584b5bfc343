/**
 * Surgery on all cores: the split phase across Workers sharing memory. d is cut into
 * chunks; threads claim chunks (parallel/_protocol.ts) and compute their partial Grams, the main
 * thread sums the partials in chunk order (the same bits whichever thread took which chunk),
 * computes the weights once, and threads claim chunks again to combine them.
 *
 * Why an async API: the public `surgery()` is synchronous, and a synchronous call can only wait
 * for workers by blocking in Atomics.wait, which browsers forbid on their main thread. So threads
 * come with an explicit object whose `surgery` returns a Promise (the main thread does its own
 * slice meanwhile), created once with its workers and closed with `close()`. Where the runtime has
 * no threads (parallel/threads.ts) it runs single-threaded behind the same API and says why.
 * @module
 */

import { sharedBufferOf } from "../core/gradient_buffer.ts";
import { gramReference } from "../core/reference.ts";
import { kernels } from "../core/kernels.ts";
import { StepState } from "../random/step_state.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { methodWeights, reduce, runSurgery, variantPass } from "../surgery.ts";
import { checkUpdate, updateCannotOverflow } from "../validate/update.ts";
import { gramNeedsFloat64 } from "../validate/finite.ts";
import { validateOut, validateRows } from "../validate/grads.ts";
import { checkKeys } from "../validate/keys.ts";
import { creationHints, resolveOptions } from "../methods/options.ts";
import { validateThreads } from "../validate/options.ts";
import type { WeightOptions } from "../vocabulary/options.ts";
import {
  claimChunks,
  COMBINE_DONE_INDEX,
  controlLayout,
  FLAG_ABORT,
  FLAG_COMBINE,
  FLAG_INDEX,
  FLAG_WAIT,
  GRAM_DONE_INDEX,
  ownerIndex,
  packRange,
  rangeIndex,
  sameStepShape,
  type SharedSlice,
  SPIN_MS,
  spinUntil,
  statusLength,
  statusWords,
  type StepMessage,
  type WorkerReply,
  WorkerState,
} from "./_protocol.ts";
import { planChunks } from "./chunk_plan.ts";
import { isShared, sharedFloat32Array } from "./shared_memory.ts";
import { type StartThread, threadSupport, type ThreadWorker } from "./threads.ts";

/**
 * Below this many floats (T · d) one step runs on the main thread alone: a step's messages and
 * wake-ups cost tens to hundreds of µs (bench/pcgrad_bench.ts, threads column: at T = 8, d = 1e5
 * two threads lose to one).
 */
export const PARALLEL_MIN_FLOATS = 1 << 20;
/** Default thread count cap: beyond a few threads the memory bus, not the cores, sets the pace. */
export const MAX_DEFAULT_THREADS = 8;

/**
 * Options of {@linkcode createParallelSurgery}.
 *
 * @example A thread count beside the usual options
 * ```ts
 * import { createParallelSurgery, type ParallelSurgeryOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: ParallelSurgeryOptions = { threads: 1, reduction: "mean" };
 * const pcgrad = await createParallelSurgery(options);
 * try {
 *   assert.equal(pcgrad.threads, 1);
 *   const update = await pcgrad.surgery([Float32Array.of(1, 0), Float32Array.of(-1, 1)]);
 *   assert.deepEqual(Array.from(update), [0.25, 0.75]);
 * } finally {
 *   pcgrad.close();
 * }
 * ```
 */
export interface ParallelSurgeryOptions extends WeightOptions {
  /**
   * Threads, counting the calling thread (an integer from 1 to 256). Default: the logical CPUs
   * (at most 8) where the runtime has threads (Worker, or Node's worker_threads, and
   * SharedArrayBuffer), else 1.
   */
  threads?: number;
}

/**
 * Per-call options of {@linkcode ParallelSurgery.surgery}.
 *
 * @example Writing every step into one shared buffer
 * ```ts
 * import { createParallelSurgery, type ParallelCallOptions, sharedFloat32Array } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const pcgrad = await createParallelSurgery({ threads: 2 });
 * try {
 *   const call: ParallelCallOptions = { out: sharedFloat32Array(2) };
 *   const update = await pcgrad.surgery([Float32Array.of(1, 0), Float32Array.of(-1, 1)], call);
 *   assert.equal(update, call.out); // no allocation per step
 *   assert.deepEqual(Array.from(update), [0.5, 1.5]);
 * } finally {
 *   pcgrad.close();
 * }
 * ```
 */
export interface ParallelCallOptions {
  /**
   * Where to write the update; default a new array on shared memory. On a SharedArrayBuffer
   * every thread writes its chunks in place; otherwise the workers' chunks are staged and copied
   * in at the end (within the same 12 MiB staging bound as the rows).
   */
  out?: Float32Array;
  /** The step's task losses (T finite numbers), for MGDA's "loss" / "loss+" normalisation. */
  losses?: readonly number[];
}

/**
 * A stateful surgery that splits every step across threads.
 *
 * @example The same stream and stats as createSurgery
 * ```ts
 * import { createParallelSurgery, createSurgery, type ParallelSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [Float32Array.of(1, 0, 2), Float32Array.of(-1, 1, 0), Float32Array.of(0, -1, -1)];
 * const parallel: ParallelSurgery = await createParallelSurgery({ threads: 2, seed: 4 });
 * const single = createSurgery({ seed: 4 });
 * try {
 *   for (let step = 0; step < 3; step++) {
 *     const a = await parallel.surgery(grads);
 *     const b = single.surgery(grads);
 *     a.forEach((x, k) => assert.ok(Math.abs(x - b[k]) < 1e-6));
 *     assert.deepEqual(parallel.stats?.orders, single.stats?.orders);
 *   }
 *   parallel.reset();
 *   assert.equal(parallel.stats, null);
 * } finally {
 *   parallel.close();
 * }
 * ```
 */
export interface ParallelSurgery {
  /** Threads in use (1 where the runtime has no threads: see `singleThreadReason`). */
  readonly threads: number;
  /**
   * Why `threads` is 1 although more were asked for or would be the default, e.g. "one thread
   * only: this runtime has no SharedArrayBuffer (a browser page needs cross-origin isolation)";
   * null when the threads run as asked. Asking for more than one thread where there are none also
   * warns once on the console.
   */
  readonly singleThreadReason: string | null;
  /**
   * Same contract as `createSurgery(options).surgery`, resolved when the update is written.
   * Fastest: gradients in a shared gradient buffer (`createGradientBuffer(T, d, { shared: true })`),
   * which every thread's kernels read in place. Other gradients on a SharedArrayBuffer (see
   * {@linkcode sharedFloat32Array}) are read by every thread and staged into its WASM memory;
   * gradients in JS memory are first copied, by the calling thread, into a shared staging buffer
   * for the workers' own chunks, at most 12 MiB of it (parallel/chunk_plan.ts): beyond that the
   * calling thread does the rest itself. Steps run one at a time, in call order.
   */
  surgery(grads: readonly Float32Array[], options?: ParallelCallOptions): Promise<Float32Array>;
  /** Diagnostics of the last step; null before the first. */
  readonly stats: SurgeryStats | null;
  /** Restarts the stream from the seed and clears the stats. */
  reset(): void;
  /**
   * Ends the workers, whatever they are doing: a step still in flight rejects (unless its update
   * is already complete), later calls to `surgery` reject, and nothing is left to keep the process
   * alive. Until then the workers do keep it alive: close every parallel surgery you create.
   */
  close(): void;
}

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
const closedDuringStep = () =>
  new Error("Cannot run surgery: this parallel surgery was closed during the step");

/**
 * Waits until `ready()` holds: spinning up to SPIN_MS (parallel/_protocol.ts), then until every
 * worker has replied `kind` for `step` (a reply is sent after the same shared-memory writes).
 */
async function settle(
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

const warned = new Set<string>();

/** A console warning, once per process and message. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`gradient-surgery: createParallelSurgery runs ${message}`);
}

/** Grow-only shared buffers reused across steps. */
class SharedScratch {
  #buffer: SharedArrayBuffer | null = null;
  get(bytes: number): SharedArrayBuffer {
    if (this.#buffer === null || this.#buffer.byteLength < bytes) {
      this.#buffer = new SharedArrayBuffer(bytes);
    }
    return this.#buffer;
  }
}

/**
 * Creates a surgery that runs every step's Gram and combine passes on `threads` threads (the
 * caller's plus threads − 1 Workers), with the same weights, stream and stats as
 * `createSurgery(options)`. The update equals the single-threaded one within float32 rounding
 * (each slice's Gram is summed separately) and is bitwise reproducible for a given thread count.
 *
 * @example
 * ```ts
 * import { createParallelSurgery, sharedFloat32Array } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const pcgrad = await createParallelSurgery({ threads: 2, seed: 1 });
 * try {
 *   const g1 = sharedFloat32Array(4);
 *   const g2 = sharedFloat32Array(4);
 *   g1.set([1, 0, 0, 0]);
 *   g2.set([-1, 1, 0, 0]);
 *   const update = await pcgrad.surgery([g1, g2]);
 *   assert.deepEqual(Array.from(update), [0.5, 1.5, 0, 0]);
 * } finally {
 *   pcgrad.close();
 * }
 * ```
 */
export async function createParallelSurgery(
  options?: ParallelSurgeryOptions,
): Promise<ParallelSurgery> {
  const action = "create parallel surgery";
  const resolved = resolveOptions(options, action, ["threads"], {
    out: "pass it to each call: .surgery(grads, { out })",
    losses: "pass it to each call: .surgery(grads, { losses })",
  });
  const hints = creationHints("createParallelSurgery", ["threads"]);
  const requested = validateThreads(options?.threads, action);
  const support = threadSupport();
  const threads = !support.available
    ? 1
    : requested ?? Math.max(1, Math.min(MAX_DEFAULT_THREADS, support.cpus));
  const singleThreadReason = !support.available && requested !== 1
    ? `one thread only: ${support.reason}`
    : null;
  if (singleThreadReason !== null && requested !== undefined) warnOnce(singleThreadReason);
  const pool = new WorkerPool(threads - 1, support.available ? support.start : noThread);
  try {
    if (threads > 1) await pool.wait(0, "done");
  } catch (error) {
    pool.terminate();
    throw error;
  }

  let state = new StepState(resolved.seed);
  let stats: SurgeryStats | null = null;
  let closed = false;
  let steps = 0;
  /** The last step whose messages went to the workers: its control buffer is theirs until done. */
  let posted = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const control = new SharedScratch();
  const staging = new SharedScratch();
  const outStage = new SharedScratch();

  async function step(
    grads: readonly Float32Array[],
    out: Float32Array | undefined,
    losses: readonly number[] | undefined,
  ): Promise<Float32Array> {
    const callAction = "run surgery";
    if (closed) throw new Error(`Cannot ${callAction}: this parallel surgery is closed`);
    const { T, d } = validateRows(grads, callAction);
    if (out !== undefined) validateOut(out, d, grads, callAction);
    if (threads === 1 || T * d < PARALLEL_MIN_FLOATS || resolved.method === "graddrop") {
      const result = runSurgery(grads, resolved, out, state, callAction, losses);
      stats = result.stats;
      return result.out;
    }
    // By default the update goes to shared memory, where every thread writes its chunks in place.
    const target = out ?? sharedFloat32Array(d);
    const id = ++steps;
    // The control buffer and the stages are reused: first every worker must have left the last
    // step that had them.
    await settle(pool, () => pool.finished(posted), posted, "done");
    if (closed) throw closedDuringStep();
    const rowsShared = grads.every(isShared);
    const outShared = isShared(target);
    const plan = planChunks(d, T, threads, rowsShared, outShared);
    const { bounds: chunks, from } = plan;
    const K = chunks.length - 1;
    const queues = threads;
    const rest = d - from;
    // What workers cannot read or write where it is: staged for their own chunks, [from, d).
    const stage = rowsShared ? null : new Float32Array(staging.get(T * rest * 4));
    if (stage !== null) grads.forEach((g, t) => stage.set(g.subarray(from), t * rest));
    // Rows in a shared gradient buffer: every worker reads its chunks in place (its own instance).
    const share = rowsShared ? sharedBufferOf(grads) : null;
    const rows = grads.map((g, t): SharedSlice =>
      stage === null
        ? {
          buffer: g.buffer as SharedArrayBuffer,
          byteOffset: g.byteOffset,
          first: 0,
          length: d,
          inBuffer: share !== null,
        }
        : {
          buffer: stage.buffer as SharedArrayBuffer,
          byteOffset: t * rest * 4,
          first: from,
          length: rest,
        }
    );
    const staged = outShared ? null : new Float32Array(outStage.get(rest * 4));
    const outSlice: SharedSlice = staged === null
      ? {
        buffer: target.buffer as SharedArrayBuffer,
        byteOffset: target.byteOffset,
        first: 0,
        length: d,
        inBuffer: share !== null && target.buffer === grads[0].buffer,
      }
      : { buffer: staged.buffer as SharedArrayBuffer, byteOffset: 0, first: from, length: rest };

    const layout = controlLayout(queues, K, T);
    const ctrl = control.get(layout.bytes);
    const ints = new Int32Array(ctrl);
    ints.fill(0, 0, ownerIndex(queues, K));
    plan.queues.forEach(([first, end], q) => {
      ints[rangeIndex("gram", q)] = packRange(first, end);
      ints[rangeIndex("combine", q)] = packRange(first, end);
    });
    Atomics.store(ints, FLAG_INDEX, FLAG_WAIT);

    // Only now: the next step waits for the workers to finish this one, so a failure above (an
    // allocation) must leave `posted` at a step they did get.
    posted = id;
    pool.workers.forEach((_, w) => {
      const message: StepMessage = {
        step: id,
        T,
        worker: w,
        queue: w + 1,
        queues,
        takeMain: plan.workersTakeMain,
        chunks,
        control: ctrl,
        rows,
        out: outSlice,
        outStaged: staged !== null,
        status: pool.status,
        gradientBuffer: share ?? undefined,
      };
      pool.start(w, message);
    });

    // This thread's chunks, and any other's left over: read from the caller's arrays directly.
    const everyQueue = () => true;
    const columns = (c: number, r: Float32Array) => r.subarray(chunks[c], chunks[c + 1]);
    const partials = new Float64Array(ctrl);
    const G = new Float64Array(T * T);
    let weights: Float64Array;
    // From here until the flag is set, the workers wait for it (asleep past their spin): whatever
    // fails on this thread meanwhile (a kernel, a worker's error, bad input, close()) must set it
    // to FLAG_ABORT, or they sleep on it for good and the next step waits for them forever.
    try {
      claimChunks(ints, "gram", 0, queues, everyQueue, (c) => {
        const Gc = partials.subarray(layout.gramSlot(c), layout.gramSlot(c) + T * T);
        Gc.fill(0);
        kernels.gram(grads.map((g) => columns(c, g)), Gc);
      });
      await settle(pool, () => Atomics.load(ints, GRAM_DONE_INDEX) === K, id, "gram");
      if (closed) throw closedDuringStep();
      // Summed in chunk order: the same G whichever thread took which chunk.
      for (let c = 0; c < K; c++) {
        const at = layout.gramSlot(c);
        for (let k = 0; k < T * T; k++) G[k] += partials[at + k];
      }
      if (gramNeedsFloat64(grads, G, callAction)) {
        // Float32 squares overflowed or underflowed: the whole Gram again in float64.
        G.fill(0);
        gramReference(grads, G);
      }
      const result = methodWeights(G, T, resolved, state, callAction, losses);
      // A variant rescales the method's combination on this thread once the threads are done.
      weights = resolved.variant === "full" ? reduce(result.weights, resolved, T) : result.weights;
      stats = result.stats;
    } catch (error) {
      Atomics.store(ints, FLAG_INDEX, FLAG_ABORT);
      Atomics.notify(ints, FLAG_INDEX);
      throw error;
    }
    partials.set(weights, layout.weights);
    Atomics.store(ints, FLAG_INDEX, FLAG_COMBINE);
    Atomics.notify(ints, FLAG_INDEX);
    claimChunks(ints, "combine", 0, queues, everyQueue, (c) => {
      kernels.combine(grads.map((g) => columns(c, g)), weights, columns(c, target));
    });
    await settle(pool, () => Atomics.load(ints, COMBINE_DONE_INDEX) === K, id, "done");
    if (staged !== null) {
      for (let c = 0; c < K; c++) {
        if (ints[ownerIndex(queues, c)] === 1) {
          target.set(staged.subarray(chunks[c] - from, chunks[c + 1] - from), chunks[c]);
        }
      }
    }
    if (resolved.variant !== "full") {
      variantPass([{ rows: grads, out: target }], weights, resolved, stats!, callAction);
    } else if (!updateCannotOverflow(G, T, weights)) {
      checkUpdate(target, target.every(Number.isFinite), grads, weights, callAction);
    }
    return target;
  }

  return {
    threads,
    singleThreadReason,
    surgery(grads, call) {
      const run = queue.then(() => {
        checkKeys(call, ["out", "losses"], "run surgery", hints);
        return step(grads, call?.out, call?.losses);
      });
      queue = run.catch(() => {});
      return run;
    },
    get stats() {
      return stats;
    },
    reset() {
      state = new StepState(resolved.seed);
      stats = null;
    },
    close() {
      closed = true;
      pool.terminate();
    },
  };
}
