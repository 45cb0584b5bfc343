/**
 * The plain-array adapter: task gradients as Float32Arrays, one per task, for training loops in
 * any engine. Only shared parameters belong in these arrays: PCGrad leaves task-specific
 * parameters alone (Yu et al., Appendix C), so give each head its own task's gradient directly.
 * @module
 */

import { StepState, type SurgeryState } from "../state/step_state.ts";
import { restoreWithLossWeighting, saveWithLossWeighting } from "../state/loss_weighting_state.ts";
import { createLossWeighting, type LossWeighting } from "../methods/loss_weighting/create.ts";
import type { LossWeightingSpec } from "../vocabulary/loss_weightings.ts";
import { describe, integerIn, validateStepInputs } from "../validate/grads.ts";
import {
  requireLosses,
  rowNorms,
  scaleBatches,
  scaleGram,
  scaleRows,
  weighingContext,
  weightedLosses,
} from "./plain_loss_weighting.ts";
import { Stepper } from "../state/stepper.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { weightsPass } from "../surgery.ts";
import { validateGram } from "../validate/gram.ts";
import { validateGroupBounds } from "../validate/groups.ts";
import { checkKeys } from "../validate/keys.ts";
import { creationHints, resolveOptions } from "../methods/options.ts";
import type { WeightOptions } from "../vocabulary/options.ts";
import { runMaybeGrouped, runMaybeGroupedOnRows } from "./groups.ts";

/**
 * Options of {@linkcode surgery}.
 *
 * @example Mean reduction, written into a buffer you own
 * ```ts
 * import { surgery, type SurgeryOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: SurgeryOptions = { reduction: "mean", out: new Float32Array(2) };
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], options);
 * assert.equal(update, options.out); // no allocation
 * assert.deepEqual(Array.from(update), [0.25, 0.75]); // PCGrad's [0.5, 1.5] divided by T = 2
 * ```
 *
 * @example Grouped (layer-wise) surgery: each block its own Gramian and weights
 * ```ts
 * import { surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const g1 = new Float32Array([1, 0, 2, 1]);
 * const g2 = new Float32Array([-1, 1, 1, 1]);
 * const grouped = surgery([g1, g2], { groups: [0, 2, 4] }); // blocks [0, 2) and [2, 4)
 * const first = surgery([g1.subarray(0, 2), g2.subarray(0, 2)]); // they conflict: projected
 * const second = surgery([g1.subarray(2), g2.subarray(2)]); // they agree: the plain sum
 * assert.deepEqual(Array.from(grouped), [...first, ...second]);
 * assert.deepEqual(Array.from(second), [3, 2]);
 * ```
 */
export interface SurgeryOptions extends WeightOptions {
  /** Where to write the update (a Float32Array of the gradients' length); default a new array. */
  out?: Float32Array;
  /**
   * The step's task losses (T finite numbers), for MGDA's "loss" / "loss+" normalisation; needed
   * by "db-mtl" and "moco".
   */
  losses?: readonly number[];
  /**
   * Grouped (layer-wise) surgery: boundaries [0, a, b, …, d] cutting the d parameters into
   * blocks [0, a), [a, b), …; each block gets its own Gramian, weights and combination, and the
   * update is the concatenation of the blocks' (docs/api.md "Grouped surgery"). The seeded stream
   * is drawn group by group in group order; each group keeps its own method state. Default: one
   * group over all d parameters.
   */
  groups?: readonly number[];
  /**
   * Two more independent gradient batches [gradsA, gradsB] of the same step, each T rows of
   * the gradients' length: needed by "sdmgrad" and "modo" (docs/api.md, "Methods that keep
   * gradients or need more batches"), refused by the other methods.
   */
  batches?: readonly (readonly Float32Array[])[];
}

