/**
 * DB-MTL, dual-balancing multi-task learning (Lin, Jiang, Ye, Zhang, Chen, Chen, Liu & Kwok,
 * "Dual-Balancing for Multi-Task Learning", arXiv:2308.12029, 2023; its loss-scale balancing by
 * the log transform and its gradient-magnitude balancing by the largest norm):
 *
 * 1. loss balance: each task's loss is replaced by log(L_t + 1e-8), whose gradient is
 *    g_t/(L_t + 1e-8);
 * 2. an exponential moving average of those gradients, y_t ← β_k·y_t + (1 − β_k)·g_t/(L_t + 1e-8),
 *    β_k = β/k^σ at step k = 1, 2, … (y starts at 0, no bias correction);
 * 3. gradient balance: update = Σ_t α_t y_t with α_t = max_s ‖y_s‖ / (‖y_t‖ + 1e-8), so every
 *    task contributes a vector as long as the largest one.
 *
 * The moving average is of d-sized gradients, so DB-MTL is not a function of the Gramian: its
 * state is T float32 rows of length d (T·d·4 bytes, {@linkcode dbMtlTrack}), and the update
 * combines those rows with {@linkcode dbMtlWeights}, which only needs their norms. With β = 0 the
 * state vanishes and the method is Gram-expressible over the step's own gradients
 * ({@linkcode dbMtlGramWeights}).
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/DB_MTL.py at commit
 * 7b0f56a7ee61f9fc17738dd221bb017d04999832, the authors' code): defaults β = 0.9 (`DB_beta`),
 * σ = 0 (`DB_beta_sigma`). Zero tasks (methods/solvers/tolerances.ts) get α = 0 here: their rows
 * are zero to 1e-10 of the largest, where LibMTL multiplies them by up to max‖y‖/1e-8.
 *
 * Claims: none on conflicts (the directions y_t/‖y_t‖ are summed as they are); ‖update‖ ≤
 * m·max_t ‖y_t‖ for m non-zero tasks.
 * @module
 */

import { defineVectorMethod } from "./define.ts";
import { numberInRange } from "./option_kinds.ts";
import { restoreRows, saveRows } from "./saved_rows.ts";
import { mixRows, previousRows, rowGram } from "./tracked_gradients.ts";
import { nonZeroTasks } from "./solvers/tolerances.ts";

/** LibMTL's defaults. */
export const DB_MTL_DEFAULTS = { beta: 0.9, betaSigma: 0 } as const;

/** Added to the losses before their log and to the norms (LibMTL). */
const EPSILON = 1e-8;

/** DB-MTL's options. */
export interface DbMtlOptions {
  /** Weight β of the old average, in [0, 1] (LibMTL 0.9). */
  beta?: number;
  /** Decay σ ≥ 0 of β over the steps, β_k = β/k^σ (LibMTL 0). */
  betaSigma?: number;
}

function resolve(options: DbMtlOptions, action: string): { beta: number; betaSigma: number } {
  const beta = options.beta ?? DB_MTL_DEFAULTS.beta;
  const betaSigma = options.betaSigma ?? DB_MTL_DEFAULTS.betaSigma;
  if (typeof beta !== "number" || !(beta >= 0 && beta <= 1)) {
    throw new RangeError(`Cannot ${action}: beta must be a number in [0, 1], found ${beta}`);
  }
  if (typeof betaSigma !== "number" || !(betaSigma >= 0) || !Number.isFinite(betaSigma)) {
    throw new RangeError(
      `Cannot ${action}: betaSigma must be a finite number ≥ 0, found ${betaSigma}`,
    );
  }
  return { beta, betaSigma };
}

function logLossScale(losses: readonly number[], T: number, action: string): Float64Array {
  if (!Array.isArray(losses) || losses.length !== T) {
    throw new RangeError(
      `Cannot ${action}: DB-MTL needs the ${T} task losses, found ${
        Array.isArray(losses) ? `${losses.length} losses` : String(losses)
      }`,
    );
  }
  return Float64Array.from(losses, (l, t) => {
    if (typeof l !== "number" || !(l >= 0) || !Number.isFinite(l)) {
      throw new RangeError(
        `Cannot ${action}: DB-MTL takes the log of the losses, so losses[${t}] must be a finite number ≥ 0, found ${l}`,
      );
    }
    return 1 / (l + EPSILON);
  });
}

/**
 * The moving average after step `step` (1, 2, …): β_k·y + (1 − β_k)·g_t/(L_t + 1e-8). `previous`
 * null is the zero state of step 1.
 */
