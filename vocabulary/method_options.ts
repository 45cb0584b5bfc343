/**
 * The method-specific options as the user passes them, and the values of their enumerated kinds
 * (docs/methods.md names each hyperparameter). Their checks and defaults sit with each method's
 * definition (methods/<name>.ts); tests/methods/registry_test.ts checks this interface against them.
 * @module
 */

import type { Preset } from "./presets.ts";

/**
 * How MGDA normalises each gradient before solving (Sener & Koltun's code).
 *
 * @example MGDA under each normalisation
 * ```ts
 * import { NORMALIZATIONS, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([2, 0]), new Float32Array([0, 1])];
 * for (const normalization of NORMALIZATIONS) {
 *   const update = surgery(grads, { method: "mgda", normalization, losses: [1, 2] });
 *   assert.ok(update[0] > 0 && update[1] > 0, normalization);
 * }
 * ```
 */
export const NORMALIZATIONS = ["none", "l2", "loss", "loss+"] as const;
/**
 * CAGrad's output rescale (official code's `rescale` 0, 1, 2).
 *
 * @example CAGrad under each rescale
 * ```ts
 * import { RESCALES, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * const norms = RESCALES.map((rescale) => {
 *   const u = surgery(grads, { method: "cagrad", c: 0.5, rescale });
 *   return Math.hypot(u[0], u[1]);
 * });
 * assert.ok(norms[1] < norms[0]); // "1+c^2" divides by 1.25
 * ```
 */
export const RESCALES = ["none", "1+c^2", "1+c"] as const;
/**
 * Aligned-MTL's eigenvalue scale (official `scale_mode`).
 *
 * @example Aligned-MTL under each scale mode
 * ```ts
 * import { SCALE_MODES, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * for (const scaleMode of SCALE_MODES) {
 *   const update = surgery(grads, { method: "aligned-mtl", scaleMode });
 *   assert.ok(update.every(Number.isFinite), scaleMode);
 * }
 * ```
 */
export const SCALE_MODES = ["min", "median", "rmse"] as const;
/**
 * RLW's weight distribution (Lin et al. 2022).
 *
 * @example RLW's random weights, reproducible from the seed
 * ```ts
 * import { DISTRIBUTIONS, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([0, 1])];
 * for (const distribution of DISTRIBUTIONS) {
 *   const a = surgery(grads, { method: "rlw", distribution, seed: 9 });
 *   const b = surgery(grads, { method: "rlw", distribution, seed: 9 });
 *   assert.deepEqual(a, b, distribution);
 * }
 * ```
 */
export const DISTRIBUTIONS = ["normal", "dirichlet"] as const;

/**
 * MGDA gradient normalisation: "none" (default), "l2", "loss", "loss+".
 *
 * @example MGDA with loss-scaled gradients
 * ```ts
 * import { type Normalization, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const normalization: Normalization = "loss";
 * const update = surgery([new Float32Array([4, 0]), new Float32Array([0, 1])], {
 *   method: "mgda",
 *   normalization,
 *   losses: [2, 1],
 * });
 * assert.ok(update[0] > 0 && update[1] > 0);
 * ```
 */
export type Normalization = typeof NORMALIZATIONS[number];
/**
 * CAGrad rescale: "none" (default, the paper), "1+c^2" (official default), "1+c" (toy).
 *
 * @example CAGrad with the official code's default rescale
 * ```ts
 * import { type Rescale, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const rescale: Rescale = "1+c^2";
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], {
 *   method: "cagrad",
 *   rescale,
 * });
 * assert.equal(update.length, 2);
 * ```
 */
export type Rescale = typeof RESCALES[number];
/**
 * Aligned-MTL scale mode: "min" (default), "median", "rmse".
 *
 * @example Aligned-MTL scaled by the median eigenvalue
 * ```ts
 * import { type ScaleMode, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const scaleMode: ScaleMode = "median";
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], {
 *   method: "aligned-mtl",
 *   scaleMode,
 * });
 * assert.ok(update.every(Number.isFinite));
 * ```
 */
export type ScaleMode = typeof SCALE_MODES[number];
/**
 * RLW distribution: "normal" (softmax of N(0, I), default) or "dirichlet" (Dirichlet(1)).
 *
 * @example RLW with Dirichlet weights
 * ```ts
 * import { createSurgery, type Distribution } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const distribution: Distribution = "dirichlet";
 * const rlw = createSurgery({ method: "rlw", distribution, seed: 1 });
 * rlw.surgery([new Float32Array([1, 0]), new Float32Array([0, 1])]);
 * const w = rlw.stats!.weights;
 * assert.ok(Math.abs(w[0] + w[1] - 1) < 1e-12); // on the simplex
 * ```
 */