/**
 * Per-call options of {@linkcode Surgery.surgery}.
 *
 * @example Per-step losses for MGDA's loss normalisation
 * ```ts
 * import { type CallOptions, createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mgda = createSurgery({ method: "mgda", normalization: "loss" });
 * const call: CallOptions = { losses: [0.5, 2], out: new Float32Array(2) };
 * const update = mgda.surgery([new Float32Array([1, 0]), new Float32Array([0, 1])], call);
 * assert.equal(update, call.out);
 * assert.ok(update.every((x) => x > 0)); // a common descent direction
 * ```
 *
 * @example Two more independent batches for SDMGrad
 * ```ts
 * import { type CallOptions, createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const sdmgrad = createSurgery({ method: "sdmgrad" });
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
 * // The same tasks' gradients on two other mini-batches of this step.
 * const call: CallOptions = {
 *   batches: [
 *     [new Float32Array([0.9, 0.1]), new Float32Array([-1.1, 1])],
 *     [new Float32Array([1.1, 0]), new Float32Array([-0.9, 0.9])],
 *   ],
 * };
 * sdmgrad.surgery(grads, call);
 * const w = sdmgrad.stats!.weights; // over `grads`: on the simplex
 * assert.ok(Math.abs(w[0] + w[1] - 1) < 1e-12 && w.every((x) => x > 0));
 * ```
 */
export interface CallOptions {
  /** Where to write the update; default a new array. */
  out?: Float32Array;
  /**
   * The step's task losses (T finite numbers), for MGDA's "loss" / "loss+" normalisation, DB-MTL,
   * MoCo and the `lossWeighting`, which needs them.
   */
  losses?: readonly number[];
  /** Two more independent gradient batches [gradsA, gradsB] ("sdmgrad", "modo"). */
  batches?: readonly (readonly Float32Array[])[];
  /** The current epoch (whole number ≥ 0), for a `lossWeighting` that needs it (DWA, STCH). */
  epoch?: number;
}

/**
 * Options of {@linkcode createSurgery}: the surgery's, and a loss weighting applied before the
 * method (docs/api.md "Loss weightings").
 *
 * @example GLS's loss weights, then PCGrad on the weighted gradients
 * ```ts
 * import { createSurgery, type CreateSurgeryOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: CreateSurgeryOptions = { method: "pcgrad", seed: 1, lossWeighting: "gls" };
 * const run = createSurgery(options);
 * const update = run.surgery([Float32Array.of(1, 0), Float32Array.of(-1, 1)], { losses: [1, 4] });
 * // GLS: w_t = (Π L)^{1/T} / (T L_t) = (1, 0.25); PCGrad then projects the weighted gradients
 * assert.deepEqual(Array.from(update), [0.5, 0.75]);
 * ```
 */
export interface CreateSurgeryOptions extends Omit<SurgeryOptions, "out" | "losses" | "batches"> {
  /**
   * A loss weighting (`"gls"`, `{ name: "famo", lr: 0.01 }`…): each step its weights, from the
   * call's `losses` (and `epoch`), scale the task gradients before the method. GradNorm's norms are
   * those of the gradients given; FAMO learns from `lossWeighting.update(lossesAfter)`.
   */
  lossWeighting?: LossWeightingSpec;
}

/**
 * Gradient surgery on one step: returns the combined update of T task gradients.
 *
 * With the default `method: "pcgrad"` this is PCGrad (Yu et al. 2020, Algorithm 1): each task's
 * gradient is projected onto the normal plane of every original task gradient it conflicts with
 * (negative dot product), visiting the others in a seeded random order per task, and the projected
 * gradients are summed. Pure: the same inputs and seed give bitwise the same output; inputs are
 * never mutated. For a training loop use {@linkcode createSurgery}, whose random stream advances.
 *
 * @example Two conflicting task gradients
 * ```ts
 * import { surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * // g1 + g2/2 and g2 + g1, summed (Algorithm 1 worked by hand)
 * assert.deepEqual(Array.from(update), [0.5, 1.5]);
 * ```
 */
export function surgery(
  grads: readonly Float32Array[],
  options?: SurgeryOptions,
): Float32Array {
  const action = "run surgery";
  const resolved = resolveOptions(options, action, ["out", "losses", "groups", "batches"], {
    lossWeighting: "a loss weighting learns across steps: createSurgery({ lossWeighting })",
  });
  const bounds = validateGroupBounds(options?.groups, action);
  const step = new StepState(resolved.seed);
  return runMaybeGrouped(
    grads,
    bounds,
    resolved,
    options?.out,
    step,
    action,
    options?.losses,
    options?.batches,
  ).out;
}

