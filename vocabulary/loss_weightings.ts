/**
 * The names and options of the loss weightings (docs/methods.md "Loss weightings"): schemes that
 * weigh each task's loss from the losses themselves, where a method (vocabulary/methods.ts) weighs
 * the task gradients from their Gramian. Each has its maths in methods/loss_weighting/.
 * @module
 */

/**
 * The loss weightings, by the names LibMTL's users know them, lower-case and hyphenated as
 * `METHODS`: LibMTL's "UW" is spelt out as "uncertainty", and its "IMTL" (the hybrid of the loss
 * and gradient balances) is split as in the paper: "imtl-l" here, the method "imtl-g" there, so
 * that `{ method: "imtl-g", lossWeighting: "imtl-l" }` is LibMTL's IMTL.
 *
 * @example Every loss weighting on the same losses
 * ```ts
 * import { createLossWeighting, LOSS_WEIGHTINGS } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * for (const name of LOSS_WEIGHTINGS) {
 *   const weighting = createLossWeighting(name);
 *   const weights = weighting.weights([0.5, 2], { epoch: 0, gradNorms: [1, 1] });
 *   assert.equal(weights.length, 2, name);
 * }
 * ```
 */
export const LOSS_WEIGHTINGS = [
  "gradnorm",
  "uncertainty",
  "dwa",
  "famo",
  "stch",
  "gls",
  "imtl-l",
] as const;

/**
 * A loss weighting's name (see {@linkcode LOSS_WEIGHTINGS}).
 *
 * @example Checking a name read from a config file
 * ```ts
 * import { LOSS_WEIGHTINGS, type LossWeightingName } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const isName = (s: string): s is LossWeightingName =>
 *   (LOSS_WEIGHTINGS as readonly string[]).includes(s);
 * assert.ok(isName("famo"));
 * assert.ok(!isName("uw"));
 * ```
 */
export type LossWeightingName = typeof LOSS_WEIGHTINGS[number];

/**
 * A task's likelihood under uncertainty weighting: the factor c of c·e^{−s}·L (½ or 1).
 *
 * @example A regression and a classification task
 * ```ts
 * import { createLossWeighting, type TaskKind } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const kinds: TaskKind[] = ["regression", "classification"];
 * const uw = createLossWeighting({ name: "uncertainty", kinds });
 * assert.deepEqual(uw.weights([2, 3]), [Math.exp(0.5) / 2, Math.exp(0.5)]); // c·e^{−s}, s = −0.5
 * ```
 */
export type TaskKind = "regression" | "classification";

/**
 * Each loss weighting's options; every option has a default (docs/methods.md).
 *
 * @example FAMO's options, typed
 * ```ts
 * import { createLossWeighting, type LossWeightingOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const famo: LossWeightingOptions["famo"] = { lr: 0.01 };
 * const weighting = createLossWeighting({ name: "famo", ...famo });
 * assert.equal(weighting.options.lr, 0.01);
 * ```
 */
export interface LossWeightingOptions {
  /** GradNorm: asymmetry α (1.5) and the Adam learning rate of the weights (1e-4). */
  gradnorm: { alpha?: number; lr?: number };
  /**
   * Uncertainty weighting: the Adam learning rate of the log-variances (1e-4), their initial value
   * (−0.5) and each task's kind (all "regression", c = ½).
   */
  uncertainty: { lr?: number; initialLogVariance?: number; kinds?: readonly TaskKind[] };
  /** DWA: the softmax temperature (2). */
  dwa: { temperature?: number };
  /** FAMO: the Adam learning rate (0.025) and weight decay (1e-3) of the logits. */
  famo: { lr?: number; gamma?: number };
  /** STCH: the smoothing μ (1) and the warm-up epochs before the nadir epoch (4). */
  stch: { mu?: number; warmupEpochs?: number };
  /** GLS: no options. */
  gls: Record<never, never>;
  /** IMTL-L: the Adam learning rate of the scales (1e-4). */
  "imtl-l": { lr?: number };
}

/**
 * A loss weighting with its options: a name alone (the defaults), or `{ name, ...options }`.
 *
 * @example Both forms
 * ```ts
 * import { createLossWeighting, type LossWeightingSpec } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const specs: LossWeightingSpec[] = ["gls", { name: "famo", lr: 0.01 }];
 * const famo = createLossWeighting(specs[1]);
 * assert.deepEqual(famo.options, { lr: 0.01, gamma: 1e-3 });
 * ```
 */
export type LossWeightingSpec =
  | LossWeightingName
  | { [N in LossWeightingName]: { name: N } & LossWeightingOptions[N] }[LossWeightingName];