export function dbMtlTrack(
  previous: readonly Float32Array[] | null,
  grads: readonly Float32Array[],
  losses: readonly number[],
  step: number,
  options: DbMtlOptions = {},
  action = "track DB-MTL gradients",
): Float32Array[] {
  const { beta, betaSigma } = resolve(options, action);
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(`Cannot ${action}: step must be a whole number ≥ 1, found ${step}`);
  }
  const scale = logLossScale(losses, grads.length, action);
  return mixRows(previous, grads, beta / step ** betaSigma, scale, action);
}

/** α_t = max_s n_s / (n_t + 1e-8) from the norms n (0 for zero tasks). */
function balance(norms: Float64Array, G: Float64Array, T: number): Float64Array {
  const alpha = new Float64Array(T);
  const tasks = nonZeroTasks(G, T);
  let max = 0;
  for (const t of tasks) max = Math.max(max, norms[t]);
  for (const t of tasks) alpha[t] = max / (norms[t] + EPSILON);
  return alpha;
}

/** DB-MTL's weights over the tracked rows y from their Gramian Y Yᵀ (only its diagonal is used). */
export function dbMtlWeights(Gy: Float64Array, T: number): Float64Array {
  const norms = new Float64Array(T);
  for (let t = 0; t < T; t++) norms[t] = Math.sqrt(Math.max(Gy[t * T + t], 0));
  return balance(norms, Gy, T);
}

/**
 * DB-MTL with β = 0 (no moving average) over the step's own gradients: the log-loss gradients
 * are g_t/(L_t + 1e-8), so w_t = α_t/(L_t + 1e-8) with α from their norms √G_tt/(L_t + 1e-8).
 */
export function dbMtlGramWeights(
  G: Float64Array,
  T: number,
  losses: readonly number[],
  action = "compute DB-MTL weights",
): Float64Array {
  const scale = logLossScale(losses, T, action);
  const Gs = G.map((x, k) => x * scale[Math.floor(k / T)] * scale[k % T]);
  const w = dbMtlWeights(Gs, T);
  return w.map((a, t) => a * scale[t]);
}

/** DB-MTL's state across steps: the steps taken and the moving averages y (T×d float32). */
export interface DbMtlState {
  step: number;
  rows: Float32Array[] | null;
}

/** Checks a saved step count: a whole number ≥ 0. */
export function savedStep(step: unknown, name: string, action: string): number {
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
    throw new TypeError(
      `Cannot ${action}: the ${name} state's step must be a whole number ≥ 0, found ${
        String(step)
      }`,
    );
  }
  return step;
}

/** The "db-mtl" method. */
export const dbMtl = defineVectorMethod({
  name: "db-mtl",
  kind: "vectors",
  needs: { losses: true, batches: false },
  keeps: "the moving averages of the log-loss gradients: T×d float32 (T·d·4 bytes)",
  options: {
    // Shared with GradVac's and MoCo's β (one kind, default 0.5): DB-MTL's default 0.9 comes
    // from defaultsFrom.
    beta: numberInRange({ min: 0, max: 1, default: 0.5, doc: "EMA rate β ∈ [0, 1]" }),
    betaSigma: numberInRange({ min: 0, default: 0, doc: "decay σ ≥ 0 of β, β_k = β/k^σ" }),
  },
  defaultsFrom: () => ({
    own: { beta: DB_MTL_DEFAULTS.beta, betaSigma: DB_MTL_DEFAULTS.betaSigma },
  }),
  step({ rows, T, d, options, state, losses, action }) {
    const previous = state as DbMtlState | undefined;
    const before = previousRows(previous?.rows, T, d, "db-mtl", action);
    const k = (previous?.step ?? 0) + 1;
    const y = dbMtlTrack(before, rows, losses!, k, options, action);
    return { weights: dbMtlWeights(rowGram(y), T), combine: y, state: { step: k, rows: y } };
  },
  saveState: (state) => {
    const s = state as DbMtlState;
    return { step: s.step, rows: saveRows(s.rows) };
  },
  restoreState(json, action): DbMtlState {
    const s = json as { step?: unknown; rows?: unknown } | null;
    if (s === null || typeof s !== "object") {
      throw new TypeError(
        `Cannot ${action}: the db-mtl state must be { step, rows }, found ${JSON.stringify(json)}`,
      );
    }
    return {
      step: savedStep(s.step, "db-mtl", action),
      rows: restoreRows(s.rows, "db-mtl", action),
    };
  },
  claims: {
    nonConflicting: false,
    // Fresh state and the contract suite's unit losses: y_t = (1 − β)g_t/(1 + 1e-8), and each of
    // the m ≤ T non-zero tasks contributes a vector of length max_s ‖y_s‖.
    normBound: (norms, { beta }) => norms.length * (1 - beta) * Math.max(...norms),
    permutation: "equivariant",
  },
});
