/**
 * What persists across the steps of one stateful surgery (DESIGN.md "Pure functions, explicit
 * state"): the seeded stream and each method's own state, keyed by method name, never by position.
 * @module
 */

import { Prng } from "./prng.ts";

/** The stream and the per-method states of one `createSurgery` object. */
export class StepState {
  /** The seeded stream (task orders, random weights…). */
  rng: Prng;
  /** Each stateful method's state, keyed by method name. */
  methods: Record<string, unknown> = {};

  /** A fresh state: the stream seeded, no method state. */
  constructor(seed: number) {
    this.rng = new Prng(seed);
  }
}
