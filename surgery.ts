/**
 * The engine: options → validate → Gram pass → weights → combine pass → stats
 * (docs/architecture.md "The pipeline"). Entry points in adapters/ call these steps;
 * nothing here is public except through them.
 * @module
 */

import { kernels } from "./core/kernels.ts";
import { combineReference, gramReference } from "./core/reference.ts";
import { accumulateVariantNorms, emptyVariantNorms } from "./core/variant_norms.ts";
import { checkPerTaskOptions, ownOptions, type ResolvedOptions } from "./methods/options.ts";
import { registry } from "./methods/registry.ts";
import type { ElementwiseMethodDefinition, VectorMethodDefinition } from "./methods/types.ts";
import { crossGram } from "./methods/tracked_gradients.ts";
import { withZeroTasksCleared } from "./methods/solvers/tolerances.ts";
import { variantScale, variantWeights } from "./methods/variants.ts";
import type { StepState } from "./state/step_state.ts";
import { buildStats, type SurgeryStats } from "./stats/diagnostics.ts";
import { gramNeedsFloat64 } from "./validate/finite.ts";
import { validateRows, validateStepInputs } from "./validate/grads.ts";
import { checkGroupsEnd } from "./validate/groups.ts";
import { validateLosses, validateOrder } from "./validate/options.ts";
import { checkUpdate, overflowError, updateCannotOverflow } from "./validate/update.ts";
import type { Variant } from "./vocabulary/options.ts";

/**
 * Weights and the step's stats: with the reduction applied from weightsPass, the method's own
 * (before reduction and variant) from methodWeights.
 */
export interface WeightsResult {
  /** Weights w: combining Σ_t weights[t] g_t gives the update (weightsPass) or g^PC (methodWeights). */
  weights: Float64Array;
  /** Diagnostics; stats.weights are before the reduction. */
  stats: SurgeryStats;
}

/**
 * The Gramian G = J Jᵀ of rows the caller validated (validateRows), by the kernels, redone in
 * float64 when their float32 products overflow or underflow (validate/finite.ts); a RangeError
 * naming a non-finite value.
 */
export function gramWithFallback(rows: readonly Float32Array[], action: string): Float64Array {
  const G = new Float64Array(rows.length * rows.length);
  kernels.gram(rows, G);
  return gramFallback(rows, G, action);
}

/**
 * The float64 fallback on a Gramian the kernels computed elsewhere (parallel/, chunk by chunk): G,
 * the float32-accumulated Gramian of `rows`, is checked as in gramWithFallback and, when it must be
 * redone, recomputed in float64 in place. Returns G.
 */
export function gramFallback(
  rows: readonly Float32Array[],
  G: Float64Array,
  action: string,
): Float64Array {
  if (gramNeedsFloat64(rows, G, action)) {
    G.fill(0);
    gramReference(rows, G);
  }
  return G;
}

/**
 * Gram pass over validated rows: their Gramian (gramWithFallback) added into G, or as a new G when
 * none is given.
 */
export function gramPass(
  rows: readonly Float32Array[],
  G: Float64Array | undefined,
  action: string,
): Float64Array {
  // A new G is this block's partial itself; a given G gets the partial added once it is checked.
  const partial = gramWithFallback(rows, action);
  if (G === undefined) return partial;
  for (let k = 0; k < partial.length; k++) G[k] += partial[k];
  return G;
}

/**
 * Weights step for callers that hold only the Gramian (the split phase): the method, then the
 * reduction. The direction/magnitude variants need norms of the gradient vectors themselves
 * (methods/variants.ts), which a Gramian cannot give exactly, so they are refused here.
 */
export function weightsPass(
  G: Float64Array,
  T: number,
  options: ResolvedOptions,
  step: StepState,
  action: string,
  losses?: unknown,
): WeightsResult {
  if (options.variant !== "full") {
    throw new RangeError(
      `Cannot ${action}: variant "${options.variant}" rescales by norms of the gradient vectors, ` +
        `which a Gramian does not hold exactly; run surgery() on the gradients instead`,
    );
  }
  const { weights, stats } = methodWeights(G, T, options, step, action, losses);
  return { weights: reduce(weights, options, T), stats };
}

