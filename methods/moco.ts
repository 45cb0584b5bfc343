/**
 * MoCo (Fernando, Shen, Liu, Chaudhury, Murugesan & Chen, "Mitigating Gradient Bias in
 * Multi-objective Learning: A Provably Convergent Approach", ICLR 2023): MGDA on
 * tracked gradients. At step k = 1, 2, …, with β_k = β/k^{σ_β} and γ_k = γ/k^{σ_γ}:
 *
 *   ĝ_t = L_t · g_t/(‖g_t‖ + 1e-8)              (each gradient rescaled to its loss),
 *   y_t ← y_t − β_k (y_t − ĝ_t)                 (tracking, y starts at 0),
 *   λ ← softmax(λ − γ_k (Y Yᵀ + ρI) λ)          (λ starts at 1/T),
 *   update = Σ_t λ_t y_t.
 *
 * The λ step is a function of the tracked rows' Gramian Y Yᵀ only ({@linkcode mocoWeights}); the
 * tracking is d-sized ({@linkcode mocoTrack}): the state is T float32 rows of length d (T·d·4
 * bytes) plus λ and k, and the update combines the rows y, not the step's gradients. The scales
 * L_t/(‖g_t‖ + 1e-8) come from the step's Gramian and losses ({@linkcode mocoGradientScales}).
 * Order within a step: scales from G, track with k = state.step + 1, Gramian of the new rows,
 * then {@linkcode mocoWeights}.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/MoCo.py at commit
 * 8b8f1d030377b14d9c29017e11e2586944a23d9b, from the authors' code): defaults β = 0.5
 * (`MoCo_beta`), σ_β = 0.5, γ = 0.1 (`MoCo_gamma`), σ_γ = 0.5, ρ = 0 (`MoCo_rho`). Its softmax
 * replaces the paper's projection onto the simplex, and is kept here. Zero tasks
 * (methods/solvers/tolerances.ts) get the scale 0 (their ĝ is 0 to 1e-10 of the largest, where
 * LibMTL multiplies them by L/1e-8).
 *
 * Claims: λ > 0 with Σλ = 1; y_t is a convex combination of 0 and past ĝ_t, so
 * ‖update‖ ≤ max_t ‖y_t‖ ≤ the largest loss seen. No claim on conflicts.
 * @module
 */

import { savedStep } from "./db_mtl.ts";
import { defineVectorMethod } from "./define.ts";
import { numberInRange } from "./option_kinds.ts";
import { restoreRows, saveRows } from "./saved_rows.ts";
import { mixRows, previousRows, rowGram } from "./tracked_gradients.ts";
import { nonZeroTasks } from "./solvers/tolerances.ts";

/** LibMTL's defaults. */
export const MOCO_DEFAULTS = {
  beta: 0.5,
  betaSigma: 0.5,
  gamma: 0.1,
  gammaSigma: 0.5,
  rho: 0,
} as const;

/** MoCo's options. */
export interface MocoOptions {
  /** Tracking rate β in (0, 1] (LibMTL 0.5). */
  beta?: number;
  /** Decay σ_β ≥ 0 of β, β_k = β/k^σ (LibMTL 0.5). */
  betaSigma?: number;
  /** Step γ ≥ 0 of λ (LibMTL 0.1). */
  gamma?: number;
  /** Decay σ_γ ≥ 0 of γ (LibMTL 0.5). */
  gammaSigma?: number;
  /** ℓ2 regularisation ρ ≥ 0 of λ's step (LibMTL 0). */
  rho?: number;
}

/** MoCo's T-sized state (plain JSON data); the tracked rows are kept apart. */
export interface MocoState {
  lambda: number[];
  /** Steps taken (k of the last step). */
  step: number;
}

/** Added to the norms (LibMTL). */
const EPSILON = 1e-8;

type Resolved = Required<MocoOptions>;

function resolve(options: MocoOptions, action: string): Resolved {
  const o = { ...MOCO_DEFAULTS, ...options };
  if (typeof o.beta !== "number" || !(o.beta > 0 && o.beta <= 1)) {
    throw new RangeError(`Cannot ${action}: beta must be a number in (0, 1], found ${o.beta}`);
  }
  for (const name of ["betaSigma", "gamma", "gammaSigma", "rho"] as const) {
    const v = o[name];
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`Cannot ${action}: ${name} must be a finite number ≥ 0, found ${v}`);
    }
  }
  return o;
}

/** The state before the first step: λ = 1/T. */
export function mocoInitialState(T: number): MocoState {
  return { lambda: new Array<number>(T).fill(1 / T), step: 0 };
}

/** s_t = L_t/(‖g_t‖ + 1e-8) with ‖g_t‖ = √G_tt (0 for zero tasks): ĝ_t = s_t g_t. */
export function mocoGradientScales(
  G: Float64Array,
  T: number,
  losses: readonly number[],
  action = "compute MoCo's gradient scales",
): Float64Array {
  if (!Array.isArray(losses) || losses.length !== T) {
    throw new RangeError(
      `Cannot ${action}: MoCo needs the ${T} task losses, found ${
        Array.isArray(losses) ? `${losses.length} losses` : String(losses)
      }`,
    );
  }
  const s = new Float64Array(T);
  for (const t of nonZeroTasks(G, T)) {
    const l = losses[t];
    if (typeof l !== "number" || !Number.isFinite(l)) {
      throw new RangeError(`Cannot ${action}: losses[${t}] must be a finite number, found ${l}`);
    }
    s[t] = l / (Math.sqrt(G[t * T + t]) + EPSILON);
  }
  return s;
}

