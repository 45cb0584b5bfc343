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
 *
 * This file is the orchestrator: options, and each step as validate → Gram → weights → combine,
 * with the stream, method state and stats in a Stepper (state/stepper.ts) as for createSurgery.
 * The workers are a pool (parallel/worker_pool.ts), a step's layout is pure data
 * (parallel/step_layout.ts), and the threaded phases run in parallel/threaded_step.ts.
 * @module
 */

import type { StepState, SurgeryState } from "../state/step_state.ts";
import { Stepper } from "../state/stepper.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { groupedStats } from "../stats/grouped.ts";
import {
  checkBatches,
  gramFallback,
  groupBlocks,
  methodWeights,
  reduce,
  runSurgeryOnRows,
  variantPass,
} from "../surgery.ts";
import { registry } from "../methods/registry.ts";
import { checkUpdate, updateCannotOverflow } from "../validate/update.ts";
import { validateStepInputs } from "../validate/grads.ts";
import { checkKeys } from "../validate/keys.ts";
import { creationHints, type ResolvedOptions, resolveOptions } from "../methods/options.ts";
import { validateThreads } from "../validate/options.ts";
import { validateGroupBounds } from "../validate/groups.ts";
import { sharedFloat32Array } from "./shared_memory.ts";
import {
  abortStep,
  combinePhase,
  gramPhase,
  prepareStep,
  stepScratch,
  type ThreadedStep,
} from "./threaded_step.ts";
import { chooseThreads, type ThreadChoice, threadSupport } from "./threads.ts";
import type { ParallelCallOptions, ParallelSurgery, ParallelSurgeryOptions } from "./types.ts";
import { closedDuringStep, openPool, settle, type WorkerPool } from "./worker_pool.ts";

/**
 * Below this many floats (T · d) one step runs on the main thread alone: a step's messages and
 * wake-ups cost tens to hundreds of µs (bench/pcgrad_bench.ts, threads column: at T = 8, d = 1e5
 * two threads lose to one).
 */
export const PARALLEL_MIN_FLOATS = 1 << 20;

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
  const resolved = resolveOptions(options, action, ["threads", "groups"], {
    out: "pass it to each call: .surgery(grads, { out })",
    losses: "pass it to each call: .surgery(grads, { losses })",
    batches: "pass them to each call: .surgery(grads, { batches })",
  });
  const bounds = validateGroupBounds(options?.groups, action);
  const support = threadSupport();
  const choice = chooseThreads(validateThreads(options?.threads, action), support);
  const pool = await openPool(choice.threads - 1, support);
  return new ThreadedSurgery(choice, pool, new Stepper(resolved), bounds);
}

/**
 * The step of T rows of d columns that go to the workers: large enough, and Gram-expressible. The
 * elementwise methods (GradDrop, the trimmed mean) run their own kernels, and the methods that need
 * more than the Gramian (DB-MTL, ExcessMTL, MoCo, SDMGrad, MoDo: their d-sized state and passes)
 * their own passes, on the calling thread.
 */
function runsOnThreads(threads: number, T: number, d: number, options: ResolvedOptions): boolean {
  return threads > 1 && T * d >= PARALLEL_MIN_FLOATS && registry[options.method].kind === "gram";
}