/** The method's weights (no variant, no reduction) and the step's stats. */
export function methodWeights(
  G: Float64Array,
  T: number,
  options: ResolvedOptions,
  step: StepState,
  action: string,
  losses?: unknown,
): WeightsResult {
  const method = options.method;
  const definition = registry[method];
  if (definition.kind === "elementwise") {
    throw new RangeError(
      `Cannot ${action}: method "${method}" is elementwise and has no weights; run surgery() on the gradients`,
    );
  }
  if (definition.kind === "vectors") throw needsVectorsError(definition, action);
  if (Array.isArray(options.order)) validateOrder(options.order, T, action, options.selfProjection);
  checkPerTaskOptions(options, T, action);
  const result = definition.weigh({
    G: withZeroTasksCleared(G, T),
    T,
    options: ownOptions(definition, options),
    rng: step.rng,
    state: step.methods[method],
    losses: losses === undefined ? undefined : validateLosses(losses, T, action),
    action,
  });
  if (result.state !== undefined) step.methods[method] = result.state;
  const stats = buildStats(G, T, result.weights, result.orders, result.projections, kernels.name);
  return { weights: Float64Array.from(result.weights), stats };
}

/** The reduction: "mean" divides the weights by T. */
export function reduce(w: Float64Array, options: ResolvedOptions, T: number): Float64Array {
  return options.reduction === "mean" ? w.map((x) => x / T) : w;
}

/** A block of host rows for the variant pass: the rows of `tasks` (all when absent), and its out. */
export interface VariantBlock {
  rows: readonly Float32Array[];
  tasks?: readonly number[];
  out: Float32Array;
  /** Names index k of this block in errors (default "index k"). */
  where?: (k: number) => string;
}

/**
 * Finishes a direction/magnitude step over host rows: the norms of the method's combination and of
 * the plain sum from the vectors (float64), then one float64 combine per block with the variant's
 * weights, rounded once to float32 (overflow policy as in combinePass). Returns the effective
 * weights (variant and reduction applied); `stats.weights` gets them before the reduction.
 */
export function variantPass(
  blocks: readonly VariantBlock[],
  w: Float64Array,
  options: ResolvedOptions,
  stats: SurgeryStats,
  action: string,
): Float64Array {
  const pick = (b: VariantBlock, v: Float64Array) => b.tasks ? b.tasks.map((t) => v[t]) : v;
  const norms = emptyVariantNorms();
  for (const b of blocks) accumulateVariantNorms(b.rows, pick(b, w), norms);
  const scale = variantScale(options.variant as Exclude<Variant, "full">, norms);
  const effective = variantWeights(scale, w);
  stats.weights = Array.from(effective);
  const final = reduce(effective, options, w.length);
  for (const b of blocks) {
    const c = pick(b, final);
    checkUpdate(b.out, combineReference(b.rows, c, b.out), b.rows, c, action, b.where);
  }
  return final;
}

/**
 * Combine pass: out = Σ_t w_t g_t (into `out`, checked by the caller with validateOut, or a new
 * array) under the one overflow policy (validate/update.ts): an update value beyond float32 is a
 * RangeError, never an Infinity.
 */
export function combinePass(
  rows: readonly Float32Array[],
  d: number,
  weights: ArrayLike<number>,
  out: Float32Array | undefined,
  action: string,
): Float32Array {
  const target = out ?? new Float32Array(d);
  checkUpdate(target, kernels.combine(rows, weights, target), rows, weights, action);
  return target;
}

/** One whole step over full task gradients: checks them (once) and `out`, then runs the step. */
export function runSurgery(
  grads: unknown,
  options: ResolvedOptions,
  out: unknown,
  step: StepState,
  action: string,
  losses?: unknown,
  batches?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  const checked = validateStepInputs(grads, out, action);
  return runSurgeryOnRows(checked.rows, options, checked.out, step, action, losses, batches);
}

/** One block of a grouped step: columns [from, to) of every row, of `out` and of any batches. */
export interface GroupBlock {
  /** The group's index; its method state is kept under String(g). */
  readonly g: number;
  readonly from: number;
  readonly to: number;
  readonly rows: Float32Array[];
  readonly out: Float32Array;
  /** The extra batches (SDMGrad, MoDo) cut at the same columns. */
  readonly batches: Float32Array[][] | undefined;
  /** The caller's action naming the group, for errors. */
  readonly action: string;
}

