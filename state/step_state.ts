/**
 * What persists across the steps of one stateful surgery (docs/architecture.md,
 * state): the seeded stream and each method's own state, keyed by method name, never by position;
 * saved and restored as plain JSON for checkpoints.
 * @module
 */

import { Prng } from "../random/prng.ts";
import { savedStateOf } from "../validate/saved_state.ts";
import { restoreMethodState, saveMethodState } from "./method_state.ts";
import type { LossWeightingState } from "../methods/loss_weighting/create.ts";

/**
 * Tag of the saved-state format.
 *
 * @example Recognising a saved state
 * ```ts
 * import { createSurgery, STATE_FORMAT } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const state = createSurgery({ seed: 2 }).getState();
 * assert.equal(state.format, STATE_FORMAT);
 * ```
 */
export const STATE_FORMAT = "gradient-surgery-state/1";

/**
 * A saved state: plain JSON data (`JSON.stringify` it for a checkpoint).
 *
 * @example A state is plain JSON
 * ```ts
 * import { createSurgery, type SurgeryState } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const gradvac = createSurgery({ method: "gradvac", seed: 4 });
 * gradvac.surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * const state: SurgeryState = JSON.parse(JSON.stringify(gradvac.getState()));
 * assert.equal(state.rng.length, 4);
 * assert.ok("gradvac" in state.methods); // keyed by method name
 * ```
 */
export interface SurgeryState {
  /** Always "gradient-surgery-state/1". */
  format: typeof STATE_FORMAT;
  /** The random stream's four 32-bit words (xoshiro128**). */
  rng: number[];
  /**
   * Each stateful method's state, keyed by method name (GradVac targets, Nash-MTL's α…). The
   * methods that keep T×d float32 rows (DB-MTL, ExcessMTL, MoCo) save each row as base64 of its
   * little-endian bytes: exact, about 5.3 characters per value.
   */
  methods: Record<string, unknown>;
  /** The loss weighting's state, where the surgery owns one (`SurgeryOptimizer`'s `lossWeighting`). */
  lossWeighting?: LossWeightingState;
  /**
   * Grouped surgery only (option `groups`): each group's method states, keyed by group (its
   * index "0", "1"… for boundaries, its name for tf.js groups), each keyed by method name as
   * `methods`. Absent without groups, so an ungrouped state is unchanged.
   */
  groups?: Record<string, Record<string, unknown>>;
}

/** The stream and the per-method states of one stateful surgery (state/stepper.ts keeps it). */
export class StepState {
  /** The seeded stream (task orders, random weights, GradDrop's keys…). */
  rng: Prng;
  /** Each stateful method's state, keyed by method name. */
  methods: Record<string, unknown> = {};
  /** Each group's method states (grouped surgery), keyed by group; undefined when ungrouped. */
  groups: Record<string, Record<string, unknown>> | undefined = undefined;

  /** A fresh state: the stream seeded, no method state. */
  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  /**
   * The state one group's step runs on: this stream (shared: the groups draw from it one after
   * another, in group order) and that group's own method states.
   */
  forGroup(key: string): StepState {
    const view = new StepState(0);
    view.rng = this.rng;
    const groups = this.groups ??= {};
    view.methods = Object.hasOwn(groups, key) ? groups[key] : (groups[key] = {});
    return view;
  }

  /** A deep copy as plain JSON data. */
  save(): SurgeryState {
    const saved: SurgeryState = {
      format: STATE_FORMAT,
      rng: this.rng.getState(),
      methods: Object.fromEntries(
        Object.entries(this.methods).map(([name, state]) => [name, saveMethodState(name, state)]),
      ),
    };
    if (this.groups !== undefined) saved.groups = JSON.parse(JSON.stringify(this.groups));
    return saved;
  }

  /**
   * Replaces this state by a saved one (an object or its JSON text), all or nothing: each method's
   * entry is checked by that method (state/method_state.ts); errors name what is wrong.
   */
  restore(saved: unknown, action: string): void {
    const s = savedStateOf<SurgeryState>(saved, STATE_FORMAT, action);
    if (!Array.isArray(s.rng) || s.methods === null || typeof s.methods !== "object") {
      throw new TypeError(
        `Cannot ${action}: the state needs rng (4 numbers) and methods (an object)`,
      );
    }
    const rng = new Prng(0);
    try {
      rng.setState(s.rng);
    } catch (error) {
      throw new RangeError(`Cannot ${action}: ${(error as Error).message}`);
    }
    const restoreAll = (entries: object) => {
      const methods: Record<string, unknown> = {};
      for (const [name, json] of Object.entries(entries)) {
        methods[name] = restoreMethodState(name, json, action);
      }
      return methods;
    };
    const methods = restoreAll(s.methods);
    let groups: Record<string, Record<string, unknown>> | undefined;
    if (s.groups !== undefined) {
      if (s.groups === null || typeof s.groups !== "object" || Array.isArray(s.groups)) {
        throw new TypeError(
          `Cannot ${action}: the state's groups must be an object of method states per group`,
        );
      }
      groups = {};
      for (const [key, entries] of Object.entries(s.groups)) {
        if (entries === null || typeof entries !== "object" || Array.isArray(entries)) {
          throw new TypeError(
            `Cannot ${action}: the state of group "${key}" must be an object of method states`,
          );
        }
        groups[key] = restoreAll(entries);
      }
    }
    this.rng = rng;
    this.methods = methods;
    this.groups = groups;
  }
}
