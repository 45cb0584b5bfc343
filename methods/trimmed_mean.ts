/**
 * The coordinate-wise trimmed mean (Yin, Chen, Ramchandran & Bartlett, "Byzantine-Robust
 * Distributed Learning: Towards Optimal Statistical Rates", ICML 2018), as TorchJD's `TrimmedMean`
 * (torchjd commit 2d7bf7f8b41aa4c61faeda59453d59258cecda6d,
 * src/torchjd/aggregation/_trimmed_mean.py): per coordinate, the mean of the T − 2·trim values
 * left once the `trim` smallest and the `trim` largest are dropped. Elementwise, not a weighting of
 * the Gramian: each coordinate averages its own subset of tasks. `trim` (TorchJD's trim_number)
 * has no default there and none here; T > 2·trim. The kernel is core/assembly/trimmed_mean.ts
 * (a sorting network per four coordinates), its reference core/trimmed_mean_reference.ts; both sum
 * in float32 in ascending order and give the same bits. As every method, the "mean" reduction
 * then divides by T: the trimmed mean itself is the default "sum".
 * @module
 */

import { checkTrim } from "../core/trimmed_mean_reference.ts";
import { trimmedMeanKernel, type TrimmedMeanParams } from "../core/trimmed_mean_wasm.ts";
import { defineElementwiseMethod } from "./define.ts";
import { requiredWholeNumber } from "./option_kinds.ts";

/** The "trimmed-mean" method. */
export const trimmedMean = defineElementwiseMethod({
  name: "trimmed-mean",
  kind: "elementwise",
  options: {
    trim: requiredWholeNumber({
      min: 0,
      doc: "values dropped at each end per coordinate (no default, as TorchJD); T > 2·trim",
    }),
  },
  params: ({ T, options, action }): TrimmedMeanParams => {
    checkTrim(T, options.trim, action);
    return { trim: options.trim };
  },
  kernel: trimmedMeanKernel,
  claims: {
    nonConflicting: false,
    // Each coordinate is a mean of some tasks' entries: |out_k| ≤ max_t |g_tk|, so
    // ‖out‖² ≤ Σ_k Σ_t g_tk² = Σ_t ‖g_t‖².
    normBound: (norms) => Math.sqrt(norms.reduce((a, n) => a + n * n, 0)),
    // Sorting forgets the task order: the same bits whatever the order.
    permutation: "equivariant",
    testOptions: (T) => ({ trim: (T - 1) >> 1 }),
  },
});
