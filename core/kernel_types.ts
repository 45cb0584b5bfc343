/**
 * The two kernels every backend provides (only gram and combine touch d-sized data).
 * `rows` are T task rows of one block, all the same length; the caller has validated them.
 * @module
 */

/** A backend of the two dense kernels. */
export interface Kernels {
  /** Name shown in stats and benchmarks. */
  readonly name: "wasm-simd" | "typescript";
  /** G += J Jᵀ for the block J = rows (G is T×T, row-major, float64, kept symmetric). */
  gram(rows: readonly Float32Array[], G: Float64Array): void;
  /**
   * out = Σ_t w[t] · rows[t] (out has the rows' length; it is overwritten). Returns whether every
   * output value is finite, found while writing them (no second pass over `out`).
   */
  combine(rows: readonly Float32Array[], w: ArrayLike<number>, out: Float32Array): boolean;
}
