/**
 * Which thread does which chunks of a parallel step, and how much is staged for the workers.
 *
 * d is cut into CHUNKS_PER_THREAD chunks per thread on a grid fixed by d and the thread count
 * (sliceBounds), so the partial Grams, summed in chunk order, give the same bits whoever computes
 * them. Workers can only read rows and write outputs on shared memory: what is not shared is
 * staged (copied into shared memory) for the chunks the workers own, the last ones of the grid,
 * and the staging never exceeds STAGE_MAX_BYTES; the calling thread owns the rest. So extra memory
 * stays bounded at any d, and arrays on shared memory (best: a shared gradient buffer) are what
 * lets every thread share all of the work.
 * @module
 */

import { CHUNKS_PER_THREAD } from "./_protocol.ts";
import { sliceBounds } from "./shared_memory.ts";

/**
 * Most bytes staged for the workers in one step (their rows when the inputs are not on shared
 * memory, their outputs when `out` is not): with the kernels' scratch (about 1 MiB) and the
 * control buffer, the extra memory of a step stays under 16 MB at any d.
 */
export const STAGE_MAX_BYTES = 12 * 1024 * 1024;

/** The chunks of one parallel step. */
export interface ChunkPlan {
  /** Chunk c covers columns [bounds[c], bounds[c + 1]). */
  bounds: number[];
  /** Thread q's own chunks, [first, end) (q = 0: the calling thread, q = w + 1: worker w). */
  queues: [number, number][];
  /** First column of the workers' own chunks: what is staged is columns [from, d). */
  from: number;
  /**
   * Whether workers may take chunks of the calling thread once their own are done, per phase: the
   * Gram needs the rows on shared memory, the combine the rows and the output.
   */
  workersTakeMain: { gram: boolean; combine: boolean };
}

/**
 * The plan for T rows of d columns on `threads` threads, with the rows and the output on shared
 * memory or not. Workers own equal runs of chunks at the end of the grid, as many (up to
 * CHUNKS_PER_THREAD each) as STAGE_MAX_BYTES allows.
 *
 * @example
 * ```ts
 * import { planChunks } from "./chunk_plan.ts";
 * import assert from "node:assert/strict";
 *
 * const shared = planChunks(1e6, 8, 2, true, true); // nothing to stage: half the chunks each
 * assert.deepEqual(shared.queues, [[0, 16], [16, 32]]);
 * const plain = planChunks(1e8, 8, 2, false, false); // 3.6 GB would be staged: none is
 * assert.deepEqual(plain.queues, [[0, 32], [32, 32]]);
 * ```
 */
export function planChunks(
  d: number,
  T: number,
  threads: number,
  rowsShared: boolean,
  outShared: boolean,
): ChunkPlan {
  const K = threads * CHUNKS_PER_THREAD;
  const bounds = sliceBounds(d, K);
  const workers = threads - 1;
  const bytesPerColumn = (rowsShared ? 0 : T * 4) + (outShared ? 0 : 4);
  let own = CHUNKS_PER_THREAD; // chunks per worker
  while (own > 0 && (d - bounds[K - workers * own]) * bytesPerColumn > STAGE_MAX_BYTES) own--;
  const mainEnd = K - workers * own;
  const queues: [number, number][] = [[0, mainEnd]];
  for (let w = 0; w < workers; w++) queues.push([mainEnd + w * own, mainEnd + (w + 1) * own]);
  return {
    bounds,
    queues,
    from: bounds[mainEnd],
    workersTakeMain: { gram: rowsShared, combine: rowsShared && outShared },
  };
}
