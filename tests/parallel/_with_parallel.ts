// A parallel surgery for a test, always closed afterwards, whose every step is raced against a
// time limit: a step that deadlocks fails its test with a clear message (and the surgery is
// closed, so no worker is left running) instead of hanging the whole suite.
import { createParallelSurgery, type ParallelSurgery } from "../../mod.ts";

/**
 * Longest a test waits for the surgery's creation or one step. A step takes milliseconds, even on
 * a loaded machine; this bound is only reached by a deadlock.
 */
export const STEP_LIMIT_MS = 60_000;

/** `work`, or a rejection naming `action` once `ms` have passed (then `onLimit` runs first). */
async function withinLimit<X>(
  action: string,
  work: Promise<X>,
  ms: number,
  onLimit: () => void,
): Promise<X> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onLimit();
      reject(
        new Error(
          `${action} did not settle within ${ms / 1000} s: the parallel surgery is stuck`,
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `body` with a parallel surgery whose `surgery` calls each fail after `limitMs` (closing the
 * surgery), and closes it afterwards.
 */
export async function withParallel(
  options: Parameters<typeof createParallelSurgery>[0],
  body: (p: ParallelSurgery) => Promise<void>,
  limitMs = STEP_LIMIT_MS,
): Promise<void> {
  const created = createParallelSurgery(options);
  const p = await withinLimit("createParallelSurgery", created, limitMs, () => {});
  let steps = 0;
  const limited: ParallelSurgery = {
    threads: p.threads,
    singleThreadReason: p.singleThreadReason,
    surgery: (grads, call) =>
      withinLimit(`step ${++steps}`, p.surgery(grads, call), limitMs, () => p.close()),
    get stats() {
      return p.stats;
    },
    reset: () => p.reset(),
    getState: () => p.getState(),
    setState: (state) => p.setState(state),
    close: () => p.close(),
  };
  try {
    await body(limited);
  } finally {
    p.close();
  }
}
