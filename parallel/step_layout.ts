/**
 * The layout of one parallel step, as data: which thread owns which chunks (parallel/chunk_plan.ts),
 * what is staged for the workers, the control buffer's words before the step, and each worker's
 * StepMessage. Pure: nothing here allocates shared memory, copies a row or talks to a worker, so
 * the whole layout is tested without threads (tests/parallel/step_layout_test.ts).
 * @module
 */

import { type ChunkPlan, planChunks } from "./chunk_plan.ts";
import {
  controlLayout,
  FLAG_INDEX,
  FLAG_WAIT,
  ownerIndex,
  packRange,
  rangeIndex,
  type SharedSlice,
  type StepMessage,
} from "./_protocol.ts";
import type { SharedBufferInfo } from "../core/gradient_buffer.ts";

/** One step's sizes, chunks and staging. */
export interface StepLayout {
  /** Tasks and columns. */
  T: number;
  d: number;
  /** Queues of chunks: one per thread, queue 0 the calling thread's. */
  queues: number;
  /** Who owns which chunks; chunk c covers columns [plan.bounds[c], plan.bounds[c + 1]). */
  plan: ChunkPlan;
  /** Chunks in the step. */
  chunks: number;
  /** Columns staged for the workers' own chunks: [plan.from, d), `rest` of them. */
  rest: number;
  /** Whether the rows (not on shared memory) are staged, and whether the output is. */
  stageRows: boolean;
  stageOut: boolean;
  /** Offsets in the control buffer (parallel/_protocol.ts controlLayout). */
  control: ReturnType<typeof controlLayout>;
}

/**
 * The layout of a step of T rows of d columns on `threads` threads, the rows and the output on
 * shared memory or not.
 *
 * @example Plain rows on two threads: the workers' chunks are staged
 * ```ts
 * import { stepLayout } from "./step_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = stepLayout(4, 1e6, 2, false, true);
 * assert.equal(layout.chunks, 32);
 * assert.equal(layout.rest, 1e6 - layout.plan.from);
 * assert.deepEqual([layout.stageRows, layout.stageOut], [true, false]);
 * ```
 */
export function stepLayout(
  T: number,
  d: number,
  threads: number,
  rowsShared: boolean,
  outShared: boolean,
): StepLayout {
  const plan = planChunks(d, T, threads, rowsShared, outShared);
  const chunks = plan.bounds.length - 1;
  return {
    T,
    d,
    queues: threads,
    plan,
    chunks,
    rest: d - plan.from,
    stageRows: !rowsShared,
    stageOut: !outShared,
    control: controlLayout(threads, chunks, T),
  };
}

/**
 * The control buffer's int32 header before the step starts: flag FLAG_WAIT, no chunk done, every
 * queue's range full for both phases, no chunk owned (ownerIndex(queues, chunks) words).
 */
export function controlHeader(layout: StepLayout): Int32Array {
  const ints = new Int32Array(ownerIndex(layout.queues, layout.chunks));
  layout.plan.queues.forEach(([first, end], q) => {
    ints[rangeIndex("gram", q)] = packRange(first, end);
    ints[rangeIndex("combine", q)] = packRange(first, end);
  });
  ints[FLAG_INDEX] = FLAG_WAIT;
  return ints;
}

/** Where the workers read the rows: in place on shared memory, or in the stage. */
export type RowSource =
  | { rows: readonly Float32Array[]; inBuffer: boolean }
  | { stage: Float32Array };

/**
 * Each row as the workers see it: the whole row where it is shared, else its staged columns
 * [from, d), row t at float t · rest of the stage.
 */
export function rowSlices(layout: StepLayout, source: RowSource): SharedSlice[] {
  const { T, d, rest } = layout;
  if ("stage" in source) {
    return Array.from({ length: T }, (_, t) => ({
      buffer: source.stage.buffer as SharedArrayBuffer,
      byteOffset: source.stage.byteOffset + t * rest * 4,
      first: layout.plan.from,
      length: rest,
    }));
  }
  return source.rows.map((g) => ({
    buffer: g.buffer as SharedArrayBuffer,
    byteOffset: g.byteOffset,
    first: 0,
    length: d,
    inBuffer: source.inBuffer,
  }));
}

/** The output as the workers see it: the whole target where it is shared, else the stage. */
export function outSlice(
  layout: StepLayout,
  target: { out: Float32Array; inBuffer: boolean } | { stage: Float32Array },
): SharedSlice {
  if ("stage" in target) {
    return {
      buffer: target.stage.buffer as SharedArrayBuffer,
      byteOffset: target.stage.byteOffset,
      first: layout.plan.from,
      length: layout.rest,
    };
  }
  return {
    buffer: target.out.buffer as SharedArrayBuffer,
    byteOffset: target.out.byteOffset,
    first: 0,
    length: layout.d,
    inBuffer: target.inBuffer,
  };
}

/** The shared memory of one step, as every worker's message names it. */
export interface StepMemory {
  control: SharedArrayBuffer;
  rows: SharedSlice[];
  out: SharedSlice;
  status: SharedArrayBuffer;
  gradientBuffer: SharedBufferInfo | null;
}

/** Worker w's message for step `step` (its own queue is w + 1: queue 0 is the calling thread's). */
export function workerMessage(
  layout: StepLayout,
  w: number,
  step: number,
  memory: StepMemory,
): StepMessage {
  return {
    step,
    T: layout.T,
    worker: w,
    queue: w + 1,
    queues: layout.queues,
    takeMain: layout.plan.workersTakeMain,
    chunks: layout.plan.bounds,
    control: memory.control,
    rows: memory.rows,
    out: memory.out,
    outStaged: layout.stageOut,
    status: memory.status,
    gradientBuffer: memory.gradientBuffer ?? undefined,
  };
}
