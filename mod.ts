/**
 * Gradient surgery for multi-task learning: PCGrad (Yu et al., NeurIPS 2020) and its baselines
 * over plain Float32Array gradients, on a SIMD WebAssembly core. No fs, no network, no build
 * step: import it by URL in Deno, in browsers and on edge runtimes.
 *
 * Pipeline: validate → Gram pass (G = J Jᵀ, WASM) → weights (T×T, float64) → combine pass
 * (Σ_t w_t g_t, WASM). The split phase is public too, for chunked and sharded callers.
 *
 * @example
 * ```ts
 * import { surgery } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const update = surgery([new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])]);
 * assert.ok(Math.abs(update[0] - 0.5848) < 1e-4);
 * ```
 * @module
 */

export {
  type CallOptions,
  createSurgery,
  type CreateSurgeryOptions,
  type Surgery,
  surgery,
  type SurgeryOptions,
} from "./adapters/plain.ts";
export {
  accumulateGram,
  combineBlock,
  type SurgeryWeights,
  surgeryWeights,
} from "./adapters/split.ts";
export type { SurgeryStats } from "./stats/diagnostics.ts";
export { type Method, METHODS } from "./vocabulary/methods.ts";
export {
  type Order,
  type Reduction,
  REDUCTIONS,
  type Variant,
  VARIANTS,
  type WeightOptions,
} from "./vocabulary/options.ts";
export {
  type Distribution,
  DISTRIBUTIONS,
  type MethodOptions,
  type Normalization,
  NORMALIZATIONS,
  type Rescale,
  RESCALES,
  SCALE_MODES,
  type ScaleMode,
} from "./vocabulary/method_options.ts";
export type { Preset } from "./vocabulary/presets.ts";
export { PRESETS, type PresetSettings } from "./methods/presets.ts";
export { STATE_FORMAT, type SurgeryState } from "./state/step_state.ts";
export {
  LOSS_WEIGHTINGS,
  type LossWeightingName,
  type LossWeightingOptions,
  type LossWeightingSpec,
  type TaskKind,
} from "./vocabulary/loss_weightings.ts";
export {
  createLossWeighting,
  LOSS_WEIGHTING_STATE_FORMAT,
  type LossWeighting,
  type LossWeightingState,
} from "./methods/loss_weighting/create.ts";
export type { LossWeightingContext, LossWeightingNeeds } from "./methods/loss_weighting/types.ts";
export {
  dwaWeights,
  famoInitialState,
  famoLossWeights,
  type FamoOptions,
  type FamoState,
  famoUpdate,
  type GlsResult,
  glsWeighting,
  type GradNormInput,
  type GradNormResult,
  gradNormStep,
  type ImtlLResult,
  imtlLWeighting,
  stchInitialState,
  type StchOptions,
  type StchResult,
  type StchState,
  stchStep,
  type UncertaintyResult,
  uncertaintyWeighting,
} from "./methods/loss_weighting/mod.ts";
export { createParallelSurgery } from "./parallel/parallel_surgery.ts";
export type {
  ParallelCallOptions,
  ParallelSurgery,
  ParallelSurgeryOptions,
} from "./parallel/types.ts";
export { sharedFloat32Array } from "./parallel/shared_memory.ts";
export {
  createGradientBuffer,
  type GradientBuffer,
  type GradientBufferOptions,
} from "./adapters/gradient_buffer.ts";
