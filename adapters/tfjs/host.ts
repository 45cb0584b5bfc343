/**
 * cpu and wasm backends: the library's SIMD WASM core on the gradients' values. Measured faster
 * than the same passes in tf.js ops on both (bench/tfjs_step_bench.ts; docs/performance.md,
 * "tf.js step cost"): tf.js stacks the T gradients, then runs a general matMul and a
 * reduction, while the core reads each value once per pass and sums in float64 per block. Reading is
 * free on cpu (the tensor's own array) and a copy on wasm; the update is uploaded once.
 * @module
 */

import { type Tensor, tensor } from "@tensorflow/tfjs";
import { kernels } from "../../core/kernels.ts";
import {
  type ElementwiseStep,
  type Passes,
  type Reads,
  scatterGram,
  sharedOffsets,
} from "./passes.ts";
import type { Block, Plan } from "./inputs.ts";

/** Each block's task rows, read once by the Gram pass and reused by the combine pass. */
export function* readRows(block: Block): Reads<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (const x of block.tensors) rows.push(yield x);
  return rows;
}

/**
 * An elementwise method on the host over each block's rows (its kernel: WASM SIMD, else its
 * reference), uploaded per variable. A method whose kernel a missing task's zeros do not change
 * (GradDrop) runs on the block's tasks with its parameters for that block; any other (the trimmed
 * mean) gets every task's row, zeros for a task without the variable.
 */
export function hostElementwise(
  plan: Plan,
  rows: ReadonlyMap<Block, Float32Array[]>,
  { definition, params }: ElementwiseStep,
  mean: boolean,
): Map<Block, Tensor> {
  const offsets = sharedOffsets(plan);
  const kernel = definition.kernel();
  const out = new Map<Block, Tensor>();
  for (const [block, r] of rows) {
    const values = new Float32Array(block.size);
    if (definition.forBlock !== undefined) {
      kernel.run(r, definition.forBlock(params, block.tasks, offsets.get(block)!), values);
    } else kernel.run(everyTask(plan, block, r), params, values);
    if (mean) { for (let k = 0; k < values.length; k++) values[k] /= plan.T; }
    out.set(block, tensor(values, block.shape, "float32"));
  }
  return out;
}

/** T rows for a block: each task's own, a zero row for a task without the variable. */
function everyTask(plan: Plan, block: Block, rows: readonly Float32Array[]): Float32Array[] {
  if (rows.length === plan.T) return rows.slice();
  const zeros = new Float32Array(block.size);
  const all: Float32Array[] = [];
  for (let t = 0, k = 0; t < plan.T; t++) all.push(block.tasks[k] === t ? rows[k++] : zeros);
  return all;
}

/** Reads every shared variable's rows, then runs the elementwise method on the host. */
export function* readAndRunOnHost(
  plan: Plan,
  step: ElementwiseStep,
  mean: boolean,
): Reads<Map<Block, Tensor>> {
  const rows = new Map<Block, Float32Array[]>();
  for (const block of plan.shared) rows.set(block, yield* readRows(block));
  return hostElementwise(plan, rows, step, mean);
}

/** The host passes; `only` restricts them to some of the plan's shared variables. */
export function hostPasses(only?: (block: Block) => boolean): Passes {
  let rows = new Map<Block, Float32Array[]>();
  return {
    name: kernels.name,
    *gram(plan: Plan) {
      const G = new Float64Array(plan.T * plan.T);
      for (const block of plan.shared) {
        if (only !== undefined && !only(block)) continue;
        const r = yield* readRows(block);
        rows.set(block, r);
        const partial = new Float64Array(r.length * r.length);
        kernels.gram(r, partial);
        scatterGram(G, plan.T, block, partial);
      }
      return G;
    },
    combine(_plan: Plan, weights: Float64Array) {
      const out = new Map<Block, Tensor>();
      for (const [block, r] of rows) {
        const values = new Float32Array(block.size);
        kernels.combine(r, block.tasks.map((t) => weights[t]), values);
        out.set(block, tensor(values, block.shape, "float32"));
      }
      return out;
    },
    // deno-lint-ignore require-yield
    *elementwise(plan: Plan, step: ElementwiseStep, mean: boolean) {
      return hostElementwise(plan, rows, step, mean);
    },
    dispose() {
      rows = new Map();
    },
  };
}
