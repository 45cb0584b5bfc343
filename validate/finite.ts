/**
 * Non-finite detection without an extra pass, and when the float32-accumulated Gramian must be
 * redone in float64: a NaN or ±Infinity anywhere in task t makes G[t][t] non-finite, so only then
 * is task t scanned to name the index; a tiny G[t][t] means task t's float32 products left the
 * normal range, so only then is task t scanned for a non-zero value. One decision serves every
 * engine: host rows (gramNeedsFloat64) and the tf.js pipeline, whose values sit in tensors read on
 * demand (float64Decision, adapters/tfjs/pipeline.ts).
 * @module
 */

/**
 * Below this per coordinate (G[t][t] < d · UNDERFLOW_SQUARE), float32 products of task t fall under
 * float32's normal range (1.2e-38), where they lose precision or vanish: values under about 1e-18.
 */
export const UNDERFLOW_SQUARE = 1e-36;

/** What the decision asks about task `task`: the first of its values that passes `test`. */
export interface TaskScan {
  task: number;
  test: (x: number) => boolean;
}

/** The answer to a TaskScan: where the value sits (for messages), its index and value; or null. */
export interface ScanHit {
  /** Names the value's holder in an error ("task 2", `task 2's gradient for "w"`). */
  where: string;
  index: number;
  value: number;
}

const nonZero = (x: number) => x !== 0;
const nonFinite = (x: number) => !Number.isFinite(x);

/**
 * The decision over G (T×T, the float32 kernels' Gramian of T tasks of d values each), as a
 * generator that yields a TaskScan whenever it must read a task's values and receives the hit (or
 * null). Throws a RangeError naming the first non-finite value of the first task whose squared
 * norm is not finite. Returns whether G must be recomputed in float64: some task's finite values
 * have float32 squares that overflow (|values| near 1.8e19 and above) or underflow (a non-zero task
 * whose squares sum below d · UNDERFLOW_SQUARE). An all-zero task needs nothing.
 */
export function* float64Decision(
  G: Float64Array,
  T: number,
  d: number,
  action: string,
): Generator<TaskScan, boolean, ScanHit | null> {
  let redo = false;
  for (let t = 0; t < T; t++) {
    const sq = G[t * T + t];
    if (Number.isFinite(sq)) {
      if (!redo && sq < d * UNDERFLOW_SQUARE) redo = (yield { task: t, test: nonZero }) !== null;
      continue;
    }
    const hit = yield { task: t, test: nonFinite };
    if (hit !== null) {
      throw new RangeError(
        `Cannot ${action}: ${hit.where} has a non-finite value at index ${hit.index}: ${hit.value}`,
      );
    }
    redo = true;
  }
  return redo;
}

/** float64Decision over host rows (validated: one Float32Array per task, all one length). */
export function gramNeedsFloat64(
  grads: readonly Float32Array[],
  G: Float64Array,
  action: string,
): boolean {
  const T = grads.length;
  const decision = float64Decision(G, T, T === 0 ? 0 : grads[0].length, action);
  let step = decision.next();
  while (!step.done) {
    const { task, test } = step.value;
    const g = grads[task];
    const index = g.findIndex(test);
    step = decision.next(index < 0 ? null : { where: `task ${task}`, index, value: g[index] });
  }
  return step.value;
}
