/**
 * Grouped (layer-wise) surgery over tf.js gradient maps: the shared variables are grouped by name
 * and each group gets its own Gramian, weights and combination, as if the surgery ran on each
 * group's variables alone (GradVac's per-layer application, Wang et al., ICLR 2021). The stream is
 * drawn group by group in the order the groups first appear; each group keeps its own method
 * state, keyed by the group's name.
 * @module
 */

import { dispose, type NamedTensorMap, type Tensor } from "@tensorflow/tfjs";
import type { ResolvedOptions } from "../../methods/options.ts";
import type { StepState } from "../../state/step_state.ts";
import type { SurgeryStats } from "../../stats/diagnostics.ts";
import { groupedStats } from "../../stats/grouped.ts";
import { describe } from "../../validate/grads.ts";
import { planInput } from "./inputs.ts";
import type { Passes, Reads } from "./passes.ts";
import { passesForBackend, type StepResult, surgeryStep } from "./pipeline.ts";

/**
 * How a tf.js surgery groups the shared variables: "all" (default: one Gramian over all of them),
 * "variable" (each variable its own group) or a function from a variable's name to its group's
 * name (variables mapped to the same name share a Gramian).
 *
 * @example One group per layer, from variable names like "dense1/kernel"
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createSurgery, type TfGroups } from "../tfjs.ts";
 * import assert from "node:assert/strict";
 *
 * await tf.setBackend("cpu");
 * const groups: TfGroups = (name) => name.split("/")[0];
 * const pcgrad = createSurgery({ groups });
 * const task1 = { "l1/w": tf.tensor1d([1, 0]), "l1/b": tf.tensor1d([1]), "l2/w": tf.tensor1d([2]) };
 * const task2 = { "l1/w": tf.tensor1d([-1, 1]), "l1/b": tf.tensor1d([0]), "l2/w": tf.tensor1d([1]) };
 * const update = pcgrad.surgery([task1, task2]);
 * assert.equal(pcgrad.stats?.groups?.length, 2); // "l1" and "l2"
 * assert.deepEqual(Array.from(update["l2/w"].dataSync()), [3]); // no conflict in l2: the sum
 * tf.dispose([update, task1, task2]);
 * ```
 */
export type TfGroups = "all" | "variable" | ((variableName: string) => string);

/** Checks the `groups` option of a tf.js surgery; undefined and "all" mean no grouping. */
export function validateTfGroups(
  groups: unknown,
  action: string,
): "variable" | ((name: string) => string) | undefined {
  if (groups === undefined || groups === "all") return undefined;
  if (groups === "variable" || typeof groups === "function") {
    return groups as "variable" | ((name: string) => string);
  }
  throw new TypeError(
    `Cannot ${action}: groups must be "all", "variable" or a function from a variable's name to ` +
      `its group's name, found ${describe(groups)}`,
  );
}

/** The group name of each shared variable, and the groups in first-seen order. */
function groupNames(
  names: readonly string[],
  groups: "variable" | ((name: string) => string),
  action: string,
): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const name of names) {
    const key = groups === "variable" ? name : groups(name);
    if (typeof key !== "string") {
      throw new TypeError(
        `Cannot ${action}: groups("${name}") must return a group name (a string), found ${
          describe(key)
        }`,
      );
    }
    const members = byGroup.get(key);
    if (members === undefined) byGroup.set(key, [name]);
    else members.push(name);
  }
  return byGroup;
}

/**
 * The tf.js step, grouped when `groups` is given: each group's maps hold its shared variables
 * only (the first group's also hold the task-specific ones, which pass through), and each runs
 * the ungrouped step (adapters/tfjs/pipeline.ts) with the group's state. One tensor per task has
 * a single variable, so one group.
 */
export function* groupedSurgeryStep(
  grads: unknown,
  groups: "variable" | ((name: string) => string) | undefined,
  options: ResolvedOptions,
  step: StepState,
  action: string,
  losses?: Tensor | readonly number[],
  passes: () => Passes = passesForBackend,
  batches?: unknown,
): Reads<StepResult> {
  if (groups === undefined) {
    return yield* surgeryStep(grads, options, step, action, losses, passes, batches);
  }
  const plan = planInput(grads, action);
  if (plan.form === "tensor" || plan.shared.length === 0) {
    return yield* surgeryStep(grads, options, step.forGroup(""), action, losses, passes, batches);
  }
  const byGroup = groupNames(plan.shared.map((b) => b.name), groups, action);
  const maps = grads as readonly NamedTensorMap[];
  const own = new Set(plan.own.map((b) => b.name));
  const update: NamedTensorMap = {};
  const stats: SurgeryStats[] = [];
  try {
    let first = true;
    for (const [key, members] of byGroup) {
      const names = new Set(members);
      const keep = (m: NamedTensorMap) =>
        Object.fromEntries(
          Object.entries(m).filter(([name]) => names.has(name) || (first && own.has(name))),
        );
      const sub = maps.map(keep);
      // Extra batches (SDMGrad, MoDo) come in the gradients' form: the same variables per group.
      const subBatches = Array.isArray(batches)
        ? batches.map((batch) => Array.isArray(batch) ? batch.map(keep) : batch)
        : batches;
      first = false;
      const result = yield* surgeryStep(
        sub,
        options,
        step.forGroup(key),
        `${action} (group "${key}")`,
        losses,
        passes,
        subBatches,
      );
      Object.assign(update, result.update as NamedTensorMap);
      stats.push(result.stats);
    }
  } catch (error) {
    dispose(Object.values(update));
    throw error;
  }
  return { update, stats: groupedStats(stats, plan.T) };
}
