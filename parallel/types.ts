/**
 * The public types of the parallel surgery (parallel/parallel_surgery.ts creates it).
 * @module
 */

import type { SurgeryState } from "../state/step_state.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import type { WeightOptions } from "../vocabulary/options.ts";

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
  /**
   * Grouped (layer-wise) surgery: boundaries [0, a, b, …, d], as for `createSurgery`; each block
   * runs on the threads when it is large enough.
   */
  groups?: readonly number[];
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
  /** The step's task losses (T finite numbers): MGDA's loss normalisation, DB-MTL, MoCo. */
  losses?: readonly number[];
  /**
   * Two more independent gradient batches [gradsA, gradsB] ("sdmgrad", "modo"). The methods that
   * need more than the Gramian run their whole step on the calling thread.
   */
  batches?: readonly (readonly Float32Array[])[];
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
  /** Restarts the stream from the seed, forgets the methods' state and clears the stats. */
  reset(): void;
  /**
   * The stream and the methods' state as plain JSON data, for a checkpoint: a parallel surgery
   * with the same thread count that restores it (in this process or another, through
   * `JSON.stringify`) gives bitwise the updates of the uninterrupted run. The state is the same
   * as `createSurgery`'s and can be restored there too. Take it once the steps before it have
   * resolved: a step still in flight advances the state when it computes its weights.
   *
   * @example Checkpoint and resume bit for bit
   * ```ts
   * import { createParallelSurgery } from "../mod.ts";
   * import assert from "node:assert/strict";
   *
   * const grads = [Float32Array.of(1, 0, 2), Float32Array.of(-1, 1, 0), Float32Array.of(0, -1, -1)];
   * const run = await createParallelSurgery({ threads: 2, method: "gradvac", seed: 7 });
   * const resumed = await createParallelSurgery({ threads: 2, method: "gradvac" });
   * try {
   *   await run.surgery(grads);
   *   const checkpoint = JSON.stringify(run.getState());
   *   const next = await run.surgery(grads);
   *   resumed.setState(checkpoint);
   *   assert.deepEqual(await resumed.surgery(grads), next);
   * } finally {
   *   run.close();
   *   resumed.close();
   * }
   * ```
   */
  getState(): SurgeryState;
  /**
   * Restores a state from {@linkcode ParallelSurgery.getState} (or from `createSurgery`'s), the
   * object or its JSON text; errors name what is wrong. The next step computes its weights from it.
   */
  setState(state: SurgeryState | string): void;
  /**
   * Ends the workers, whatever they are doing: a step still in flight rejects (unless its update
   * is already complete), later calls to `surgery` reject, and nothing is left to keep the process
   * alive. Until then the workers do keep it alive: close every parallel surgery you create.
   */
  close(): void;
}
