/**
 * PCGrad compatibility presets (docs/methods.md): what each reference implementation does, as
 * settings of this library's PCGrad. A preset fills in `order`, `selfProjection`, `reduction` and
 * `epsilon`; options given explicitly override it. The random streams differ from Python's or
 * torch's, so a preset reproduces each implementation's semantics, not its random numbers.
 * Every preset keeps the shared zero-task guard of methods/solvers/tolerances.ts (a task with
 * ‖g_j‖² ≤ 1e-20·max_t ‖g_t‖² is never projected on), where the references without ε
 * would produce NaN.
 * @module
 */

import type { Order, Reduction } from "../vocabulary/options.ts";
import type { Preset } from "../vocabulary/presets.ts";

/**
 * The PCGrad knobs a preset sets.
 *
 * @example Reading a preset's settings
 * ```ts
 * import { PRESETS, type PresetSettings } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const libmtl: PresetSettings = PRESETS.libmtl;
 * assert.equal(libmtl.epsilon, 1e-8);
 * assert.equal(libmtl.selfProjection, true);
 * ```
 */
export interface PresetSettings {
  /** Visiting order of the other tasks for each i. */
  order: Order;
  /** Whether task i also visits itself (j = i): projects g_i^PC on g_i when g_i^PC · g_i < 0. */
  selfProjection: boolean;
  /** Reduction of the projected gradients. */
  reduction: Reduction;
  /** Additive ε in the projection denominator: ‖g_j‖² + ε. */
  epsilon: number;
}

/**
 * Every preset (the table in docs/methods.md).
 *
 * @example A preset is a bundle of PCGrad settings
 * ```ts
 * import { PRESETS, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0, 2]), new Float32Array([-1, 1, 0])];
 * const { order, selfProjection, reduction, epsilon } = PRESETS["official-tf"];
 * assert.deepEqual(
 *   surgery(grads, { preset: "official-tf" }),
 *   surgery(grads, { order, selfProjection, reduction, epsilon }),
 * );
 * ```
 */
export const PRESETS = {
  /** Paper Algorithm 1: random order per i, j ≠ i, sum, no ε (the library's defaults). */
  paper: { order: "random", selfProjection: false, reduction: "sum", epsilon: 0 },
  /**
   * Official TF `PCGrad_tf.py`: the `tf.random.shuffle` result is never assigned, so the order is
   * fixed (k = 0..T−1 ascending, including k = i); sum; no ε.
   */
  "official-tf": { order: "fixed", selfProjection: true, reduction: "sum", epsilon: 0 },
  /**
   * WeiChengTseng/Pytorch-PCGrad: a fresh shuffle of all T tasks (including i) per i; always the
   * mean (its `reduction='sum'` is never honoured, issue #14); no ε.
   */
  "pytorch-pcgrad": { order: "random", selfProjection: true, reduction: "mean", epsilon: 0 },
  /** LibMTL `PCGrad`: a shuffle of all T tasks per i (including i); sum; ‖g_j‖² + 1e-8. */
  libmtl: { order: "random", selfProjection: true, reduction: "sum", epsilon: 1e-8 },
  /** TorchJD `PCGradWeighting`: randperm per i, skipping j = i; sum; no ε (= "paper"). */
  torchjd: { order: "random", selfProjection: false, reduction: "sum", epsilon: 0 },
} as const satisfies Record<Preset, PresetSettings>;
