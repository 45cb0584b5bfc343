/**
 * Checks and defaults of the method-specific options (docs/methods.md names each hyperparameter).
 * An option given for a method it does not apply to is an error, so a typo in `method` cannot
 * silently drop a setting. RangeError names the option and the value found.
 * @module
 */

import { type Preset, PRESET_NAMES, PRESETS } from "../methods/presets.ts";
import { describe } from "./grads.ts";

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
  /** GradVac: EMA rate β ∈ [0, 1] of the target cosines; default 0.5. */
  beta?: number;
  /**
   * UPGrad, DualProj, Aligned-MTL: preference weights, one per task; default 1/T each for UPGrad
   * and DualProj (TorchJD), 1 each for Aligned-MTL (the official code sums the aligned gradients).
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
}

/** Method-specific options with defaults filled in. */
export interface ResolvedMethodOptions {
  preset: Preset | undefined;
  selfProjection: boolean;
  epsilon: number;
  normalization: Normalization;
  c: number;
  rescale: Rescale;
  beta: number;
  preference: readonly number[] | undefined;
  regularization: number;
  scaleMode: ScaleMode;
  maxNorm: number;
  updateEvery: number;
  leak: number | readonly number[];
  distribution: Distribution;
}

/** Which methods each option applies to. */
export const APPLIES_TO: Readonly<Record<keyof MethodOptions, readonly string[]>> = {
  preset: ["pcgrad"],
  selfProjection: ["pcgrad"],
  epsilon: ["pcgrad"],
  normalization: ["mgda"],
  c: ["cagrad"],
  rescale: ["cagrad"],
  beta: ["gradvac"],
  preference: ["upgrad", "dualproj", "aligned-mtl"],
  regularization: ["upgrad", "dualproj"],
  scaleMode: ["aligned-mtl"],
  maxNorm: ["nash-mtl"],
  updateEvery: ["nash-mtl"],
  leak: ["graddrop"],
  distribution: ["rlw"],
};

/** One of `allowed`, or `fallback` when undefined. */
export function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  action: string,
): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new RangeError(
    `Cannot ${action}: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, found ${
      describe(value)
    }`,
  );
}

/**
 * A finite number in [min, max] (max Infinity: no upper bound), or `fallback` when undefined.
 * Infinity itself only where `infinite` says it means something (Nash-MTL's maxNorm: never
 * rescale); elsewhere it silently switches the option's effect off or turns the update into NaN.
 */
function numberIn(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
  action: string,
  infinite = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, found ${describe(value)}`);
  }
  if (!(value >= min && value <= max) || (value === Infinity && !infinite)) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    const kind = max === Infinity && !infinite ? "a finite number" : "a number";
    throw new RangeError(`Cannot ${action}: ${name} must be ${kind} ${range}, found ${value}`);
  }
  return value;
}

/** An array of finite numbers (copied), each in [min, max]. */
function numberArray(
  name: string,
  value: unknown,
  min: number,
  max: number,
  action: string,
): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an array of numbers (one per task), found ${
        describe(value)
      }`,
    );
  }
  return value.map((x, t) => {
    if (typeof x !== "number" || !Number.isFinite(x) || x < min || x > max) {
      const range = min === -Infinity ? "a finite number" : `a number in [${min}, ${max}]`;
      throw new RangeError(
        `Cannot ${action}: ${name}[${t}] must be ${range}, found ${describe(x)}`,
      );
    }
    return x;
  });
}

/** Checks the method-specific options against the method, fills in defaults. */
export function resolveMethodOptions(
  o: Record<string, unknown>,
  method: string,
  action: string,
): ResolvedMethodOptions {
  for (const key of Object.keys(APPLIES_TO) as (keyof MethodOptions)[]) {
    if (o[key] !== undefined && !APPLIES_TO[key].includes(method)) {
      throw new RangeError(
        `Cannot ${action}: option ${key} applies to method ${
          APPLIES_TO[key].map((m) => `"${m}"`).join(" or ")
        }, found method "${method}"`,
      );
    }
  }
  if (o.selfProjection !== undefined && typeof o.selfProjection !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: selfProjection must be a boolean, found ${describe(o.selfProjection)}`,
    );
  }
  const preset = o.preset === undefined
    ? undefined
    : oneOf("preset", o.preset, PRESET_NAMES, "paper", action);
  const base = PRESETS[preset ?? "paper"];
  const leak = typeof o.leak === "number" || o.leak === undefined
    ? numberIn("leak", o.leak, 0, 1, 0, action)
    : numberArray("leak", o.leak, 0, 1, action);
  return {
    preset,
    selfProjection: (o.selfProjection as boolean | undefined) ?? base.selfProjection,
    epsilon: numberIn("epsilon", o.epsilon, 0, Infinity, base.epsilon, action),
    normalization: oneOf("normalization", o.normalization, NORMALIZATIONS, "none", action),
    c: numberIn("c", o.c, 0, Infinity, 0.5, action),
    rescale: oneOf("rescale", o.rescale, RESCALES, "none", action),
    beta: numberIn("beta", o.beta, 0, 1, 0.5, action),
    preference: o.preference === undefined
      ? undefined
      : numberArray("preference", o.preference, -Infinity, Infinity, action),
    regularization: numberIn("regularization", o.regularization, 0, Infinity, 1e-4, action),
    scaleMode: oneOf("scaleMode", o.scaleMode, SCALE_MODES, "min", action),
    maxNorm: numberIn("maxNorm", o.maxNorm, Number.MIN_VALUE, Infinity, 1, action, true),
    updateEvery: wholeNumber("updateEvery", o.updateEvery, action),
    leak,
    distribution: oneOf("distribution", o.distribution, DISTRIBUTIONS, "normal", action),
  };
}

function wholeNumber(name: string, value: unknown, action: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a whole number ≥ 1, found ${describe(value)}`,
    );
  }
  return value;
}

/** Checks the per-task arrays against T (once T is known). */
export function checkPerTaskOptions(options: ResolvedMethodOptions, T: number, action: string) {
  for (const [name, value] of [["preference", options.preference], ["leak", options.leak]]) {
    if (Array.isArray(value) && value.length !== T) {
      throw new RangeError(
        `Cannot ${action}: ${name} has ${value.length} entries, expected ${T} (one per task)`,
      );
    }
  }
}
