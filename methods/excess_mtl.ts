/**
 * ExcessMTL (He, Zhou, Zhang, Yun, Xu, Zeng, Chilimbi & Zhao, "Robust Multi-Task Learning with
 * Excess Risks", ICML 2024, PMLR 235:18094–18114): task weights that grow with each
 * task's estimated excess risk (distance to convergence), by exponentiated gradient ascent.
 *
 * Each step, per task t:
 *   A_t ← A_t + g_t ⊙ g_t                 (per-coordinate sum of squares, AdaGrad's accumulator)
 *   r_t = Σ_k g_tk² / √(A_tk + 1e-7)      (the excess-risk estimate gᵀ diag(A + 1e-7)^{−½} g)
 * The first step records r⁰ = r and keeps λ = 1; later steps set
 *   λ_t ← λ_t · exp(η · r_t / r⁰_t),  then λ ← T·λ / Σλ,
 * and the update is Σ_t λ_t g_t. η is `robustStepSize`.
 *
 * Not Gram-expressible: r_t weighs each coordinate of g_t by the history of that coordinate
 * (even at the first step r_t = Σ_k g_tk²/√(g_tk² + 1e-7) ≈ ‖g_t‖₁, not a function of G). The
 * state is T float32 rows of length d (A, T·d·4 bytes, {@linkcode excessAccumulate}) plus T
 * numbers; the d-sized pass gives r ({@linkcode excessRisks}), and the weights follow from r alone
 * ({@linkcode excessMtlWeights}, pure and JSON-stateful). The update combines the step's own
 * gradients.
 *
 * Reference: LibMTL (median-research-group/LibMTL, LibMTL/weighting/ExcessMTL.py at commit
 * b65c9140c6b51a0cf8b38e4a00e9ab73c768954c, from the official yifei-he/ExcessMTL code): default
 * η = 1e-2 (`robust_step_size`). Ours: the exponent is applied in logs (λ ← softmax(log λ + η r/r⁰)
 * · T, the same weights without overflow), and a task whose first risk is 0 (a zero gradient,
 * where the reference divides by 0) takes its first non-zero risk as r⁰ and ratio 0 until then.
 *
 * Claims: none on conflicts or norm (λ > 0, Σλ = T; ‖update‖ ≤ T·max_t ‖g_t‖).
 * @module
 */

import { defineVectorMethod } from "./define.ts";
import { numberInRange } from "./option_kinds.ts";
import { restoreRows, saveRows } from "./saved_rows.ts";
import { checkRows, previousRows } from "./tracked_gradients.ts";

/** LibMTL's default η (`robust_step_size`). */
export const EXCESS_MTL_DEFAULT_STEP_SIZE = 1e-2;

/** Added under the square root (LibMTL). */
const ACCUMULATOR_EPSILON = 1e-7;

/** ExcessMTL's T-sized state (plain JSON data); the d-sized accumulator is kept apart. */
export interface ExcessMtlState {
  /** λ (Σ = T), initially 1. */
  weights: number[];
  /** r⁰ per task: null until that task's first non-zero risk. */
  initialRisks: (number | null)[];
}

/** The state before the first step. */
export function excessMtlInitialState(T: number): ExcessMtlState {
  return { weights: new Array<number>(T).fill(1), initialRisks: new Array(T).fill(null) };
}

/** A_t + g_t ⊙ g_t for every task (`previous` null: zero rows). */
export function excessAccumulate(
  previous: readonly Float32Array[] | null,
  grads: readonly Float32Array[],
  action = "accumulate ExcessMTL's squared gradients",
): Float32Array[] {
  const T = grads.length;
  const d = T > 0 ? grads[0].length : 0;
  checkRows(grads, "grads", T, d, action);
  if (previous !== null) checkRows(previous, "the accumulator", T, d, action);
  return grads.map((g, t) => {
    const a = previous?.[t];
    const out = new Float32Array(d);
    for (let k = 0; k < d; k++) out[k] = (a === undefined ? 0 : a[k]) + g[k] * g[k];
    return out;
  });
}

/** r_t = Σ_k g_tk² / √(A_tk + 1e-7) with the accumulator A already including this step. */
export function excessRisks(
  accumulator: readonly Float32Array[],
  grads: readonly Float32Array[],
  action = "compute ExcessMTL's risks",
): Float64Array {
  const T = grads.length;
  const d = T > 0 ? grads[0].length : 0;
  checkRows(grads, "grads", T, d, action);
  checkRows(accumulator, "the accumulator", T, d, action);
  return Float64Array.from(grads, (g, t) => {
    const a = accumulator[t];
    let r = 0;
    for (let k = 0; k < d; k++) r += (g[k] * g[k]) / Math.sqrt(a[k] + ACCUMULATOR_EPSILON);
    return r;
  });
}

