/**
 * GradNorm (Chen et al., ICML 2018), framework-free: one update of the learnable
 * loss weights w_i from this step's losses, the initial losses L_i(0), and the per-task gradient
 * norms on the last shared layer W, ‖∇_W L_i‖ = √(G_W)_ii (unweighted: the diagonal of the Gramian
 * of the W-gradients, e.g. from accumulateGram on those gradients).
 *
 *   G_W^(i) = w_i ‖∇_W L_i‖,  Ḡ = mean_i G_W^(i),  r_i = L̃_i / mean_j L̃_j with L̃_i = L_i/L_i(0),
 *   L_grad = Σ_i |G_W^(i) − Ḡ r_i^α|  (the target Ḡ r_i^α is a constant, as in the paper and LibMTL),
 *   ∂L_grad/∂w_i = sign(G_W^(i) − Ḡ r_i^α) ‖∇_W L_i‖,
 *   w ← w − lr ∂L_grad/∂w, then renormalised so that Σ w_i = T.
 *
 * The tf.js adapter calls {@linkcode gradNormStep} once per step (or uses `gradient` with its own
 * optimizer and then {@linkcode renormalize}); the network's loss is Σ_i w_i L_i with the weights
 * held constant.
 * @module
 */

/**
 * Inputs of one GradNorm update.
 *
 * @example One update
 * ```ts
 * import { type GradNormInput, gradNormStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const input: GradNormInput = {
 *   weights: [1, 1],
 *   losses: [1, 1],
 *   initialLosses: [1, 1],
 *   gradNorms: [1, 3],
 *   lr: 0.01,
 * };
 * const { weights } = gradNormStep(input);
 * assert.ok(weights[0] > weights[1]); // the smaller gradient gains weight
 * ```
 */
export interface GradNormInput {
  /** Current loss weights w_i (initially 1 each). */
  weights: readonly number[];
  /** This step's task losses L_i(t) (> 0). */
  losses: readonly number[];
  /** The losses at the first step, L_i(0) (> 0). */
  initialLosses: readonly number[];
  /** ‖∇_W L_i‖ on the last shared layer, unweighted (≥ 0). */
  gradNorms: readonly number[];
  /** Asymmetry α (1.5 is the common default, LibMTL). */
  alpha?: number;
  /** Learning rate of the weights (SGD step). */
  lr: number;
}

/**
 * Result of one GradNorm update.
 *
 * @example The weights keep summing to T
 * ```ts
 * import { type GradNormResult, gradNormStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r: GradNormResult = gradNormStep({
 *   weights: [1, 1],
 *   losses: [2, 1],
 *   initialLosses: [1, 1],
 *   gradNorms: [1, 1],
 *   lr: 0.1,
 * });
 * assert.ok(Math.abs(r.weights[0] + r.weights[1] - 2) < 1e-12);
 * ```
 */
export interface GradNormResult {
  /** The new weights (Σ = T). */
  weights: number[];
  /** L_grad before the update. */
  gradLoss: number;
  /** ∂L_grad/∂w_i (for callers that step the weights with their own optimizer). */
  gradient: number[];
}

function check(name: string, values: readonly number[], T: number, min: number, strict: boolean) {
  if (!Array.isArray(values) || values.length !== T) {
    throw new RangeError(`Cannot update GradNorm weights: ${name} must hold ${T} numbers`);
  }
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
      throw new RangeError(
        `Cannot update GradNorm weights: ${name}[${i}] must be a finite number ${
          strict ? ">" : "≥"
        } ${min}, found ${v}`,
      );
    }
  });
}

/** L_grad and its gradient with respect to the weights (no update). */
export function gradNormGradient(input: GradNormInput): Omit<GradNormResult, "weights"> {
  const T = input.weights.length;
  const alpha = input.alpha ?? 1.5;
  check("losses", input.losses, T, 0, true);
  check("initialLosses", input.initialLosses, T, 0, true);
  check("gradNorms", input.gradNorms, T, 0, false);
  check("weights", input.weights, T, -Infinity, false);
  if (!(alpha >= 0 && Number.isFinite(alpha))) {
    throw new RangeError(
      `Cannot update GradNorm weights: alpha must be a finite number ≥ 0, found ${alpha}`,
    );
  }
  const g = input.weights.map((w, i) => w * input.gradNorms[i]);
  const gMean = g.reduce((a, b) => a + b, 0) / T;
  const ratios = input.losses.map((l, i) => l / input.initialLosses[i]);
  const ratioMean = ratios.reduce((a, b) => a + b, 0) / T;
  let gradLoss = 0;
  const gradient = g.map((gi, i) => {
    const diff = gi - gMean * (ratios[i] / ratioMean) ** alpha;
    gradLoss += Math.abs(diff);
    return Math.sign(diff) * input.gradNorms[i];
  });
  return { gradLoss, gradient };
}

/** w scaled so that Σ w_i = T (the paper's renormalisation after each update). */
export function renormalize(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    throw new RangeError(
      `Cannot renormalise GradNorm weights: their sum must be > 0, found ${total}`,
    );
  }
  return weights.map((w) => (w * weights.length) / total);
}

/**
 * One GradNorm update: an SGD step on L_grad, then the renormalisation.
 *
 * @example One update of two tasks' weights
 * ```ts
 * import { gradNormStep } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const { weights } = gradNormStep({
 *   weights: [1, 1],
 *   losses: [1, 2],
 *   initialLosses: [1, 2],
 *   gradNorms: [2, 1], // task 0's gradient is the larger: its weight shrinks
 *   lr: 0.1,
 * });
 * assert.ok(weights[0] < 1 && weights[1] > 1);
 * assert.ok(Math.abs(weights[0] + weights[1] - 2) < 1e-12); // Σ w = T
 * ```
 */
export function gradNormStep(input: GradNormInput): GradNormResult {
  if (!(input.lr >= 0 && Number.isFinite(input.lr))) {
    throw new RangeError(
      `Cannot update GradNorm weights: lr must be a finite number ≥ 0, found ${input.lr}`,
    );
  }
  const { gradLoss, gradient } = gradNormGradient(input);
  const stepped = input.weights.map((w, i) => w - input.lr * gradient[i]);
  return { weights: renormalize(stepped), gradLoss, gradient };
}