/**
 * The blocks of a grouped step (docs/api.md "Grouped surgery") over checked rows and the update
 * `out`: the boundaries checked against d and the extra batches checked once, then every block
 * as subarrays (no copy).
 */
export function groupBlocks(
  rows: readonly Float32Array[],
  bounds: readonly number[],
  options: ResolvedOptions,
  out: Float32Array,
  action: string,
  batches?: unknown,
): GroupBlock[] {
  const d = rows[0].length;
  checkGroupsEnd(bounds, d, action);
  const extra = checkBatches(registry[options.method], batches, rows.length, d, action);
  return bounds.slice(0, -1).map((from, g) => {
    const to = bounds[g + 1];
    const cut = (r: readonly Float32Array[]) => r.map((x) => x.subarray(from, to));
    return {
      g,
      from,
      to,
      rows: cut(rows),
      out: out.subarray(from, to),
      batches: extra?.map(cut),
      action: `${action} (group ${g}, parameters ${from}..${to - 1})`,
    };
  });
}

/**
 * One whole step over rows the caller validated (validateRows) and an `out` it checked
 * (validateOut): the rows are read for validation once per step, whoever the caller.
 */
export function runSurgeryOnRows(
  rows: readonly Float32Array[],
  options: ResolvedOptions,
  out: Float32Array | undefined,
  step: StepState,
  action: string,
  losses?: unknown,
  batches?: unknown,
): { out: Float32Array; stats: SurgeryStats } {
  const T = rows.length;
  const d = rows[0].length;
  const definition = registry[options.method];
  const extra = checkBatches(definition, batches, T, d, action);
  const G = gramWithFallback(rows, action);
  if (definition.kind === "vectors") {
    return vectorPass(rows, G, definition, options, out, step, action, losses, extra);
  }
  if (definition.kind === "elementwise") {
    return elementwisePass(rows, G, T, d, definition, options, out, step, action);
  }
  const { weights, stats } = methodWeights(G, T, options, step, action, losses);
  if (options.variant === "full") {
    return { out: combinePass(rows, d, reduce(weights, options, T), out, action), stats };
  }
  const target = out ?? new Float32Array(d);
  variantPass([{ rows, out: target }], weights, options, stats, action);
  return { out: target, stats };
}

/**
 * The elementwise methods' path (GradDrop, the trimmed mean: not Gram-expressible): the rows and
 * `out` were validated by the caller; the Gram pass gives the usual stats (weights empty); the
 * method's own kernel writes the update with the step's parameters. The reduction divides by T as
 * for every method.
 */
function elementwisePass(
  grads: readonly Float32Array[],
  G: Float64Array,
  T: number,
  d: number,
  definition: ElementwiseMethodDefinition,
  options: ResolvedOptions,
  out: Float32Array | undefined,
  step: StepState,
  action: string,
): { out: Float32Array; stats: SurgeryStats } {
  checkPerTaskOptions(options, T, action);
  const params = definition.params({
    T,
    options: ownOptions(definition, options),
    rng: step.rng,
    action,
  });
  const target = out ?? new Float32Array(d);
  const kernel = definition.kernel();
  kernel.run(grads, params, target);
  if (options.reduction === "mean") {
    for (let k = 0; k < d; k++) target[k] /= T;
  }
  // The kernels sum in float32 (as their references do), each coordinate a sum of at most
  // Σ_t |g_tk|, so only a bound over Σ‖g_t‖ spares the scan.
  if (!updateCannotOverflow(G, T, new Float64Array(T).fill(1))) {
    const k = target.findIndex((x) => !Number.isFinite(x));
    if (k >= 0) throw overflowError(action, `index ${k}`, target[k]);
  }
  return { out: target, stats: buildStats(G, T, [], [], 0, kernel.name) };
}

/** The split phase's refusal of a method that needs the gradient vectors (methods/types.ts). */
export function needsVectorsError(definition: VectorMethodDefinition, action: string): RangeError {
  const why = definition.needs.batches
    ? "needs two more independent gradient batches each step"
    : `keeps ${definition.keeps.split(":")[0]}`;
  return new RangeError(
    `Cannot ${action}: method "${definition.name}" ${why}, which a Gramian does not hold; ` +
      `run surgery() on the gradients${definition.needs.batches ? " with { batches }" : ""}`,
  );
}

