/**
 * FAMO (Liu, Liang, Chen, Stone & Liu, "FAMO: Fast Adaptive Multitask Optimization", NeurIPS
 * 2023), framework-free. Per-task logits ξ (initially 0) give z = softmax(ξ); the
 * network descends Σ_t z_t log L̃_t, L̃_t = L_t + 1e-8, normalised by c = Σ_t z_t/L̃_t (held
 * constant), i.e. it back-propagates Σ_t λ_t L_t with the loss weights
 *
 *   λ_t = (z_t / L̃_t) / Σ_s (z_s / L̃_s)   (Σ λ = 1),
 *
 * so every task's log-loss falls at a rate set by z. After the network's step, the losses of the
 * same batch are evaluated again and the logits learn from the log-loss decrease
 * δ_t = log L̃_t(before) − log L̃_t(after): the gradient of ξ is J_softmaxᵀδ,
 * d_t = z_t (δ_t − Σ_s z_s δ_s), stepped by Adam with learning rate `lr` and the L2 weight decay
 * `gamma` (added to the gradient, as torch's Adam does). Tasks that improved most lose weight.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/FAMO.py at commit
 * 8bc760590d09fb3f48ef3b535efb66dcc750f5c9, after the official Cranial-XIX/FAMO code): defaults
 * lr = 0.025 (`FAMO_w_lr`), gamma = 1e-3 (`FAMO_w_gamma`), Adam β = (0.9, 0.999), ε = 1e-8; the
 * per-task loss floor (`min_losses`) is 0, as there. The trainer re-evaluates the same batch
 * after `optimizer.step()` and passes those losses to the update.
 * @module
 */

import { checkNumbers, checkScalar } from "./_checks.ts";

/** LibMTL's defaults. */
export const FAMO_DEFAULTS = { lr: 0.025, gamma: 1e-3 } as const;

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;
/** Added to each loss before its log (LibMTL and the official code). */
const LOSS_EPSILON = 1e-8;

/**
 * FAMO's state: the logits ξ and their Adam moments (plain JSON data).
 *
 * @example A state through JSON
 * ```ts
 * import { famoInitialState, type FamoState } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const state: FamoState = JSON.parse(JSON.stringify(famoInitialState(2)));
 * assert.deepEqual(state.logits, [0, 0]);
 * ```
 */
export interface FamoState {
  /** The logits ξ: z = softmax(ξ). */
  logits: number[];
  /** Adam's first moment. */
  m: number[];
  /** Adam's second moment. */
  v: number[];
  /** Adam steps taken. */
  step: number;
}

/**
 * FAMO's options.
 *
 * @example LibMTL's defaults, spelt out
 * ```ts
 * import type { FamoOptions } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: FamoOptions = { lr: 0.025, gamma: 1e-3 };
 * assert.equal(options.lr, 0.025);
 * ```
 */
export interface FamoOptions {
  /** Adam learning rate of the logits (> 0; LibMTL 0.025). */
  lr?: number;
  /** L2 weight decay of the logits (≥ 0; LibMTL 1e-3). */
  gamma?: number;
}

/**
 * The state before the first step: ξ = 0 (equal z), no Adam history.
 *
 * @example Equal logits
 * ```ts
 * import { famoInitialState } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const state = famoInitialState(3);
 * assert.deepEqual(state.logits, [0, 0, 0]);
 * assert.equal(state.step, 0);
 * ```
 */
export function famoInitialState(T: number): FamoState {
  return {
    logits: new Array<number>(T).fill(0),
    m: new Array<number>(T).fill(0),
    v: new Array<number>(T).fill(0),
    step: 0,
  };
}

/** z = softmax(ξ), shifted by max ξ so that it never overflows. */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

