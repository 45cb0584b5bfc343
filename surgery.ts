/**
 * The engine: options → validate → Gram pass → weights → combine pass → stats
 * (docs/architecture.md "The pipeline"). Entry points in adapters/ call these steps;
 * nothing here is public except through them.
 * @module
 */

import { graddropKernel } from "./core/graddrop_wasm.ts";
import { kernels } from "./core/kernels.ts";
import { gramReference } from "./core/reference.ts";
import { graddropParams } from "./methods/graddrop.ts";
import { methods } from "./methods/registry.ts";
import { applyVariant } from "./methods/variants.ts";
import type { StepState } from "./random/step_state.ts";
import { buildStats, type SurgeryStats } from "./stats/diagnostics.ts";
import { checkFinite } from "./validate/finite.ts";
import { validateOut, validateRows } from "./validate/grads.ts";
import { checkPerTaskOptions } from "./validate/method_options.ts";
import { type ResolvedOptions, validateLosses, validateOrder } from "./validate/options.ts";

/** Weights ready for the combine pass (variant and reduction applied) and the step's stats. */
export interface WeightsResult {
  /** Final weights: combine Σ_t weights[t] g_t gives the update. */
  weights: Float64Array;
  /** Diagnostics; stats.weights are before the reduction. */
  stats: SurgeryStats;
}

/** Gram pass: validates the rows, accumulates their Gramian into G (new when not given). */
export function gramPass(
  rows: unknown,
  G: Float64Array | undefined,
  what: string,
): { G: Float64Array; T: number; d: number } {
  const { T, d } = validateRows(rows, what);
  const grads = rows as Float32Array[];
  // A new G is this block's partial itself; a given G gets the partial added once it is checked.
  const partial = new Float64Array(T * T);
  kernels.gram(grads, partial);
  if (checkFinite(grads, partial, what).length > 0) {
    // Finite values whose float32 squares overflow: redo this block in float64.
    partial.fill(0);
    gramReference(grads, partial);
  }
  if (G === undefined) return { G: partial, T, d };
  for (let k = 0; k < T * T; k++) G[k] += partial[k];
  return { G, T, d };
}

/** Weights step: method, then variant, then reduction. `losses` are the step's, if given. */
export function weightsPass(
  G: Float64Array,
  T: number,
  options: ResolvedOptions,
  step: StepState,
  what: string,
  losses?: unknown,
): WeightsResult {
  const method = options.method;
  if (method === "graddrop") {
    throw new RangeError(
      `Cannot ${what}: method "graddrop" is elementwise and has no weights; run surgery() on the gradients`,
    );
  }
  if (Array.isArray(options.order)) validateOrder(options.order, T, what, options.selfProjection);
  checkPerTaskOptions(options, T, what);
  const result = methods[method].weigh({
    G,
    T,
    options,
    rng: step.rng,
    state: step.methods[method],
    losses: losses === undefined ? undefined : validateLosses(losses, T, what),
    what,
  });
  if (result.state !== undefined) step.methods[method] = result.state;
  const w = applyVariant(G, T, result.weights, options.variant);
  const stats = buildStats(G, T, w, result.orders, result.projections, kernels.name);
  const scale = options.reduction === "mean" ? 1 / T : 1;
  return { weights: scale === 1 ? w : w.map((x) => x * scale), stats };
}

/**
 * Combine pass: out = Σ_t w_t g_t (into `out`, or a new array); `finite` tells whether every
 * output value is finite (the kernel checks while writing).
 */
export function combinePass(
  rows: readonly Float32Array[],
  d: number,
  weights: ArrayLike<number>,
  out: unknown,
  what: string,
): { out: Float32Array; finite: boolean } {
  const target = out === undefined ? new Float32Array(d) : validateOut(out, d, rows, what);
  return { out: target, finite: kernels.combine(rows, weights, target) };
}

/** One whole step over full task gradients. */
export function runSurgery(
  grads: unknown,
  options: ResolvedOptions,
  out: unknown,
  step: StepState,
  what: string,
  losses?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  // Check `out` before the heavy pass, so a wrong buffer fails fast.
  const { d: length } = validateRows(grads, what);
  if (out !== undefined) validateOut(out, length, grads as Float32Array[], what);
  const { G, T, d } = gramPass(grads, undefined, what);
  if (options.method === "graddrop") {
    return graddropPass(grads as Float32Array[], G, T, d, options, out, step, what);
  }
  const { weights, stats } = weightsPass(G, T, options, step, what, losses);
  return { out: combinePass(grads as Float32Array[], d, weights, out, what).out, stats };
}

/**
 * GradDrop's own path (Chen et al. 2020: not Gram-expressible): the Gram pass above validated the
 * rows and gives the usual stats (weights empty); the elementwise kernel writes the update. The
 * reduction divides by T as for every method.
 */
function graddropPass(
  grads: readonly Float32Array[],
  G: Float64Array,
  T: number,
  d: number,
  options: ResolvedOptions,
  out: unknown,
  step: StepState,
  what: string,
): { out: Float32Array; stats: SurgeryStats } {
  checkPerTaskOptions(options, T, what);
  const params = graddropParams(options, T, step.rng);
  const target = out === undefined ? new Float32Array(d) : validateOut(out, d, grads, what);
  const kernel = graddropKernel();
  kernel.run(grads, params, target);
  if (options.reduction === "mean") {
    for (let k = 0; k < d; k++) target[k] /= T;
  }
  return { out: target, stats: buildStats(G, T, [], [], 0, kernel.name) };
}
