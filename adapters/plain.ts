/**
 * The plain-array adapter: task gradients as Float32Arrays, one per task, for training loops in
 * any engine. Only shared parameters belong in these arrays: PCGrad leaves task-specific
 * parameters alone (Yu et al., Appendix C), so give each head its own task's gradient directly.
 * @module
 */

import { StepState, type SurgeryState } from "../state/step_state.ts";
import { Stepper } from "../state/stepper.ts";
import type { SurgeryStats } from "../stats/diagnostics.ts";
import { runSurgery, weightsPass } from "../surgery.ts";
import { validateGram } from "../validate/gram.ts";
import { checkKeys } from "../validate/keys.ts";
import { creationHints, resolveOptions } from "../methods/options.ts";
import type { WeightOptions } from "../vocabulary/options.ts";

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
  /** The step's task losses (T finite numbers): MGDA's loss normalisation, DB-MTL, MoCo. */
  losses?: readonly number[];
  /** Two more independent gradient batches [gradsA, gradsB] ("sdmgrad", "modo"). */
  batches?: readonly (readonly Float32Array[])[];
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
  const resolved = resolveOptions(options, "run surgery", ["out", "losses", "batches"]);
  const step = new StepState(resolved.seed);
  return runSurgery(
    grads,
    resolved,
    options?.out,
    step,
    "run surgery",
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
 */
export interface Surgery {
  /** Same contract as {@linkcode surgery} with the options given at creation. */
  surgery(grads: readonly Float32Array[], options?: CallOptions): Float32Array;
  /**
   * The weights step alone, for callers that run the split phase themselves
   * (see {@linkcode accumulateGram}): advances the stream and sets `stats` like `surgery`.
   * Not for "graddrop", which is elementwise, nor for the methods that need more than the
   * Gramian ("db-mtl", "excess-mtl", "moco", "sdmgrad", "modo").
   */
  weights(gram: Float64Array, options?: { losses?: readonly number[] }): Float64Array;
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
export function createSurgery(
  options?: Omit<SurgeryOptions, "out" | "losses" | "batches">,
): Surgery {
  const resolved = resolveOptions(options, "create surgery", [], {
    out: "pass it to each call: .surgery(grads, { out })",
    losses: "pass it to each call: .surgery(grads, { losses }) or .weights(gram, { losses })",
    batches: "pass them to each call: .surgery(grads, { batches })",
  });
  const hints = creationHints("createSurgery");
  const stepper = new Stepper(resolved);
  return {
    surgery(grads, call) {
      checkKeys(call, ["out", "losses", "batches"], "run surgery", hints);
      return stepper.run((state) =>
        runSurgery(grads, resolved, call?.out, state, "run surgery", call?.losses, call?.batches)
      ).out;
    },
    weights(gram, call) {
      const action = "compute weights";
      checkKeys(call, ["losses"], action, {
        ...hints,
        out: "weights() returns the weights; combineBlock(block, weights, out) writes an update",
      });
      const T = validateGram(gram, action);
      return stepper.run((state) => weightsPass(gram, T, resolved, state, action, call?.losses))
        .weights;
    },
    get stats() {
      return stepper.stats;
    },
    reset: () => stepper.reset(),
    getState: () => stepper.getState(),
    setState: (state) => stepper.setState(state),
  };
}
