/**
 * The threaded phases of one parallel step, on the calling thread: lay out and stage the step's
 * shared memory, start the workers, claim chunks beside them for the Gram and the combine, and
 * wait for theirs (parallel/_protocol.ts). The weights between the two phases are the
 * orchestrator's (parallel/parallel_surgery.ts).
 * @module
 */

import { sharedBufferOf } from "../core/gradient_buffer.ts";
import { kernels } from "../core/kernels.ts";
import {
  claimChunks,
  COMBINE_DONE_INDEX,
  FLAG_ABORT,
  FLAG_COMBINE,
  FLAG_INDEX,
  FLAG_WAIT,
  GRAM_DONE_INDEX,
  ownerIndex,
} from "./_protocol.ts";
import { isShared } from "./shared_memory.ts";
import {
  controlHeader,
  outSlice,
  rowSlices,
  type StepLayout,
  stepLayout,
  workerMessage,
} from "./step_layout.ts";
import { closedDuringStep, settle, type WorkerPool } from "./worker_pool.ts";

/** Grow-only shared buffers reused across steps. */
export class SharedScratch {
  #buffer: SharedArrayBuffer | null = null;
  /** A shared buffer of at least `bytes` bytes (the last one when it is large enough). */
  get(bytes: number): SharedArrayBuffer {
    if (this.#buffer === null || this.#buffer.byteLength < bytes) {
      this.#buffer = new SharedArrayBuffer(bytes);
    }
    return this.#buffer;
  }
}

/** The reused shared memory of a parallel surgery: control buffer, row and output stages. */
export interface StepScratch {
  control: SharedScratch;
  rows: SharedScratch;
  out: SharedScratch;
}

/** A fresh set of scratch buffers. */
export const stepScratch = (): StepScratch => ({
  control: new SharedScratch(),
  rows: new SharedScratch(),
  out: new SharedScratch(),
});

/** One step laid out in shared memory, ready to be started on the workers. */
export interface ThreadedStep {
  id: number;
  layout: StepLayout;
  grads: readonly Float32Array[];
  target: Float32Array;
  /** The control buffer as int32 words (header) and float64s (partial Grams, weights). */
  ints: Int32Array;
  partials: Float64Array;
  /** The workers' output stage, when `target` is not shared. */
  staged: Float32Array | null;
  /** Each worker's message. */
  messages: ReturnType<typeof workerMessage>[];
}

/**
 * Lays out step `id` of `grads` into `target` on `threads` threads: the workers' columns staged
 * where the rows are not shared, the control header written (flag FLAG_WAIT last), the messages
 * built. Nothing reaches a worker yet.
 */
export function prepareStep(
  id: number,
  grads: readonly Float32Array[],
  target: Float32Array,
  threads: number,
  pool: WorkerPool,
  scratch: StepScratch,
): ThreadedStep {
  const T = grads.length;
  const d = target.length;
  const layout = stepLayout(T, d, threads, grads.every(isShared), isShared(target));
  const { rest, plan } = layout;
  const stage = layout.stageRows ? new Float32Array(scratch.rows.get(T * rest * 4)) : null;
  if (stage !== null) grads.forEach((g, t) => stage.set(g.subarray(plan.from), t * rest));
  const share = layout.stageRows ? null : sharedBufferOf(grads);
  const rows = rowSlices(
    layout,
    stage === null ? { rows: grads, inBuffer: share !== null } : { stage },
  );
  const staged = layout.stageOut ? new Float32Array(scratch.out.get(rest * 4)) : null;
  const inBuffer = share !== null && target.buffer === grads[0].buffer;
  const out = outSlice(layout, staged === null ? { out: target, inBuffer } : { stage: staged });
  const control = scratch.control.get(layout.control.bytes);
  const ints = new Int32Array(control);
  ints.set(controlHeader(layout));
  Atomics.store(ints, FLAG_INDEX, FLAG_WAIT);
  const memory = { control, rows, out, status: pool.status, gradientBuffer: share };
  const messages = pool.workers.map((_, w) => workerMessage(layout, w, id, memory));
  return { id, layout, grads, target, ints, partials: new Float64Array(control), staged, messages };
}

/** Chunk c's columns of a row (or of the output): read from the caller's arrays directly. */
function columns(step: ThreadedStep, c: number, row: Float32Array): Float32Array {
  const bounds = step.layout.plan.bounds;
  return row.subarray(bounds[c], bounds[c + 1]);
}

/** This thread may take any queue's chunks: it reads the caller's arrays wherever they are. */
const everyQueue = () => true;

/**
 * The Gram phase: this thread's chunks and any left over, then, once every chunk is counted, the
 * partial Grams summed in chunk order (the same G whichever thread took which chunk).
 */
export async function gramPhase(
  step: ThreadedStep,
  pool: WorkerPool,
  closed: () => boolean,
): Promise<Float64Array> {
  const { ints, partials, grads, layout: { T, chunks, queues, control } } = step;
  claimChunks(ints, "gram", 0, queues, everyQueue, (c) => {
    const Gc = partials.subarray(control.gramSlot(c), control.gramSlot(c) + T * T);
    Gc.fill(0);
    kernels.gram(grads.map((g) => columns(step, c, g)), Gc);
  });
  await settle(pool, () => Atomics.load(ints, GRAM_DONE_INDEX) === chunks, step.id, "gram");
  if (closed()) throw closedDuringStep();
  const G = new Float64Array(T * T);
  for (let c = 0; c < chunks; c++) {
    const at = control.gramSlot(c);
    for (let k = 0; k < T * T; k++) G[k] += partials[at + k];
  }
  return G;
}

/**
 * Ends a step that failed on this thread before the combine: the workers, waiting on the flag
 * (asleep past their spin), skip the combine. Without it they would sleep on the flag for good
 * and the next step would wait for them forever.
 */
export function abortStep(step: ThreadedStep): void {
  Atomics.store(step.ints, FLAG_INDEX, FLAG_ABORT);
  Atomics.notify(step.ints, FLAG_INDEX);
}

/**
 * The combine phase: the weights published and the flag set, this thread's chunks and any left
 * over, then, once every worker is done, their staged chunks copied into the target.
 */
export async function combinePhase(
  step: ThreadedStep,
  weights: Float64Array,
  pool: WorkerPool,
): Promise<void> {
  const { ints, grads, target, staged, layout: { chunks, queues, plan } } = step;
  step.partials.set(weights, step.layout.control.weights);
  Atomics.store(ints, FLAG_INDEX, FLAG_COMBINE);
  Atomics.notify(ints, FLAG_INDEX);
  claimChunks(ints, "combine", 0, queues, everyQueue, (c) => {
    kernels.combine(grads.map((g) => columns(step, c, g)), weights, columns(step, c, target));
  });
  await settle(pool, () => Atomics.load(ints, COMBINE_DONE_INDEX) === chunks, step.id, "done");
  if (staged === null) return;
  const { bounds, from } = plan;
  for (let c = 0; c < chunks; c++) {
    if (ints[ownerIndex(queues, c)] === 1) {
      target.set(staged.subarray(bounds[c] - from, bounds[c + 1] - from), bounds[c]);
    }
  }
}
