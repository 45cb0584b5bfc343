/**
 * The stateful loss weighting (`createLossWeighting`): any scheme of the registry behind one
 * object that weighs a step's losses, learns where the scheme learns, and saves and restores its
 * state as plain JSON, as the surgery's own state does (state/step_state.ts).
 * @module
 */

import { checkKeys } from "../../validate/keys.ts";
import { savedStateOf } from "../../validate/saved_state.ts";
import { describe } from "../../validate/grads.ts";
import {
  LOSS_WEIGHTINGS,
  type LossWeightingName,
  type LossWeightingOptions,
  type LossWeightingSpec,
} from "../../vocabulary/loss_weightings.ts";
import { checkNumbers } from "./_checks.ts";
import { LOSS_WEIGHTING_REGISTRY } from "./definitions.ts";
import type { LossWeightingContext, LossWeightingNeeds } from "./types.ts";

/**
 * Tag of a saved loss-weighting state.
 *
 * @example Recognising a saved state
 * ```ts
 * import { createLossWeighting, LOSS_WEIGHTING_STATE_FORMAT } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(createLossWeighting("famo").getState().format, LOSS_WEIGHTING_STATE_FORMAT);
 * ```
 */
export const LOSS_WEIGHTING_STATE_FORMAT = "gradient-surgery-loss-weighting/1";

/**
 * A saved loss-weighting state: plain JSON data (`JSON.stringify` it for a checkpoint).
 *
 * @example The state names its scheme and task count
 * ```ts
 * import { createLossWeighting, type LossWeightingState } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const uw = createLossWeighting("uncertainty");
 * uw.weights([1, 2]);
 * const state: LossWeightingState = JSON.parse(JSON.stringify(uw.getState()));
 * assert.equal(state.name, "uncertainty");
 * assert.equal(state.tasks, 2);
 * ```
 */
export interface LossWeightingState {
  /** Always "gradient-surgery-loss-weighting/1". */
  format: typeof LOSS_WEIGHTING_STATE_FORMAT;
  /** The scheme the state belongs to. */
  name: LossWeightingName;
  /** The task count, fixed by the first step; null before it. */
  tasks: number | null;
  /** The scheme's own state (its learnt parameters, histories…); null before the first step. */
  state: unknown;
}

/**
 * A stateful loss weighting: each step, `weights(losses)` gives the task losses' weights
 * (back-propagate Σ_t w_t L_t, or scale task t's gradient by w_t) and learns what the scheme
 * learns from those losses; FAMO also learns from the same batch's losses after the step,
 * `update(lossesAfter)`.
 *
 * @example FAMO's step: weights before, update after
 * ```ts
 * import { createLossWeighting } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const famo = createLossWeighting("famo");
 * assert.deepEqual(famo.needs, { epoch: false, gradNorms: false, afterStep: true });
 * const w = famo.weights([1, 4]); // z = (½, ½): w ∝ z/L
 * assert.ok(Math.abs(w[0] - 0.8) < 1e-8 && Math.abs(w[1] - 0.2) < 1e-8);
 * famo.update([0.5, 3.9]); // task 0 improved more: it loses weight
 * const next = famo.weights([1, 4]);
 * assert.ok(next[0] < w[0]);
 * ```
 */
export interface LossWeighting {
  /** The scheme. */
  readonly name: LossWeightingName;
  /** Its options, defaults filled in. */
  readonly options: Readonly<Record<string, unknown>>;
  /** What `weights` needs besides the losses, and whether `update` is part of a step. */
  readonly needs: Readonly<LossWeightingNeeds>;
  /**
   * This step's loss weights for the T task losses (finite, ≥ 0; the same T every step), from the
   * state so far; then the state learns from these losses (the weights are those before it does,
   * as in joint training). `context` gives the epoch (DWA, STCH) or the gradient norms (GradNorm).
   */
  weights(losses: readonly number[], context?: LossWeightingContext): number[];
  /** FAMO only: learns from the same batch's losses after the step that used `weights`. */
  update(lossesAfter: readonly number[]): void;
  /** The state as plain JSON data (a deep copy); restoring it resumes bit for bit. */
  getState(): LossWeightingState;
  /** Restores a state from {@linkcode LossWeighting.getState} (object or JSON text), all or nothing. */
  setState(state: LossWeightingState | string): void;
  /** Forgets everything learnt: back to the state before the first step. */
  reset(): void;
}

