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
import { checkBatches, runSurgeryOnRows } from "../surgery.ts";
import { registry } from "../methods/registry.ts";
import { validateOut, validateRows } from "../validate/grads.ts";
import { checkGroupsEnd } from "../validate/groups.ts";

/** Block g of `rows`: columns [bounds[g], bounds[g + 1]) of every row, as subarrays. */
export function groupRows(
  rows: readonly Float32Array[],
  bounds: readonly number[],
  g: number,
): Float32Array[] {
  return rows.map((r) => r.subarray(bounds[g], bounds[g + 1]));
}

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
  const d = rows[0].length;
  checkGroupsEnd(bounds, d, action);
  // Extra batches (SDMGrad, MoDo) are cut at the same boundaries as the gradients.
  const extra = checkBatches(registry[options.method], batches, rows.length, d, action);
  const target = out ?? new Float32Array(d);
  const stats: SurgeryStats[] = [];
  for (let g = 0; g + 1 < bounds.length; g++) {
    const block = runSurgeryOnRows(
      groupRows(rows, bounds, g),
      options,
      target.subarray(bounds[g], bounds[g + 1]),
      step.forGroup(String(g)),
      `${action} (group ${g}, parameters ${bounds[g]}..${bounds[g + 1] - 1})`,
      losses,
      extra?.map((batch) => groupRows(batch, bounds, g)),
    );
    stats.push(block.stats);
  }
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
  const { d } = validateRows(grads, action);
  const rows = grads as Float32Array[];
  const target = out === undefined ? undefined : validateOut(out, d, rows, action);
  return runMaybeGroupedOnRows(rows, bounds, options, target, step, action, losses, batches);
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
  if (bounds === undefined) {
    return runSurgeryOnRows(rows, options, out, step, action, losses, batches);
  }
  checkGroupsEnd(bounds, rows[0].length, action);
  return runGroupedSurgery(rows, bounds, options, out, step, action, losses, batches);
}