function checkState(state: FamoState, T: number, action: string): void {
  checkNumbers(state.logits, "state.logits", T, -Infinity, false, action);
  checkNumbers(state.m, "state.m", T, -Infinity, false, action);
  checkNumbers(state.v, "state.v", T, 0, false, action);
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new RangeError(
      `Cannot ${action}: state.step must be a whole number, found ${String(state.step)}`,
    );
  }
}

/**
 * The loss weights λ (Σ = 1) of this step's losses (≥ 0) under the current logits.
 *
 * @example Equal logits weigh by 1/L
 * ```ts
 * import { famoInitialState, famoLossWeights } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const w = famoLossWeights(famoInitialState(2), [1, 3]);
 * assert.ok(Math.abs(w[0] - 0.75) < 1e-6 && Math.abs(w[1] - 0.25) < 1e-6);
 * ```
 */
export function famoLossWeights(
  state: FamoState,
  losses: readonly number[],
  action = "compute FAMO weights",
): number[] {
  const T = state.logits.length;
  checkState(state, T, action);
  checkNumbers(losses, "losses", T, 0, false, action);
  const z = softmax(state.logits);
  const q = z.map((x, t) => x / (losses[t] + LOSS_EPSILON));
  const total = q.reduce((a, b) => a + b, 0);
  return q.map((x) => x / total);
}

/**
 * The gradient of the logits from the losses before the network's step and after it (same
 * batch): J_softmaxᵀ δ + gamma·ξ, for callers that step ξ with their own optimizer.
 */
export function famoLogitGradient(
  state: FamoState,
  before: readonly number[],
  after: readonly number[],
  gamma: number = FAMO_DEFAULTS.gamma,
  action = "update FAMO logits",
): number[] {
  const T = state.logits.length;
  checkScalar(gamma, "gamma", 0, false, action);
  checkState(state, T, action);
  checkNumbers(before, "before", T, 0, false, action);
  checkNumbers(after, "after", T, 0, false, action);
  const z = softmax(state.logits);
  const delta = before.map((l, t) =>
    Math.log(l + LOSS_EPSILON) - Math.log(after[t] + LOSS_EPSILON)
  );
  let mean = 0;
  for (let t = 0; t < T; t++) mean += z[t] * delta[t];
  return z.map((x, t) => x * (delta[t] - mean) + gamma * state.logits[t]);
}

/**
 * FAMO's update of the logits: one Adam step (torch's form) on {@linkcode famoLogitGradient}.
 * Returns a new state; the input is not changed.
 *
 * @example One FAMO step by hand
 * ```ts
 * import { famoInitialState, famoLossWeights, famoUpdate } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * let state = famoInitialState(2);
 * const before = [1, 4];
 * assert.ok(Math.abs(famoLossWeights(state, before)[0] - 0.8) < 1e-8); // ∝ z/L
 * // … the network steps on Σ λ_t L_t; the same batch's losses after it:
 * state = famoUpdate(state, before, [0.5, 3.9]);
 * assert.ok(state.logits[0] < state.logits[1]); // task 0 improved more: less weight
 * ```
 */
export function famoUpdate(
  state: FamoState,
  before: readonly number[],
  after: readonly number[],
  options: FamoOptions = {},
  action = "update FAMO logits",
): FamoState {
  const lr = checkScalar(options.lr ?? FAMO_DEFAULTS.lr, "lr", 0, true, action);
  const g = famoLogitGradient(state, before, after, options.gamma ?? FAMO_DEFAULTS.gamma, action);
  const step = state.step + 1;
  const c1 = 1 - BETA1 ** step;
  const c2 = 1 - BETA2 ** step;
  const m = g.map((x, t) => BETA1 * state.m[t] + (1 - BETA1) * x);
  const v = g.map((x, t) => BETA2 * state.v[t] + (1 - BETA2) * x * x);
  const logits = state.logits.map((x, t) =>
    x - (lr / c1) * m[t] / (Math.sqrt(v[t]) / Math.sqrt(c2) + ADAM_EPSILON)
  );
  return { logits, m, v, step };
}
