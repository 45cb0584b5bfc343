/**
 * cpu and wasm backends: the library's SIMD WASM core on the gradients' values. Measured faster
 * than the same passes in tf.js ops on both (bench/tfjs_step_bench.ts; docs/performance.md,
 * "tf.js step cost"): tf.js stacks the T gradients, then runs a general matMul and a
 * reduction, while the core reads each value once per pass and sums in float64 per block. Reading is
 * free on cpu (the tensor's own array) and a copy on wasm; the update is uploaded once.
 * @module
 */

import { type Tensor, tensor } from "@tensorflow/tfjs";
import { graddropKernel } from "../../core/graddrop_wasm.ts";
import type { GradDropParams } from "../../core/graddrop_reference.ts";
import { kernels } from "../../core/kernels.ts";
import { type Passes, type Reads, scatterGram, sharedOffsets } from "./passes.ts";
import type { Block, Plan } from "./inputs.ts";

/** Each block's task rows, read once by the Gram pass and reused by the combine pass. */
export function* readRows(block: Block): Reads<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (const x of block.tensors) rows.push(yield x);
  return rows;
}

/** GradDrop on the host over each block's rows (the WASM kernel), uploaded per variable. */
export function hostGraddrop(
  plan: Plan,
  rows: ReadonlyMap<Block, Float32Array[]>,
  params: GradDropParams,
  mean: boolean,
): Map<Block, Tensor> {
  const offsets = sharedOffsets(plan);
  const kernel = graddropKernel();
  const out = new Map<Block, Tensor>();
  for (const [block, r] of rows) {
    const values = new Float32Array(block.size);
    const leak = block.tasks.map((t) => params.leak[t]);
    kernel.run(r, { ...params, leak, offset: offsets.get(block)! }, values);
    if (mean) { for (let k = 0; k < values.length; k++) values[k] /= plan.T; }
    out.set(block, tensor(values, block.shape, "float32"));
  }
  return out;
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
    *graddrop(plan: Plan, params: GradDropParams, mean: boolean) {
      return hostGraddrop(plan, rows, params, mean);
    },
    dispose() {
      rows = new Map();
    },
  };
}
