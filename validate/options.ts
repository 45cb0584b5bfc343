/**
 * Checks of the shared options that need T or belong to one entry point: an explicit order, the
 * per-call losses, the parallel surgery's thread count (RangeError naming the option and the value
 * found; docs/architecture.md "Errors and limits").
 * @module
 */

import { describe, integerIn } from "./grads.ts";

/**
 * Checks an explicit order against T: T lists, list i holding every j ≠ i exactly once (and i
 * itself once too when `selfProjection` is on).
 */
export function validateOrder(
  order: readonly (readonly number[])[],
  T: number,
  action: string,
  selfProjection = false,
) {
  const length = selfProjection ? T : T - 1;
  if (order.length !== T) {
    throw new RangeError(
      `Cannot ${action}: order must hold one list per task (${T}), found ${order.length} lists`,
    );
  }
  for (let i = 0; i < T; i++) {
    const list = order[i];
    if (!Array.isArray(list)) {
      throw new RangeError(
        `Cannot ${action}: order[${i}] must be an array of task indices, found ${describe(list)}`,
      );
    }
    if (list.length !== length) {
      throw new RangeError(
        `Cannot ${action}: order[${i}] must list the ${length} ${
          selfProjection ? "tasks (itself included, selfProjection is on)" : "other tasks"
        }, found ${list.length} entries`,
      );
    }
    const seen = new Set<number>();
    for (const j of list) {
      if (!Number.isInteger(j) || j < 0 || j >= T) {
        throw new RangeError(
          `Cannot ${action}: order[${i}] holds ${describe(j)}, expected a task index in [0, ${T})`,
        );
      }
      if (j === i && !selfProjection) {
        throw new RangeError(`Cannot ${action}: order[${i}] lists task ${i} itself`);
      }
      if (seen.has(j)) throw new RangeError(`Cannot ${action}: order[${i}] lists task ${j} twice`);
      seen.add(j);
    }
  }
}

/**
 * Checks the per-call task losses: an array of T finite numbers (copied). Methods that divide by
 * a loss check its sign themselves.
 */
export function validateLosses(losses: unknown, T: number, action: string): number[] {
  if (!Array.isArray(losses) && !(ArrayBuffer.isView(losses) && !(losses instanceof DataView))) {
    throw new TypeError(
      `Cannot ${action}: losses must be an array of numbers (one per task), found ${
        describe(losses)
      }`,
    );
  }
  const list = Array.from(losses as ArrayLike<unknown>);
  if (list.length !== T) {
    throw new RangeError(
      `Cannot ${action}: losses has ${list.length} entries, expected ${T} (one per task)`,
    );
  }
  return list.map((x, t) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(
        `Cannot ${action}: losses[${t}] must be a finite number, found ${describe(x)}`,
      );
    }
    return x;
  });
}

/**
 * Most threads a parallel surgery takes: far beyond any memory bus's use, and within what its
 * chunk queues can count (parallel/_protocol.ts MAX_CHUNKS).
 */
export const MAX_THREADS = 256;

/**
 * Checks the `threads` option of the parallel surgery (parallel/): undefined (the default) or an
 * integer from 1 to MAX_THREADS.
 */
export function validateThreads(threads: unknown, action: string): number | undefined {
  return threads === undefined ? undefined : integerIn(threads, "threads", 1, MAX_THREADS, action);
}
