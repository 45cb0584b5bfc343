/**
 * Grouped (layer-wise) surgery over plain rows: `groups: [0, a, b, …, d]` cuts the parameters into
 * blocks, and each block gets its own Gramian, weights and combination, as if the surgery ran on
 * each block alone and the updates were concatenated. GradVac applies its weighting per layer
 * (Wang et al., ICLR 2021, §4: one target similarity per layer), and so do many users of PCGrad.
 * Blocks are subarrays of the caller's rows (no copy: rows in a gradient buffer stay in place).
 * @module
 */

import type { ResolvedOptions } from "../methods/options.ts";
import type { StepState } from "../state/step_state.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { groupedStats } from "../stats/grouped.ts";
import { groupBlocks, runSurgeryOnRows } from "../surgery.ts";
import { validateStepInputs } from "../validate/grads.ts";

/**
 * One grouped step over rows the caller validated and an `out` it checked: group g runs on its
 * block with the stream shared (the groups draw one after another, in group order) and its own
 * method states (state key "g"); the stats are the groups' and the whole's (stats/grouped.ts).
 */
export function runGroupedSurgery(
  rows: readonly Float32Array[],
  bounds: readonly number[],
  options: ResolvedOptions,
  out: Float32Array | undefined,
  step: StepState,
  action: string,
  losses?: unknown,
  batches?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  const target = out ?? new Float32Array(rows[0].length);
  const stats = groupBlocks(rows, bounds, options, target, action, batches).map((block) =>
    runSurgeryOnRows(
      block.rows,
      options,
      block.out,
      step.forGroup(String(block.g)),
      block.action,
      losses,
      block.batches,
    ).stats
  );
  return { out: target, stats: groupedStats(stats, rows.length) };
}

/**
 * One step over full task gradients, grouped when `bounds` is given: checks the rows (once) and
 * `out`, then runs runGroupedSurgery, or the plain step without groups.
 */
export function runMaybeGrouped(
  grads: unknown,
  bounds: readonly number[] | undefined,
  options: ResolvedOptions,
  out: unknown,
  step: StepState,
  action: string,
  losses?: unknown,
  batches?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  const checked = validateStepInputs(grads, out, action);
  return runMaybeGroupedOnRows(
    checked.rows,
    bounds,
    options,
    checked.out,
    step,
    action,
    losses,
    batches,
  );
}

/** runMaybeGrouped over rows and an `out` the caller validated (validateRows, validateOut). */
export function runMaybeGroupedOnRows(
  rows: readonly Float32Array[],
  bounds: readonly number[] | undefined,
  options: ResolvedOptions,
  out: Float32Array | undefined,
  step: StepState,
  action: string,
  losses?: unknown,
  batches?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  return bounds === undefined
    ? runSurgeryOnRows(rows, options, out, step, action, losses, batches)
    : runGroupedSurgery(rows, bounds, options, out, step, action, losses, batches);
}