const CREATE = "create a loss weighting";
const WEIGH = "compute loss weights";
const UPDATE = "update the loss weighting";
/** The action named by a restore's errors. */
export const RESTORE_LOSS_WEIGHTING = "restore the loss weighting state";

function resolve(
  spec: unknown,
  options: unknown,
): { name: LossWeightingName; options: Record<string, unknown> } {
  let name: unknown = spec;
  let given: unknown = options;
  if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    if (options !== undefined) {
      throw new TypeError(
        `Cannot ${CREATE}: give the options either in the spec ({ name, ...options }) or as the ` +
          `second argument, not both`,
      );
    }
    const { name: n, ...rest } = spec as { name?: unknown };
    name = n;
    given = rest;
  }
  if (!(LOSS_WEIGHTINGS as readonly unknown[]).includes(name)) {
    throw new RangeError(
      `Cannot ${CREATE}: name must be one of ${
        LOSS_WEIGHTINGS.map((n) => `"${n}"`).join(", ")
      }, found ${describe(name)}`,
    );
  }
  const definition = LOSS_WEIGHTING_REGISTRY[name as LossWeightingName];
  const numeric = definition.numberOptions;
  const keys = [...Object.keys(numeric), ...(definition.otherOptionKeys ?? [])];
  checkKeys(given, keys, `${CREATE} "${name}"`);
  const raw = (given ?? {}) as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(numeric)) {
    const value = raw[key] ?? spec.default;
    const inRange = typeof value === "number" && Number.isFinite(value) &&
      (spec.strict ? value > spec.min : value >= spec.min) &&
      (!spec.integer || Number.isInteger(value));
    if (!inRange) {
      const what = spec.integer ? "a whole number" : "a finite number";
      const range = spec.min === -Infinity ? "" : ` ${spec.strict ? ">" : "≥"} ${spec.min}`;
      throw new RangeError(
        `Cannot ${CREATE}: "${name}" option ${key} must be ${what}${range}, found ${
          typeof value === "number" ? value : describe(value)
        }`,
      );
    }
    resolved[key] = value;
  }
  Object.assign(resolved, definition.otherOptions?.(raw, CREATE));
  return { name: name as LossWeightingName, options: resolved };
}

/**
 * Creates a stateful loss weighting (docs/methods.md "Loss weightings"): `name` with its options
 * (each has a default), or one spec `{ name, ...options }`. Feed each step's task losses to
 * `weights`, weigh the losses (or the task gradients) by the result, and, for FAMO, hand the same
 * batch's losses after the step to `update`.
 *
 * @example Uncertainty weighting in a plain training loop
 * ```ts
 * import { createLossWeighting, surgery } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const uw = createLossWeighting("uncertainty", { lr: 0.01 });
 * const theta = new Float32Array([2, -1]);
 * for (let step = 0; step < 3; step++) {
 *   const losses = [theta[0] ** 2, 10 * theta[1] ** 2]; // two tasks, different scales
 *   const w = uw.weights(losses); // c·e^{−s}: ½e^{0.5} at the first step
 *   const grads = [
 *     new Float32Array([w[0] * 2 * theta[0], 0]), // w_t ∇L_t
 *     new Float32Array([0, w[1] * 20 * theta[1]]),
 *   ];
 *   const update = surgery(grads, { method: "sum" });
 *   for (let k = 0; k < 2; k++) theta[k] -= 0.05 * update[k];
 * }
 * assert.ok(Math.abs(theta[0]) < 2 && Math.abs(theta[1]) < 1);
 * ```
 */