/** The methods that take `batches`, for errors. */
function batchMethods(): string {
  return Object.values(registry)
    .filter((m) => m.kind === "vectors" && m.needs.batches)
    .map((m) => `"${m.name}"`)
    .join(" or ");
}

/**
 * The extra gradient batches of a step: required (two, each T rows of length d) by the methods
 * whose `needs.batches`, refused for the others; a RangeError names what was found.
 */
export function checkBatches(
  definition: {
    readonly name: string;
    readonly kind: string;
    readonly needs?: { batches: boolean };
  },
  batches: unknown,
  T: number,
  d: number,
  action: string,
): readonly (readonly Float32Array[])[] | undefined {
  const needed = definition.needs?.batches === true;
  if (!needed) {
    if (batches === undefined) return undefined;
    throw new RangeError(
      `Cannot ${action}: batches apply to method ${batchMethods()}, found method "${definition.name}"`,
    );
  }
  if (!Array.isArray(batches) || batches.length !== 2) {
    throw new RangeError(
      `Cannot ${action}: method "${definition.name}" needs batches: two more independent gradient ` +
        `batches [gradsA, gradsB], each ${T} rows of length ${d}, found ${
          Array.isArray(batches)
            ? `${batches.length} batch${batches.length === 1 ? "" : "es"}`
            : describeValue(batches)
        }`,
    );
  }
  batches.forEach((batch, b) => {
    const where = `${action}: batches[${b}]`;
    const shape = validateRows(batch, where);
    if (shape.T !== T || shape.d !== d) {
      throw new RangeError(
        `Cannot ${where} holds ${shape.T} rows of length ${shape.d}, expected ${T} rows of length ${d} (as grads)`,
      );
    }
  });
  return batches as Float32Array[][];
}

function describeValue(value: unknown): string {
  return value === undefined ? "none" : value === null ? "null" : typeof value;
}

/**
 * A "vectors" method's step (methods/types.ts VectorMethodDefinition): its losses and the
 * cross-Gramian of its extra batches checked, the method's step on the rows, then the combine of
 * the rows it names (its tracked rows or the gradients) with the reduction, under the one overflow
 * policy. Stats from the step's Gramian; their weights are over the rows combined.
 */
export function vectorPass(
  rows: readonly Float32Array[],
  G: Float64Array,
  definition: VectorMethodDefinition,
  options: ResolvedOptions,
  out: Float32Array | undefined,
  step: StepState,
  action: string,
  losses: unknown,
  batches: readonly (readonly Float32Array[])[] | undefined,
): { out: Float32Array; stats: SurgeryStats } {
  const T = rows.length;
  const d = rows[0].length;
  if (definition.needs.losses && losses === undefined) {
    throw new RangeError(
      `Cannot ${action}: method "${definition.name}" needs the step's task losses: pass losses (${T} numbers)`,
    );
  }
  const checkedLosses = losses === undefined ? undefined : validateLosses(losses, T, action);
  let cross: Float64Array | undefined;
  if (batches !== undefined) {
    cross = crossGram(batches[0], batches[1]);
    const at = cross.findIndex((x) => !Number.isFinite(x));
    if (at >= 0) {
      throw new RangeError(
        `Cannot ${action}: the batches' cross-Gramian has a non-finite value at [${
          Math.floor(at / T)
        }][${at % T}]: ${cross[at]} (a non-finite gradient value in batches)`,
      );
    }
  }
  checkPerTaskOptions(options, T, action);
  const result = definition.step({
    rows,
    G: withZeroTasksCleared(G, T),
    T,
    d,
    options: ownOptions(definition, options),
    rng: step.rng,
    state: step.methods[definition.name],
    losses: checkedLosses,
    cross,
    action,
  });
  const combined = result.combine ?? rows;
  const weights = Float64Array.from(result.weights);
  const target = out ?? new Float32Array(d);
  const final = reduce(weights, options, T);
  checkUpdate(target, kernels.combine(combined, final, target), combined, final, action);
  if (result.state !== undefined) step.methods[definition.name] = result.state;
  return { out: target, stats: buildStats(G, T, weights, [], 0, kernels.name) };
}