export type Distribution = typeof DISTRIBUTIONS[number];

/**
 * Method-specific options, as the user passes them.
 *
 * @example Method-specific settings sit beside `method`
 * ```ts
 * import { type MethodOptions, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const gradvac: MethodOptions = { beta: 0.1 };
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], {
 *   method: "gradvac",
 *   ...gradvac,
 * });
 * assert.equal(update.length, 2);
 * // A setting for another method is an error, so a typo cannot drop it silently.
 * assert.throws(() => surgery([new Float32Array([1])], { method: "pcgrad", beta: 0.1 }), RangeError);
 * ```
 */
export interface MethodOptions {
  /** PCGrad: a compatibility preset (docs/methods.md); default none (the paper's semantics). */
  preset?: Preset;
  /** PCGrad: also visit j = i (as the official TF code, Pytorch-PCGrad and LibMTL); default false. */
  selfProjection?: boolean;
  /** PCGrad: additive ε in ‖g_j‖² + ε (LibMTL 1e-8); default 0. */
  epsilon?: number;
  /** MGDA: gradient normalisation; "loss" and "loss+" need `losses`; default "none". */
  normalization?: Normalization;
  /** CAGrad: radius c ≥ 0 of the ball around the mean gradient; default 0.5. */
  c?: number;
  /** CAGrad: divide the update by 1, 1 + c² or 1 + c; default "none". */
  rescale?: Rescale;
  /**
   * GradVac: EMA rate β ∈ [0, 1] of the target cosines; default 0.5. DB-MTL: weight of the old
   * moving average; default 0.9. MoCo: tracking rate, in (0, 1]; default 0.5.
   */
  beta?: number;
  /**
   * UPGrad, DualProj, Aligned-MTL, ConFIG: preference weights, one per task; default 1/T each for
   * UPGrad and DualProj (TorchJD), 1 each for Aligned-MTL (the official code sums the aligned
   * gradients) and ConFIG (TorchJD; only its direction matters).
   */
  preference?: readonly number[];
  /** UPGrad, DualProj: ridge added to G/tr(G) before the QPs; default 1e-4 (TorchJD). */
  regularization?: number;
  /** Aligned-MTL: eigenvalue scale; default "min". */
  scaleMode?: ScaleMode;
  /** Nash-MTL: rescale α so that ‖Σ α_t g_t‖ ≤ maxNorm (Infinity: never); default 1. */
  maxNorm?: number;
  /** Nash-MTL: solve for α every k-th step and reuse it in between; default 1. */
  updateEvery?: number;
  /** GradDrop: leak ℓ ∈ [0, 1], one number or one per task; default 0. */
  leak?: number | readonly number[];
  /** RLW: weight distribution; default "normal". */
  distribution?: Distribution;
  /** Krum: number f of Byzantine tasks to tolerate, a whole number ≥ 0; required; T ≥ f + 3. */
  byzantine?: number;
  /** Krum: number of lowest-score tasks averaged (1: Krum, more: Multi-Krum); default 1; ≤ T. */
  selected?: number;
  /** Constant: the weight of each task, one finite number per task; required. */
  weights?: readonly number[];
  /** FairGrad: fairness α > 0 (1: proportional fairness); default 1 (LibMTL). */
  alpha?: number;
  /** Trimmed mean: values dropped at each end per coordinate, a whole number ≥ 0; required; T > 2·trim. */
  trim?: number;

  // The methods that need more than the Gramian (docs/methods.md).
  /** DB-MTL, MoCo: decay σ ≥ 0 of β, β_k = β/k^σ at step k; default 0 (DB-MTL), 0.5 (MoCo). */
  betaSigma?: number;
  /** MoCo, MoDo: step γ ≥ 0 of the task weights; default 0.1 (MoCo), 1e-3 (MoDo). */
  gamma?: number;
  /** MoCo: decay σ ≥ 0 of γ, γ_k = γ/k^σ; default 0.5. */
  gammaSigma?: number;
  /** MoCo, MoDo: ℓ2 regularisation ρ ≥ 0 of the weights' step; default 0 (MoCo), 0.1 (MoDo). */
  rho?: number;
  /** ExcessMTL: step η ≥ 0 of its exponentiated-gradient weights; default 1e-2. */
  robustStepSize?: number;
  /** SDMGrad: pull λ ≥ 0 towards the average gradient; default 0.3. */
  lambda?: number;
  /** SDMGrad: projected-SGD iterations per step, a whole number ≥ 1; default 20. */
  iterations?: number;
}
