/**
 * The dense half of the direction-only and magnitude-only variants (Yu et al. 2020, §5.2 ablation):
 * the squared norms of the method's combination u = Σ_t w_t g_t and of the plain sum s = Σ_t g_t,
 * read from the gradients themselves. A Gramian's quadratic form wᵀGw cannot give them: its
 * float32-accumulated entries lose ‖u‖ to cancellation, which is exactly where surgery acts.
 *
 * Every coordinate is summed in float64 (a float32 product is exact there), and the squares are
 * accumulated in float64, whose range holds the square of any float32 value: the norms are right
 * under cancellation and at every scale float32 can hold. Blocks add up, so a caller holding the
 * gradients in pieces (tf.js variables, thread chunks) accumulates piece by piece.
 * @module
 */

/** Squared norms accumulated over blocks (all float64). */
export interface VariantNorms {
  /** ‖Σ_t w_t g_t‖². */
  combined: number;
  /** ‖Σ_t g_t‖². */
  sum: number;
  /** ‖Σ_t |w_t g_t|‖²: the size of the terms the combination cancels down from. */
  terms: number;
}

/** Zero norms, to accumulate into. */
export function emptyVariantNorms(): VariantNorms {
  return { combined: 0, sum: 0, terms: 0 };
}

/**
 * Adds one block's contribution to `norms`. `rows` hold the same slice of the tasks that have it;
 * `w` their weights, in the same order.
 */
export function accumulateVariantNorms(
  rows: readonly Float32Array[],
  w: ArrayLike<number>,
  norms: VariantNorms,
): void {
  const T = rows.length;
  if (T === 0) return;
  const d = rows[0].length;
  let combined = 0;
  let sum = 0;
  let terms = 0;
  for (let k = 0; k < d; k++) {
    let u = 0;
    let s = 0;
    let a = 0;
    for (let t = 0; t < T; t++) {
      const x = rows[t][k];
      const wx = w[t] * x;
      u += wx;
      s += x;
      a += Math.abs(wx);
    }
    combined += u * u;
    sum += s * s;
    terms += a * a;
  }
  norms.combined += combined;
  norms.sum += sum;
  norms.terms += terms;
}
