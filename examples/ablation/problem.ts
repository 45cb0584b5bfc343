/**
 * A two-task problem whose conflict angle φ and gradient-magnitude ratio R are knobs, for the
 * ablation of Yu et al. 2020 (§5.2: "PCGrad dir" and "PCGrad mag"). Each task is a least-squares
 * fit of one linear measurement that both tasks agree on (so the tasks share an optimum and "lower
 * loss" is unambiguous):
 *
 *   L_i(θ) = (s_i / 2) · (n_iᵀθ)²,   i = 1, 2,
 *
 * with unit normals n_1 = cos(φ/2)·f_1 + sin(φ/2)·f_2 and n_2 = cos(φ/2)·f_1 − sin(φ/2)·f_2 in a
 * random orthonormal frame f_1 … f_d of R^d, and scales s_1 = R, s_2 = 1. At the start θ_0 = f_1
 * both measurements read cos(φ/2) > 0, so ∇L_i(θ_0) = s_i cos(φ/2) n_i: the task gradients make the
 * angle φ exactly and their norms the ratio R exactly. The optimum is every θ with n_1ᵀθ = n_2ᵀθ = 0.
 * Each task is a valley (flat along its hyperplane, curvature s_i across it); as φ → 180° the two
 * steep directions nearly coincide and the direction the tasks agree on (f_1) becomes flat, which is
 * the paper's "tragic triad" (conflict, magnitude difference, high curvature) in its simplest form.
 * The frame's random rotation is what the seed changes: plain gradient descent is rotation
 * invariant, Adam (per-coordinate normalisation) is not.
 * @module
 */

import { Prng } from "../../random/prng.ts";

/** One instance: the knobs, the frame and what the losses need. */
export interface Problem {
  /** Conflict angle between the task gradients at the start, in degrees, in [0, 180). */
  phi: number;
  /** Norm ratio ‖∇L_1‖ / ‖∇L_2‖ at the start, ≥ 1 (task 1 dominates). */
  ratio: number;
  /** Dimension of θ. */
  dim: number;
  /** The two unit normals n_1, n_2 in the rotated coordinates. */
  normals: [Float64Array, Float64Array];
  /** The two scales s_1 = R, s_2 = 1. */
  scales: [number, number];
  /** The start θ_0 = f_1. */
  start: Float64Array;
}

/** Standard normal draws from the seeded stream (Box–Muller, one value per call). */
function gaussian(rng: Prng): number {
  const u = 1 - rng.nextFloat(); // (0, 1]: log never sees 0
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}

/** The first two vectors of a random orthonormal frame of R^dim (Gram–Schmidt on Gaussians). */
function randomFrame(dim: number, seed: number): [Float64Array, Float64Array] {
  const rng = new Prng(seed);
  const f1 = Float64Array.from({ length: dim }, () => gaussian(rng));
  const f2 = Float64Array.from({ length: dim }, () => gaussian(rng));
  const n1 = Math.hypot(...f1);
  for (let k = 0; k < dim; k++) f1[k] /= n1;
  const proj = dot(f1, f2);
  for (let k = 0; k < dim; k++) f2[k] -= proj * f1[k];
  const n2 = Math.hypot(...f2);
  for (let k = 0; k < dim; k++) f2[k] /= n2;
  return [f1, f2];
}

/** Σ_k a_k b_k. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** The instance with conflict angle `phi` (degrees), ratio `ratio`, in a frame drawn from `seed`. */
export function createProblem(phi: number, ratio: number, seed: number, dim = 8): Problem {
  if (!(phi >= 0 && phi < 180)) {
    throw new RangeError(
      `Cannot create the problem: phi must be in [0, 180) degrees, found ${phi}`,
    );
  }
  if (!(ratio >= 1 && Number.isFinite(ratio))) {
    throw new RangeError(
      `Cannot create the problem: ratio must be a finite number ≥ 1, found ${ratio}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 2) {
    throw new RangeError(`Cannot create the problem: dim must be an integer ≥ 2, found ${dim}`);
  }
  const [f1, f2] = randomFrame(dim, seed);
  const half = (phi * Math.PI) / 360;
  const c = Math.cos(half);
  const s = Math.sin(half);
  const n1 = f1.map((v, k) => c * v + s * f2[k]);
  const n2 = f1.map((v, k) => c * v - s * f2[k]);
  return { phi, ratio, dim, normals: [n1, n2], scales: [ratio, 1], start: f1.slice() };
}

/** Both task losses at θ. */
export function taskLosses(p: Problem, theta: ArrayLike<number>): [number, number] {
  const m1 = dot(p.normals[0], theta);
  const m2 = dot(p.normals[1], theta);
  return [(p.scales[0] / 2) * m1 * m1, (p.scales[1] / 2) * m2 * m2];
}

/** Both task gradients at θ, as the float32 arrays the surgery takes: ∇L_i = s_i (n_iᵀθ) n_i. */
export function taskGradients(p: Problem, theta: ArrayLike<number>): [Float32Array, Float32Array] {
  return [0, 1].map((i) => {
    const a = p.scales[i] * dot(p.normals[i], theta);
    return Float32Array.from(p.normals[i], (v) => a * v);
  }) as [Float32Array, Float32Array];
}

/**
 * The largest curvature of L_1 + L_2 (the top eigenvalue of Σ_i s_i n_i n_iᵀ, in closed form on
 * the plane of the normals): gradient descent on the sum is stable for step sizes below 2 / this.
 */
export function sumCurvature(p: Problem): number {
  const [a, b] = p.scales;
  const c = dot(p.normals[0], p.normals[1]);
  // Eigenvalues of the 2×2 Gram form [[a, √(ab)c], [√(ab)c, b]] of Σ s_i n_i n_iᵀ.
  return (a + b) / 2 + Math.sqrt(((a - b) / 2) ** 2 + a * b * c * c);
}
