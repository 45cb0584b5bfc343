/**
 * Smooth Tchebycheff scalarisation, STCH (Lin, Zhang, Yang, Liu, Wang & Zhang, "Smooth
 * Tchebycheff Scalarization for Multi-Objective Optimization", ICML 2024, with the
 * log-normalised losses of its multi-task experiments), framework-free:
 *
 *   loss = μ·T·log Σ_t exp(l_t/μ),  l_t = log(L_t/z_t + 1e-20),
 *
 * a smooth maximum of the log-losses relative to a nadir point z (μ → 0 is the Tchebycheff max;
 * the factor T and the shift by max_t l_t are LibMTL's and do not change the minimiser). Its
 * gradient is Σ_t λ_t ∇L_t with the loss weights λ_t = T·p_t / (L_t + 1e-20·z_t),
 * p = softmax(l/μ): the task furthest above its nadir gets almost all the weight as μ → 0.
 *
 * Warm-up (LibMTL, from the official Xi-L/STCH code): during epochs 0 … warmupEpochs − 1 the
 * network minimises Σ_t log(L_t + 1e-20) (λ_t = 1/(L_t + 1e-20)); during epoch warmupEpochs it
 * does the same and averages the step losses, which become the nadir z from the next epoch on.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/STCH.py at commit
 * ea8b8b7e9eec911275a25d557641efcbe41d9e9c); defaults μ = 1 (`STCH_mu`), warmupEpochs = 4
 * (`STCH_warmup_epoch`). Epochs are the caller's (0-based, as LibMTL's `self.epoch`).
 * @module
 */

import { checkNumbers, checkScalar } from "./_checks.ts";
import { softmax } from "./famo.ts";

/** LibMTL's defaults. */
export const STCH_DEFAULTS = { mu: 1, warmupEpochs: 4 } as const;

/** Added inside the logs (LibMTL and the official code). */
const LOG_EPSILON = 1e-20;

/**
 * STCH's state (plain JSON data): the nadir point once known, else the running sum.
 *
 * @example No nadir before the warm-up ends
 * ```ts
 * import { stchInitialState, type StchState } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const state: StchState = stchInitialState(2);
 * assert.equal(state.nadir, null);
 * ```
 */
export interface StchState {
  /** Σ of the step losses seen during epoch `warmupEpochs`. */
  lossSum: number[];
  /** How many steps were summed. */
  count: number;
  /** The nadir point z (their mean), fixed at the first step after that epoch. */
  nadir: number[] | null;
}

/**
 * STCH's options.
 *
 * @example No warm-up
 * ```ts
 * import { stchInitialState, type StchOptions, stchStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: StchOptions = { mu: 0.5, warmupEpochs: 0 };
 * const { weights } = stchStep(stchInitialState(2), [1, 2], 0, options);
 * assert.equal(weights.length, 2);
 * ```
 */
export interface StchOptions {
  /** Smoothing μ (> 0; LibMTL 1). */
  mu?: number;
  /** Epochs of log-loss warm-up before the nadir epoch (whole number ≥ 0; LibMTL 4). */
  warmupEpochs?: number;
}

/**
 * One step's weights and the state to keep.
 *
 * @example The state to keep
 * ```ts
 * import { stchInitialState, type StchResult, stchStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r: StchResult = stchStep(stchInitialState(2), [1, 2], 0);
 * assert.equal(r.state.count, 0); // epoch 0 is warm-up: no sum yet
 * ```
 */
export interface StchResult {
  /** λ_t: back-propagate Σ_t λ_t L_t (weights held constant) for the step's gradient. */
  weights: number[];
  /** The scalarised loss whose gradient that is (for logging). */
  loss: number;
  /** The state for the next step. */
  state: StchState;
}

/**
 * The state before the first step.
 *
 * @example Nothing summed yet
 * ```ts
 * import { stchInitialState } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(stchInitialState(2), { lossSum: [0, 0], count: 0, nadir: null });
 * ```
 */
export function stchInitialState(T: number): StchState {
  return { lossSum: new Array<number>(T).fill(0), count: 0, nadir: null };
}

/**
 * STCH's loss weights for this step's losses (≥ 0) in epoch `epoch` (0-based).
 *
 * @example Warm-up, then the smooth Tchebycheff weights
 * ```ts
 * import { stchInitialState, stchStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * let state = stchInitialState(2);
 * const options = { warmupEpochs: 0 };
 * ({ state } = stchStep(state, [2, 4], 0, options)); // epoch 0: the nadir epoch
 * const { weights } = stchStep(state, [4, 4], 1, options); // task 0 is 2× its nadir, task 1 1×
 * assert.ok(weights[0] > weights[1]);
 * ```
 */
export function stchStep(
  state: StchState,
  losses: readonly number[],
  epoch: number,
  options: StchOptions = {},
  action = "compute STCH weights",
): StchResult {
  const T = losses.length;
  const mu = checkScalar(options.mu ?? STCH_DEFAULTS.mu, "mu", 0, true, action);
  const warmup = options.warmupEpochs ?? STCH_DEFAULTS.warmupEpochs;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(
      `Cannot ${action}: warmupEpochs must be a whole number ≥ 0, found ${String(warmup)}`,
    );
  }
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`Cannot ${action}: epoch must be a whole number ≥ 0, found ${epoch}`);
  }
  checkNumbers(losses, "losses", T, 0, false, action);
  checkNumbers(state.lossSum, "state.lossSum", T, 0, false, action);
  if (state.nadir !== null) checkNumbers(state.nadir, "state.nadir", T, 0, true, action);
  if (epoch <= warmup) {
    const weights = losses.map((l) => 1 / (l + LOG_EPSILON));
    const loss = losses.reduce((s, l) => s + Math.log(l + LOG_EPSILON), 0);
    if (epoch < warmup) return { weights, loss, state: copy(state) };
    return {
      weights,
      loss,
      state: {
        lossSum: state.lossSum.map((s, t) => s + losses[t]),
        count: state.count + 1,
        nadir: state.nadir === null ? null : state.nadir.slice(),
      },
    };
  }
  let nadir = state.nadir;
  if (nadir === null) {
    if (!(state.count > 0) || state.lossSum.some((s) => !(s > 0))) {
      throw new RangeError(
        `Cannot ${action}: the nadir point is the mean loss of epoch ${warmup}, which has ${
          state.count === 0 ? "no steps" : `a zero mean loss ${JSON.stringify(state.lossSum)}`
        }`,
      );
    }
    nadir = state.lossSum.map((s) => s / state.count);
  }
  const z = nadir;
  const l = losses.map((x, t) => Math.log(x / z[t] + LOG_EPSILON));
  const max = Math.max(...l);
  const p = softmax(l.map((x) => x / mu));
  const loss = mu * T * Math.log(l.reduce((s, x) => s + Math.exp((x - max) / mu), 0));
  return {
    weights: p.map((pt, t) => (T * pt) / (losses[t] + LOG_EPSILON * z[t])),
    loss,
    state: { lossSum: state.lossSum.slice(), count: state.count, nadir: z.slice() },
  };
}

function copy(state: StchState): StchState {
  return {
    lossSum: state.lossSum.slice(),
    count: state.count,
    nadir: state.nadir === null ? null : state.nadir.slice(),
  };
}