/** One step of ExcessMTL's weights from this step's risks r (≥ 0); returns λ and the new state. */
export function excessMtlWeights(
  state: ExcessMtlState,
  risks: ArrayLike<number>,
  robustStepSize: number = EXCESS_MTL_DEFAULT_STEP_SIZE,
  action = "compute ExcessMTL weights",
): { weights: Float64Array; state: ExcessMtlState } {
  const T = state.weights.length;
  if (
    !(typeof robustStepSize === "number" && robustStepSize >= 0 && Number.isFinite(robustStepSize))
  ) {
    throw new RangeError(
      `Cannot ${action}: robustStepSize must be a finite number ≥ 0, found ${robustStepSize}`,
    );
  }
  if (risks.length !== T || state.initialRisks.length !== T) {
    throw new RangeError(
      `Cannot ${action}: the state holds ${T} tasks, found ${risks.length} risks and ${state.initialRisks.length} initial risks`,
    );
  }
  for (let t = 0; t < T; t++) {
    if (!(risks[t] >= 0 && Number.isFinite(risks[t]))) {
      throw new RangeError(
        `Cannot ${action}: risks[${t}] must be a finite number ≥ 0, found ${risks[t]}`,
      );
    }
    const w = state.weights[t];
    const r0 = state.initialRisks[t];
    if (!(w > 0 && Number.isFinite(w)) || !(r0 === null || (r0 > 0 && Number.isFinite(r0)))) {
      throw new RangeError(
        `Cannot ${action}: the state of task ${t} must have a weight > 0 and an initial risk > 0 or null, found ${w} and ${r0}`,
      );
    }
  }
  const first = state.initialRisks.every((r) => r === null);
  const initialRisks = state.initialRisks.map((r, t) => r ?? (risks[t] > 0 ? risks[t] : null));
  if (first) {
    return {
      weights: Float64Array.from(state.weights),
      state: { weights: state.weights.slice(), initialRisks },
    };
  }
  const logits = state.weights.map((w, t) => {
    const r0 = state.initialRisks[t];
    return Math.log(w) + (r0 === null ? 0 : robustStepSize * (risks[t] / r0));
  });
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const total = e.reduce((a, b) => a + b, 0);
  const weights = e.map((x) => (T * x) / total);
  return { weights: Float64Array.from(weights), state: { weights, initialRisks } };
}

/** ExcessMTL's state across steps: λ, r⁰ and the accumulator A (T×d float32). */
export interface ExcessMtlTrackedState extends ExcessMtlState {
  rows: Float32Array[] | null;
}

/** The "excess-mtl" method. */
export const excessMtl = defineVectorMethod({
  name: "excess-mtl",
  kind: "vectors",
  needs: { losses: false, batches: false },
  keeps: "the per-coordinate sums of squared gradients: T×d float32 (T·d·4 bytes), and λ, r⁰",
  options: {
    robustStepSize: numberInRange({
      min: 0,
      default: EXCESS_MTL_DEFAULT_STEP_SIZE,
      doc: "step η ≥ 0 of the exponentiated-gradient update of the weights",
    }),
  },
  step({ rows, T, d, options, state, action }) {
    const previous = state as ExcessMtlTrackedState | undefined;
    const accumulator = excessAccumulate(
      previous?.rows === undefined ? null : previousRows(previous.rows, T, d, "excess-mtl", action),
      rows,
      action,
    );
    const risks = excessRisks(accumulator, rows, action);
    const result = excessMtlWeights(
      previous ?? excessMtlInitialState(T),
      risks,
      options.robustStepSize,
      action,
    );
    return { weights: result.weights, state: { ...result.state, rows: accumulator } };
  },
  saveState: (state) => {
    const s = state as ExcessMtlTrackedState;
    return {
      weights: s.weights.slice(),
      initialRisks: s.initialRisks.slice(),
      rows: saveRows(s.rows),
    };
  },
  restoreState(json, action): ExcessMtlTrackedState {
    const s = json as Partial<Record<keyof ExcessMtlTrackedState, unknown>> | null;
    const numbers = (x: unknown, nullable: boolean) =>
      Array.isArray(x) &&
      x.every((v) => (nullable && v === null) || (typeof v === "number" && v > 0 && isFinite(v)));
    if (
      s === null || typeof s !== "object" || !numbers(s.weights, false) ||
      !numbers(s.initialRisks, true) ||
      (s.weights as number[]).length !== (s.initialRisks as number[]).length
    ) {
      throw new TypeError(
        `Cannot ${action}: the excess-mtl state must be { weights: numbers > 0, initialRisks: numbers > 0 or null, rows }, one per task, found ${
          String(JSON.stringify(json)).slice(0, 120)
        }`,
      );
    }
    return {
      weights: (s.weights as number[]).slice(),
      initialRisks: (s.initialRisks as (number | null)[]).slice(),
      rows: restoreRows(s.rows, "excess-mtl", action),
    };
  },
  claims: {
    nonConflicting: false,
    // λ > 0 with Σλ = T.
    normBound: (norms) => norms.length * Math.max(...norms),
    permutation: "equivariant",
  },
});