/**
 * A stateful surgery: keeps the seeded stream and the methods' state (GradVac's targets,
 * Nash-MTL's α) across steps, and the last step's stats.
 *
 * @example Checkpoint and resume bit for bit
 * ```ts
 * import { createSurgery, type Surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [
 *   new Float32Array([1, 0, 2]),
 *   new Float32Array([-1, 1, 0]),
 *   new Float32Array([0, -1, -1]),
 * ];
 * const run: Surgery = createSurgery({ seed: 1 });
 * run.surgery(grads);
 * const checkpoint = JSON.stringify(run.getState());
 * const next = run.surgery(grads);
 *
 * const resumed = createSurgery({ seed: 1 });
 * resumed.setState(checkpoint);
 * assert.deepEqual(resumed.surgery(grads), next);
 * assert.equal(resumed.stats?.kernel, run.stats?.kernel);
 * ```
 *
 * @example The split phase of a grouped surgery: one Gramian and weights call per group
 * ```ts
 * import { accumulateGram, combineBlock, createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const groups = [0, 2, 3];
 * const grads = [new Float32Array([1, 0, 2]), new Float32Array([-1, 1, 1])];
 * const split = createSurgery({ method: "gradvac", groups, seed: 1 });
 * const out = new Float32Array(3);
 * for (let g = 0; g + 1 < groups.length; g++) {
 *   const block = grads.map((r) => r.subarray(groups[g], groups[g + 1]));
 *   const weights = split.weights(accumulateGram(block), { group: g });
 *   combineBlock(block, weights, out.subarray(groups[g], groups[g + 1]));
 * }
 * const whole = createSurgery({ method: "gradvac", groups, seed: 1 }).surgery(grads);
 * assert.deepEqual(out, whole);
 * ```
 */
export interface Surgery {
  /** Same contract as {@linkcode surgery} with the options given at creation. */
  surgery(grads: readonly Float32Array[], options?: CallOptions): Float32Array;
  /**
   * The weights step alone, for callers that run the split phase themselves
   * (see {@linkcode accumulateGram}): advances the stream and sets `stats` like `surgery`.
   * Not for "graddrop", which is elementwise, nor for the methods that need more than the
   * Gramian ("db-mtl", "excess-mtl", "moco", "sdmgrad", "modo"). With `groups` set at creation,
   * `group` (required) names the block whose Gramian `gram` is: its own method state is used, and
   * calling the groups in order 0, 1, … each step draws from the stream as `surgery` does
   * (docs/api.md "Grouped surgery").
   */
  weights(
    gram: Float64Array,
    options?: { losses?: readonly number[]; epoch?: number; group?: number },
  ): Float64Array;
  /**
   * The loss weighting of the `lossWeighting` option (null without one): its state, and FAMO's
   * `update(lossesAfter)` after each step.
   */
  readonly lossWeighting: LossWeighting | null;
  /** Diagnostics of the last call; null before the first. */
  readonly stats: SurgeryStats | null;
  /** Restarts the stream from the seed, forgets the methods' state and clears the stats. */
  reset(): void;
  /**
   * The stream and the methods' state as plain JSON data, for a checkpoint: after
   * `setState(getState())` (or across processes, through `JSON.stringify`), the following steps
   * are bitwise the same as without the interruption.
   */
  getState(): SurgeryState;
  /** Restores a state from {@linkcode Surgery.getState} (the object or its JSON text). */
  setState(state: SurgeryState | string): void;
}

/**
 * Creates a stateful surgery for a training loop: each call draws fresh task orders from one
 * seeded stream, so a run is reproducible from its seed, and `.stats` tells what happened.
 *
 * @example A plain training loop
 * ```ts
 * import { createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const params = new Float32Array([0.5, -3]);
 * const pcgrad = createSurgery({ seed: 42 });
 * for (let step = 0; step < 3; step++) {
 *   const g1 = new Float32Array([params[0] - 1, params[1]]); // ∇ of ½‖θ − (1, 0)‖²
 *   const g2 = new Float32Array([params[0] + 1, params[1]]); // ∇ of ½‖θ − (−1, 0)‖²
 *   const update = pcgrad.surgery([g1, g2]);
 *   for (let k = 0; k < params.length; k++) params[k] -= 0.1 * update[k];
 * }
 * assert.equal(pcgrad.stats?.weights.length, 2);
 * ```
 */
