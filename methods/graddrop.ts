/**
 * GradDrop (Chen et al., "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign
 * Dropout", NeurIPS 2020), an elementwise method: per coordinate, the positive
 * sign purity P = ½(1 + Σ_i g_i / Σ_i |g_i|) and one uniform U shared by all tasks (the original,
 * LibMTL and TorchJD) keep the positive entries if P > U and the negative ones if P < U; the
 * output is Σ_i (ℓ_i + (1 − ℓ_i) M_i) g_i with leak ℓ (default 0) and f = identity. Applied to the
 * gradients given (as the CAGrad repo does to parameter gradients; summed, not meaned); the paper's
 * activation-level version is GradDrop on ∇_A L_i ⊙ sign(A). Where Σ|g_i| = 0 every g_i is 0, so the
 * output is 0 without any ε. The dense work is the kernel in core/assembly/graddrop.ts.
 * @module
 */

import type { GradDropParams } from "../core/graddrop_reference.ts";
import { graddropKernel } from "../core/graddrop_wasm.ts";
import type { Prng } from "../random/prng.ts";
import { defineElementwiseMethod } from "./define.ts";
import { numberOrPerTask } from "./option_kinds.ts";

/** One call's kernel parameters: two keys from the seeded stream, and the leak per task. */
export function graddropParams(
  options: { readonly leak: number | readonly number[] },
  T: number,
  rng: Prng,
): GradDropParams {
  const leak = typeof options.leak === "number"
    ? new Array<number>(T).fill(options.leak)
    : options.leak;
  return { key0: rng.nextUint32(), key1: rng.nextUint32(), leak };
}

/** The "graddrop" method. */
export const graddrop = defineElementwiseMethod({
  name: "graddrop",
  kind: "elementwise",
  options: {
    leak: numberOrPerTask({
      min: 0,
      max: 1,
      default: 0,
      doc: "leak ℓ ∈ [0, 1], one number or one per task",
    }),
  },
  params: ({ T, options, rng }) => graddropParams(options, T, rng),
  kernel: graddropKernel,
  // A missing task's zeros add nothing: each block runs on the tasks it has, its coordinates
  // numbered from `offset` so the draws are those of the whole vector.
  forBlock: (params, tasks, offset) => ({
    ...params,
    leak: tasks.map((t) => params.leak[t]),
    offset: (params.offset ?? 0) + offset,
  }),
  claims: {
    nonConflicting: false,
    // Per coordinate a subset of the tasks' entries: |out_k| ≤ Σ_i |g_ik|.
    normBound: (norms) => norms.reduce((a, b) => a + b, 0),
    // The sign purity and the uniform draw per coordinate are symmetric in the tasks, so the update
    // does not change (up to float32 summation order).
    permutation: "equivariant",
  },
});