/** A parallel surgery: its workers, its stepper, and its steps run one at a time in call order. */
class ThreadedSurgery implements ParallelSurgery {
  readonly threads: number;
  readonly singleThreadReason: string | null;
  readonly #pool: WorkerPool;
  readonly #stepper: Stepper;
  readonly #scratch = stepScratch();
  readonly #hints = creationHints("createParallelSurgery", ["threads", "groups"]);
  /** Grouped surgery's boundaries (option `groups`), or undefined. */
  readonly #bounds: readonly number[] | undefined;
  #closed = false;
  #steps = 0;
  /** The last step whose messages went to the workers: its control buffer is theirs until done. */
  #posted = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    choice: ThreadChoice,
    pool: WorkerPool,
    stepper: Stepper,
    bounds: readonly number[] | undefined,
  ) {
    this.#bounds = bounds;
    this.threads = choice.threads;
    this.singleThreadReason = choice.singleThreadReason;
    this.#pool = pool;
    this.#stepper = stepper;
  }

  // The methods are bound (arrow functions), as a plain object's closures would be.
  readonly surgery = (
    grads: readonly Float32Array[],
    call?: ParallelCallOptions,
  ): Promise<Float32Array> => {
    const run = this.#queue.then(() => {
      checkKeys(call, ["out", "losses", "batches"], "run surgery", this.#hints);
      return this.#step(grads, call?.out, call?.losses, call?.batches);
    });
    this.#queue = run.catch(() => {});
    return run;
  };

  get stats(): SurgeryStats | null {
    return this.#stepper.stats;
  }

  readonly reset = (): void => this.#stepper.reset();
  readonly getState = (): SurgeryState => this.#stepper.getState();
  readonly setState = (state: SurgeryState | string): void => this.#stepper.setState(state);
  readonly close = (): void => {
    this.#closed = true;
    this.#pool.terminate();
  };

  /** One step: validate → Gram (threads) → weights (this thread) → combine (threads). */
  async #step(
    grads: readonly Float32Array[],
    out: Float32Array | undefined,
    losses: readonly number[] | undefined,
    batches: unknown,
  ): Promise<Float32Array> {
    const action = "run surgery";
    if (this.#closed) throw new Error(`Cannot ${action}: this parallel surgery is closed`);
    const { T, d } = validateStepInputs(grads, out, action);
    if (this.#bounds !== undefined) return await this.#groupedStep(grads, out, losses, batches);
    const options = this.#stepper.options;
    if (!runsOnThreads(this.threads, T, d, options)) {
      return this.#stepper.run((state) =>
        runSurgeryOnRows(grads, options, out, state, action, losses, batches)
      )
        .out;
    }
    checkBatches(registry[options.method], batches, T, d, action);
    // By default the update goes to shared memory, where every thread writes its chunks in place.
    const run = await this.#start(grads, out ?? sharedFloat32Array(d));
    const { G, weights, stats } = await this.#weigh(run, losses, action, null);
    await combinePhase(run, weights, this.#pool);
    this.#finish(run, G, weights, stats, action);
    return run.target;
  }

  /**
   * A grouped step (option `groups`): each block in turn, on the threads when it is large enough,
   * with the stream shared and its own method state (as adapters/groups.ts does on one thread).
   * The stats are recorded once every block is done.
   */
  async #groupedStep(
    grads: readonly Float32Array[],
    out: Float32Array | undefined,
    losses: readonly number[] | undefined,
    batches: unknown,
  ): Promise<Float32Array> {
    const target = out ?? sharedFloat32Array(grads[0].length);
    const options = this.#stepper.options;
    const blocks = groupBlocks(grads, this.#bounds!, options, target, "run surgery", batches);
    await this.#stepper.runAsync(async (state) => {
      const stats: SurgeryStats[] = [];
      for (const block of blocks) {
        const groupState = state.forGroup(String(block.g));
        if (!runsOnThreads(this.threads, grads.length, block.to - block.from, options)) {
          stats.push(
            runSurgeryOnRows(
              block.rows,
              options,
              block.out,
              groupState,
              block.action,
              losses,
              block.batches,
            ).stats,
          );
          continue;
        }
        const run = await this.#start(block.rows, block.out);
        const { G, weights, stats: blockStats } = await this.#weigh(
          run,
          losses,
          block.action,
          groupState,
        );
        await combinePhase(run, weights, this.#pool);
        this.#finish(run, G, weights, blockStats, block.action);
        stats.push(blockStats);
      }
      return { stats: groupedStats(stats, grads.length) };
    });
    return target;
  }

  /** Lays the step out in shared memory and starts it on every worker. */
  async #start(grads: readonly Float32Array[], target: Float32Array): Promise<ThreadedStep> {
    const id = ++this.#steps;
    // The control buffer and the stages are reused: first every worker must have left the last
    // step that had them.
    const pool = this.#pool;
    await settle(pool, () => pool.finished(this.#posted), this.#posted, "done");
    if (this.#closed) throw closedDuringStep();
    const run = prepareStep(id, grads, target, this.threads, pool, this.#scratch);
    // Only now: the next step waits for the workers to finish this one, so a failure above (an
    // allocation) must leave the posted step at one they did get.
    this.#posted = id;
    run.messages.forEach((message, w) => pool.start(w, message));
    return run;
  }

  /**
   * The Gram phase and the weights, the workers waiting on the flag meanwhile: whatever fails here
   * (a kernel, a worker's error, bad input, close()) aborts the step, so that none of them sleeps
   * on the flag for good.
   */
  async #weigh(
    run: ThreadedStep,
    losses: readonly number[] | undefined,
    action: string,
    groupState: StepState | null,
  ): Promise<{ G: Float64Array; weights: Float64Array; stats: SurgeryStats }> {
    const T = run.layout.T;
    const options = this.#stepper.options;
    try {
      const G = await gramPhase(run, this.#pool, () => this.#closed);
      gramFallback(run.grads, G, action);
      // A group's weights use its own state; the grouped step records the stats at its end.
      const result = groupState === null
        ? this.#stepper.run((state) => methodWeights(G, T, options, state, action, losses))
        : methodWeights(G, T, options, groupState, action, losses);
      // A variant rescales the method's combination on this thread once the threads are done.
      const weights = options.variant === "full"
        ? reduce(result.weights, options, T)
        : result.weights;
      return { G, weights, stats: result.stats };
    } catch (error) {
      abortStep(run);
      throw error;
    }
  }

  /** A variant's rescaling, or the overflow check where the Gramian's bound cannot rule it out. */
  #finish(
    run: ThreadedStep,
    G: Float64Array,
    weights: Float64Array,
    stats: SurgeryStats,
    action: string,
  ): void {
    const { grads, target, layout: { T } } = run;
    const options = this.#stepper.options;
    if (options.variant !== "full") {
      variantPass([{ rows: grads, out: target }], weights, options, stats, action);
    } else if (!updateCannotOverflow(G, T, weights)) {
      checkUpdate(target, target.every(Number.isFinite), grads, weights, action);
    }
  }
}