/** The tracked rows after step k: y − β_k (y − s_t g_t) (`previous` null: zero rows). */
export function mocoTrack(
  previous: readonly Float32Array[] | null,
  grads: readonly Float32Array[],
  scales: ArrayLike<number>,
  step: number,
  options: MocoOptions = {},
  action = "track MoCo gradients",
): Float32Array[] {
  const { beta, betaSigma } = resolve(options, action);
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(`Cannot ${action}: step must be a whole number ≥ 1, found ${step}`);
  }
  return mixRows(previous, grads, 1 - beta / step ** betaSigma, scales, action);
}

/** λ ← softmax(λ − γ_k (Gy + ρI) λ) for the Gramian Gy = Y Yᵀ of the rows tracked at this step. */
export function mocoWeights(
  state: MocoState,
  Gy: Float64Array,
  T: number,
  options: MocoOptions = {},
  action = "compute MoCo weights",
): { weights: Float64Array; state: MocoState } {
  const { gamma, gammaSigma, rho } = resolve(options, action);
  const { lambda } = state;
  if (
    !Array.isArray(lambda) || lambda.length !== T ||
    lambda.some((x) => typeof x !== "number" || !Number.isFinite(x)) ||
    !Number.isInteger(state.step) || state.step < 0
  ) {
    throw new RangeError(
      `Cannot ${action}: the MoCo state must be { lambda: ${T} finite numbers, step: a whole number }, found ${
        JSON.stringify(state)
      }`,
    );
  }
  const k = state.step + 1;
  const rate = gamma / k ** gammaSigma;
  const z = lambda.map((l, i) => {
    let s = rho * l;
    for (let j = 0; j < T; j++) s += Gy[i * T + j] * lambda[j];
    return l - rate * s;
  });
  const max = Math.max(...z);
  const e = z.map((x) => Math.exp(x - max));
  const total = e.reduce((a, b) => a + b, 0);
  const next = e.map((x) => x / total);
  return { weights: Float64Array.from(next), state: { lambda: next, step: k } };
}

/** MoCo's state across steps: λ, k and the tracked gradients y (T×d float32). */
export interface MocoTrackedState extends MocoState {
  rows: Float32Array[] | null;
}

/** The "moco" method. */
export const moco = defineVectorMethod({
  name: "moco",
  kind: "vectors",
  needs: { losses: true, batches: false },
  keeps: "the tracked task gradients: T×d float32 (T·d·4 bytes), and λ, k",
  options: {
    // β, σ_β, γ and ρ are one kind each with the other methods that use those names: MoCo's own
    // defaults come from defaultsFrom.
    beta: numberInRange({ min: 0, max: 1, default: 0.5, doc: "EMA rate β ∈ [0, 1]" }),
    betaSigma: numberInRange({ min: 0, default: 0, doc: "decay σ ≥ 0 of β, β_k = β/k^σ" }),
    gamma: numberInRange({ min: 0, default: 0.1, doc: "step γ ≥ 0 of the task weights" }),
    gammaSigma: numberInRange({ min: 0, default: 0.5, doc: "decay σ ≥ 0 of γ, γ_k = γ/k^σ" }),
    rho: numberInRange({ min: 0, default: 0, doc: "ℓ2 regularisation ρ ≥ 0 of the weights' step" }),
  },
  defaultsFrom: () => ({ own: { ...MOCO_DEFAULTS } }),
  step({ rows, G, T, d, options, state, losses, action }) {
    const previous = state as MocoTrackedState | undefined;
    const before = previousRows(previous?.rows, T, d, "moco", action);
    const small = previous ?? mocoInitialState(T);
    const scales = mocoGradientScales(G, T, losses!, action);
    const y = mocoTrack(before, rows, scales, small.step + 1, options, action);
    const result = mocoWeights(small, rowGram(y), T, options, action);
    return { weights: result.weights, combine: y, state: { ...result.state, rows: y } };
  },
  saveState: (state) => {
    const s = state as MocoTrackedState;
    return { lambda: s.lambda.slice(), step: s.step, rows: saveRows(s.rows) };
  },
  restoreState(json, action): MocoTrackedState {
    const s = json as Partial<Record<keyof MocoTrackedState, unknown>> | null;
    if (
      s === null || typeof s !== "object" || !Array.isArray(s.lambda) ||
      s.lambda.some((x) => typeof x !== "number" || !Number.isFinite(x))
    ) {
      throw new TypeError(
        `Cannot ${action}: the moco state must be { lambda: finite numbers, step, rows }, found ${
          String(JSON.stringify(json)).slice(0, 120)
        }`,
      );
    }
    return {
      lambda: (s.lambda as number[]).slice(),
      step: savedStep(s.step, "moco", action),
      rows: restoreRows(s.rows, "moco", action),
    };
  },
  claims: {
    nonConflicting: false,
    // λ ∈ Δ and ‖y_t‖ ≤ the largest |loss| seen: 1 under the contract suite's unit losses.
    normBound: () => 1,
    scaleFree: true,
    permutation: "equivariant",
  },
});
