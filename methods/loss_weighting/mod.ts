/**
 * The loss-weighting schemes that need losses rather than gradients (docs/methods.md), as pure
 * float64 functions for adapters that own the losses (the tf.js adapter wires them to tensors).
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
  type TaskKind,
  type UncertaintyResult,
  uncertaintyWeighting,
  UW_INITIAL_LOG_VARIANCE,
} from "./uncertainty.ts";
export { dwaWeights } from "./dwa.ts";
