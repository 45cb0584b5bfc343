/**
 * The loss weightings' pure float64 functions (docs/methods.md "Loss weightings"), for callers
 * that run a scheme by hand; `createLossWeighting` (create.ts) runs any of them as one stateful
 * object.
 * @module
 */

export {
  gradNormGradient,
  type GradNormInput,
  type GradNormResult,
  gradNormStep,
  renormalize,
} from "./gradnorm.ts";
export {
  type UncertaintyResult,
  uncertaintyWeighting,
  UW_INITIAL_LOG_VARIANCE,
} from "./uncertainty.ts";
export { dwaWeights } from "./dwa.ts";
export {
  FAMO_DEFAULTS,
  famoInitialState,
  famoLogitGradient,
  famoLossWeights,
  type FamoOptions,
  type FamoState,
  famoUpdate,
} from "./famo.ts";
export {
  STCH_DEFAULTS,
  stchInitialState,
  type StchOptions,
  type StchResult,
  type StchState,
  stchStep,
} from "./stch.ts";
export { type GlsResult, glsWeighting } from "./gls.ts";
export { imtlLInitialScales, type ImtlLResult, imtlLWeighting } from "./imtl_l.ts";
