/**
 * The methods that need more than the Gramian (DB-MTL, ExcessMTL, MoCo, SDMGrad, MoDo; methods/types.ts
 * "vectors") in tf.js: their step reads the gradient vectors and may keep T×d rows, so it runs on
 * the host on every backend. The shared variables are read once, laid end to end per task in plan
 * order (zeros where a task has no gradient for a variable), and the plain engine's step runs on
 * those rows: the update and stats are bitwise the plain API's on the concatenated vectors. Extra
 * batches come in the gradients' form and are laid out over the same shared variables.
 * @module
 */

import { type Tensor, tensor } from "@tensorflow/tfjs";
import type { ResolvedOptions } from "../../methods/options.ts";
import type { StepState } from "../../state/step_state.ts";
import type { SurgeryStats } from "../../stats/diagnostics.ts";
import { runSurgeryOnRows } from "../../surgery.ts";
import { type Block, type Plan, planInput } from "./inputs.ts";
import { type Reads, sharedOffsets } from "./passes.ts";

/** Each task's shared gradients end to end, over `layout`'s shared variables (zeros where absent). */
function* concatenated(plan: Plan, layout: Plan, action: string): Reads<Float32Array[]> {
  const offsets = sharedOffsets(layout);
  const d = layout.shared.reduce((n, b) => n + b.size, 0);
  const rows = Array.from({ length: plan.T }, () => new Float32Array(d));
  const byName = new Map<string, Block>();
  for (const block of [...plan.shared, ...plan.own]) byName.set(block.name, block);
  for (const target of layout.shared) {
    const block = byName.get(target.name);
    if (block === undefined) continue;
    if (block.size !== target.size) {
      const what = block.name === "" ? "each task's gradient has" : `"${block.name}" has`;
      throw new TypeError(
        `Cannot ${action}: ${what} ${block.size} values, expected ${target.size} (as in grads)`,
      );
    }
    for (let k = 0; k < block.tasks.length; k++) {
      rows[block.tasks[k]].set(yield block.tensors[k], offsets.get(target)!);
    }
  }
  return rows;
}

/**
 * One batch of `batches`: the same form as grads, with T tasks; laid out over grads' shared
 * variables (a shared variable of grads that a batch lacks counts as zeros there).
 */
function* batchRows(
  layout: Plan,
  batch: unknown,
  b: number,
  action: string,
): Reads<Float32Array[]> {
  const where = `${action}: batches[${b}]`;
  const plan = planInput(batch, where);
  if (plan.T !== layout.T || plan.form !== layout.form) {
    throw new RangeError(
      `Cannot ${where} holds ${plan.T} tasks of ${
        plan.form === "tensor" ? "tensors" : "maps"
      }, expected ${layout.T} ${layout.form === "tensor" ? "tensors" : "maps"} (as grads)`,
    );
  }
  return yield* concatenated(plan, layout, where);
}

/**
 * The step of a "vectors" method on the host: the shared variables' update (one new tensor each)
 * and the step's stats (their kernel is the host core's).
 */
export function* vectorsOnHost(
  plan: Plan,
  options: ResolvedOptions,
  step: StepState,
  action: string,
  losses: readonly number[] | undefined,
  batches: unknown,
): Reads<{ combined: Map<Block, Tensor>; stats: SurgeryStats }> {
  const rows = yield* concatenated(plan, plan, action);
  let extra: unknown = batches;
  if (Array.isArray(batches) && batches.length === 2) {
    extra = [
      yield* batchRows(plan, batches[0], 0, action),
      yield* batchRows(plan, batches[1], 1, action),
    ];
  }
  const { out, stats } = runSurgeryOnRows(rows, options, undefined, step, action, losses, extra);
  const offsets = sharedOffsets(plan);
  const combined = new Map<Block, Tensor>();
  for (const block of plan.shared) {
    const at = offsets.get(block)!;
    combined.set(block, tensor(out.slice(at, at + block.size), block.shape, "float32"));
  }
  return { combined, stats };
}