export function createSurgery(options?: CreateSurgeryOptions): Surgery {
  let weighting: LossWeighting | null = null;
  if (options !== null && typeof options === "object" && "lossWeighting" in options) {
    const { lossWeighting, ...rest } = options;
    if (lossWeighting !== undefined) weighting = createLossWeighting(lossWeighting);
    options = rest;
  }
  const resolved = resolveOptions(options, "create surgery", ["groups"], {
    out: "pass it to each call: .surgery(grads, { out })",
    losses: "pass it to each call: .surgery(grads, { losses }) or .weights(gram, { losses })",
    batches: "pass them to each call: .surgery(grads, { batches })",
  });
  const bounds = validateGroupBounds(options?.groups, "create surgery");
  const hints = creationHints("createSurgery", ["groups"]);
  const stepper = new Stepper(resolved);
  return {
    surgery(grads, call) {
      const action = "run surgery";
      checkKeys(call, ["out", "losses", "epoch", "batches"], action, hints);
      if (weighting === null) {
        if (call?.epoch !== undefined) throw epochWithoutWeighting(action);
        return stepper.run((state) =>
          runMaybeGrouped(
            grads,
            bounds,
            resolved,
            call?.out,
            state,
            action,
            call?.losses,
            call?.batches,
          )
        ).out;
      }
      const lw = weighting;
      const { rows, out: target } = validateStepInputs(grads, call?.out, action);
      const losses = requireLosses(lw, call?.losses, action, ".surgery(grads, { losses })");
      return step(lw, () => {
        const w = lw.weights(losses, weighingContext(lw, call?.epoch, () => rowNorms(rows)));
        return stepper.run((state) =>
          runMaybeGroupedOnRows(
            scaleRows(rows, w),
            bounds,
            resolved,
            target,
            state,
            action,
            weightedLosses(w, losses),
            scaleBatches(call?.batches, w),
          )
        ).out;
      });
    },
    weights(gram, call) {
      const action = "compute weights";
      checkKeys(call, ["losses", "epoch", "group"], action, {
        ...hints,
        out: "weights() returns the weights; combineBlock(block, weights, out) writes an update",
      });
      const T = validateGram(gram, action);
      const group = checkGroupIndex(call?.group, bounds, action);
      const stateOf = (state: StepState) =>
        group === undefined ? state : state.forGroup(String(group));
      if (weighting === null) {
        if (call?.epoch !== undefined) throw epochWithoutWeighting(action);
        return stepper.run((state) =>
          weightsPass(gram, T, resolved, stateOf(state), action, call?.losses)
        ).weights;
      }
      const lw = weighting;
      const losses = requireLosses(lw, call?.losses, action, ".weights(gram, { losses })");
      return step(lw, () => {
        const norms = () => Array.from({ length: T }, (_, t) => Math.sqrt(gram[t * T + t]));
        const w = lw.weights(losses, weighingContext(lw, call?.epoch, norms));
        const scaled = scaleGram(gram, T, w);
        const result = stepper.run((state) =>
          weightsPass(scaled, T, resolved, stateOf(state), action, weightedLosses(w, losses))
        );
        return result.weights.map((x, t) => x * w[t]);
      });
    },
    lossWeighting: weighting,
    get stats() {
      return stepper.stats;
    },
    reset: () => {
      stepper.reset();
      weighting?.reset();
    },
    getState: () => saveWithLossWeighting(stepper, weighting),
    setState: (state) =>
      restoreWithLossWeighting(stepper, weighting, state, "restore the surgery state"),
  };
}

/** `epoch` is for a loss weighting: given without one, it would be silently ignored. */
function epochWithoutWeighting(action: string): RangeError {
  return new RangeError(
    `Cannot ${action}: option "epoch" is for a loss weighting; set one when creating: ` +
      `createSurgery({ lossWeighting })`,
  );
}

/** Runs a step that weighs the losses; the scheme learns nothing from a step that fails. */
function step<R>(weighting: LossWeighting, run: () => R): R {
  const saved = weighting.getState();
  try {
    return run();
  } catch (error) {
    weighting.setState(saved);
    throw error;
  }
}

/**
 * The `group` of a weights call: required (an integer index of a block) when the surgery has
 * groups, refused when it has none.
 */
function checkGroupIndex(
  group: unknown,
  bounds: readonly number[] | undefined,
  action: string,
): number | undefined {
  if (bounds === undefined) {
    if (group === undefined) return undefined;
    throw new RangeError(
      `Cannot ${action}: group applies to a surgery created with groups, found group ${
        describe(group)
      } without groups`,
    );
  }
  const count = bounds.length - 1;
  if (group === undefined) {
    throw new RangeError(
      `Cannot ${action}: this surgery has ${count} groups; say which block the Gramian is: ` +
        `.weights(gram, { group })`,
    );
  }
  return integerIn(group, "group", 0, count - 1, action);
}
