/**
 * Diagnostics of one step, all from the Gramian (Yu et al. 2020, the "tragic triad"):
 * cosines (Definition 1: a conflict is cos φ_ij < 0) and gradient magnitude similarity
 * Φ(g_i, g_j) = 2‖g_i‖‖g_j‖ / (‖g_i‖² + ‖g_j‖²) (Definition 2).
 * @module
 */

/**
 * Diagnostics of the last surgery call.
 *
 * @example What one PCGrad step did
 * ```ts
 * import { createSurgery, type SurgeryStats } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const pcgrad = createSurgery();
 * pcgrad.surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
 * const stats: SurgeryStats = pcgrad.stats!;
 * assert.deepEqual(stats.conflicts, [[0, 1]]); // cos φ = −1/√2 < 0
 * assert.equal(stats.projections, 2); // each task projected once
 * assert.ok(Math.abs(stats.cosine[0][1] + Math.SQRT1_2) < 1e-12);
 * assert.deepEqual(stats.gramian, [[1, -1], [-1, 2]]);
 * ```
 */
export interface SurgeryStats {
  /** The Gramian G = J Jᵀ (T×T): G[i][j] = g_i · g_j. */
  gramian: number[][];
  /** ‖g_t‖ for every task. */
  norms: number[];
  /** cos φ_ij (T×T); 0 where either gradient is zero. */
  cosine: number[][];
  /** Φ(g_i, g_j) (T×T), Yu et al. 2020, Definition 2; 1 where both gradients are zero. */
  magnitudeSimilarity: number[][];
  /** Task pairs [i, j], i < j, with cos φ_ij < 0. */
  conflicts: [number, number][];
  /** Projection steps PCGrad took (0 for other methods). */
  projections: number;
  /** w with output = Σ_t w_t g_t before the reduction (after the variant). */
  weights: number[];
  /** Visiting order used for each task i (empty for methods without orders). */
  orders: number[][];
  /** Backend of the dense kernels: "wasm-simd" or "typescript". */
  kernel: string;
  /**
   * Grouped surgery only (option `groups`): each group's own stats, in group order. The
   * top-level fields then describe the whole gradients (the groups' Gramians summed), with
   * `projections` summed over the groups and `weights` and `orders` empty: each group has its own.
   */
  groups?: SurgeryStats[];
}

/** Builds the stats of one step from the Gramian and the weighting result. */
export function buildStats(
  G: Float64Array,
  T: number,
  weights: ArrayLike<number>,
  orders: number[][],
  projections: number,
  kernel: string,
): SurgeryStats {
  // Rows are filled by index into arrays of their final length (no growth), one pass over G.
  const norms: number[] = new Array(T);
  for (let t = 0; t < T; t++) norms[t] = Math.sqrt(Math.max(G[t * T + t], 0));
  const gramian: number[][] = new Array(T);
  const cosine: number[][] = new Array(T);
  const magnitudeSimilarity: number[][] = new Array(T);
  const conflicts: [number, number][] = [];
  for (let i = 0; i < T; i++) {
    const gRow: number[] = (gramian[i] = new Array(T));
    const cRow: number[] = (cosine[i] = new Array(T));
    const mRow: number[] = (magnitudeSimilarity[i] = new Array(T));
    const ni = norms[i];
    for (let j = 0; j < T; j++) {
      const gij = G[i * T + j];
      const nj = norms[j];
      gRow[j] = gij;
      const cos = ni > 0 && nj > 0 ? Math.min(1, Math.max(-1, gij / (ni * nj))) : 0;
      cRow[j] = cos;
      const squares = ni * ni + nj * nj;
      mRow[j] = squares > 0 ? (2 * ni * nj) / squares : 1;
      if (j > i && cos < 0) conflicts.push([i, j]);
    }
  }
  return {
    gramian,
    norms,
    cosine,
    magnitudeSimilarity,
    conflicts,
    projections,
    weights: Array.from(weights),
    orders,
    kernel,
  };
}
