/**
 * The names of PCGrad's compatibility presets (docs/methods.md); what each one sets is in
 * methods/presets.ts.
 * @module
 */

/** Every preset name, in table order. */
export const PRESET_NAMES = [
  "paper",
  "official-tf",
  "pytorch-pcgrad",
  "libmtl",
  "torchjd",
] as const;

/**
 * A preset's name.
 *
 * @example PCGrad as Pytorch-PCGrad computes it
 * ```ts
 * import { type Preset, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const preset: Preset = "pytorch-pcgrad";
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], { preset });
 * assert.equal(update.length, 2);
 * ```
 */
export type Preset = "paper" | "official-tf" | "pytorch-pcgrad" | "libmtl" | "torchjd";
