/**
 * Any other backend (webgl in browsers, tfjs-node…): both passes in tf.js ops, on the device.
 * Each shared variable's gradients are stacked into X [T, size] (a zero row for a task without
 * one), G accumulates X Xᵀ on the device, and only the T×T sum is read back. Xᵀ is an explicit
 * transpose: `matMul(X, X, false, true)` is wrong for some T on a software WebGPU adapter
 * (docs/architecture.md), so this path trusts no backend's transposed-operand matMul.
 * @module
 */

import {
  add,
  keep,
  matMul,
  mul,
  reshape,
  slice,
  stack,
  sum,
  type Tensor,
  tensor2d,
  tidy,
  transpose,
  zeros,
} from "@tensorflow/tfjs";
import { readAndRunOnHost } from "./host.ts";
import type { Block, Plan } from "./inputs.ts";
import type { ElementwiseStep, Passes } from "./passes.ts";

/** X [T, size]: row t is task t's gradient for the block, flattened, or zeros. */
export function stackRows(block: Block, T: number, from = 0, width = block.size): Tensor {
  return tidy(() => {
    const rows: Tensor[] = [];
    for (let t = 0, k = 0; t < T; t++) {
      if (block.tasks[k] === t) {
        const flat = reshape(block.tensors[k++], [block.size]);
        rows.push(width === block.size ? flat : slice(flat, [from], [width]));
      } else rows.push(zeros([width]));
    }
    return stack(rows);
  });
}

/** The tf.js-ops passes. */
export function opsPasses(): Passes {
  const kept: Tensor[] = [];
  const stacks = new Map<Block, Tensor>();
  return {
    name: "tfjs-ops",
    *gram(plan: Plan) {
      const G = tidy(() => {
        let acc: Tensor = zeros([plan.T, plan.T]);
        for (const block of plan.shared) {
          const x = keep(stackRows(block, plan.T));
          stacks.set(block, x);
          kept.push(x);
          acc = add(acc, matMul(x, transpose(x)));
        }
        return acc;
      });
      kept.push(G);
      return Float64Array.from(yield G);
    },
    combine(plan: Plan, weights: Float64Array) {
      const w = tensor2d(Array.from(weights), [plan.T, 1]);
      const out = new Map<Block, Tensor>();
      for (const [block, x] of stacks) {
        out.set(block, tidy(() => reshape(sum(mul(x, w), 0), block.shape)));
      }
      w.dispose();
      return out;
    },
    // GradDrop's hash needs exact 32-bit integer products, which tf.js ops do not promise on
    // every backend (webgl emulates int32 with floats), and the trimmed mean's bits need its
    // summation order: read the gradients, run the method's own kernel on the host.
    elementwise(plan: Plan, step: ElementwiseStep, mean: boolean) {
      return readAndRunOnHost(plan, step, mean);
    },
    dispose() {
      for (const x of kept) x.dispose();
      kept.length = 0;
      stacks.clear();
    },
  };
}