export function createLossWeighting<N extends LossWeightingName>(
  spec: N | LossWeightingSpec,
  options?: LossWeightingOptions[N],
): LossWeighting {
  const resolved = resolve(spec, options);
  const { name } = resolved;
  const definition = LOSS_WEIGHTING_REGISTRY[name];
  const needs = Object.freeze({ ...definition.needs });
  const frozen = Object.freeze(resolved.options);
  let tasks: number | null = null;
  let state: unknown = null;

  const checkTasks = (values: unknown, what: string, action: string): number => {
    if (!Array.isArray(values) || values.length === 0) {
      throw new TypeError(
        `Cannot ${action}: ${what} must be an array of numbers, one per task, found ${
          describe(values)
        }`,
      );
    }
    const T = tasks ?? values.length;
    checkNumbers(values, what, T, 0, false, action);
    return T;
  };

  return {
    name,
    options: frozen,
    needs,
    weights(losses, context) {
      const T = checkTasks(losses, "losses", WEIGH);
      checkKeys(context, ["epoch", "gradNorms"], WEIGH);
      const epoch = context?.epoch;
      if (needs.epoch && (typeof epoch !== "number" || !Number.isInteger(epoch) || epoch < 0)) {
        throw new RangeError(
          `Cannot ${WEIGH}: "${name}" needs the epoch, a whole number ≥ 0 ({ epoch }), found ${
            typeof epoch === "number" ? epoch : describe(epoch)
          }`,
        );
      }
      if (needs.gradNorms) {
        if (context?.gradNorms === undefined) {
          throw new RangeError(
            `Cannot ${WEIGH}: "${name}" needs gradNorms, each task's gradient norm on the last ` +
              `shared layer ({ gradNorms }), found undefined`,
          );
        }
        checkNumbers(context.gradNorms, "gradNorms", T, 0, false, WEIGH);
      }
      const current = tasks === null ? definition.init(T, frozen, WEIGH) : state;
      const result = definition.weigh(current, losses, context ?? {}, frozen, WEIGH);
      tasks = T;
      state = result.state;
      return result.weights;
    },
    update(lossesAfter) {
      if (definition.update === undefined) {
        throw new RangeError(
          `Cannot ${UPDATE}: "${name}" learns nothing from the losses after the step (only ` +
            `"famo" does; see needs.afterStep)`,
        );
      }
      if (tasks === null) {
        throw new RangeError(
          `Cannot ${UPDATE}: "${name}" learns from the losses before and after one step; call ` +
            `weights(losses) before the step, then update(lossesAfter) once`,
        );
      }
      checkTasks(lossesAfter, "lossesAfter", UPDATE);
      state = definition.update(state, lossesAfter, frozen, UPDATE);
    },
    getState: () => ({
      format: LOSS_WEIGHTING_STATE_FORMAT,
      name,
      tasks,
      state: JSON.parse(JSON.stringify(state)),
    }),
    setState(saved) {
      const restored = restoreLossWeightingState(saved, name, RESTORE_LOSS_WEIGHTING);
      tasks = restored.tasks;
      state = restored.state;
    },
    reset() {
      tasks = null;
      state = null;
    },
  };
}

/**
 * Checks a saved loss-weighting state (object or JSON text) for scheme `name` and returns its task
 * count and the scheme's state; errors say `Cannot <action>: …` and name what is wrong.
 */
export function restoreLossWeightingState(
  saved: unknown,
  name: LossWeightingName,
  action: string,
): { tasks: number | null; state: unknown } {
  const s = savedStateOf<LossWeightingState>(saved, LOSS_WEIGHTING_STATE_FORMAT, action);
  if (s.name !== name) {
    throw new RangeError(
      `Cannot ${action}: the state is of loss weighting ${
        JSON.stringify(s.name)
      }, this one is "${name}"`,
    );
  }
  if (s.tasks === null) {
    if (s.state !== null) {
      throw new TypeError(
        `Cannot ${action}: a state before the first step (tasks null) holds null`,
      );
    }
    return { tasks: null, state: null };
  }
  if (typeof s.tasks !== "number" || !Number.isInteger(s.tasks) || s.tasks < 1) {
    throw new RangeError(
      `Cannot ${action}: tasks must be a whole number ≥ 1 or null, found ${describe(s.tasks)}`,
    );
  }
  const state = LOSS_WEIGHTING_REGISTRY[name].restore(s.state, s.tasks, action);
  return { tasks: s.tasks, state };
}
