/**
 * Pure-TypeScript reference of the GradDrop kernel (core/assembly/graddrop.ts): the
 * test oracle of the WASM kernel and the fallback where WebAssembly SIMD is missing. It repeats the
 * kernel's f32 operations in the same order (Math.fround after each), so both give the same bits.
 * @module
 */

/** 2⁻²⁴: the 24-bit uniform's resolution. */
const TWO_POW_M24 = 2 ** -24;

/** lowbias32 (C. Wellons' integer hash): a bijective 32-bit mix. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The uniform U ∈ [0, 1) of global coordinate `index` under the keys: u24 · 2⁻²⁴. */
export function graddropUniform(index: number, key0: number, key1: number): number {
  return (mix32((mix32((index ^ key0) >>> 0) ^ key1) >>> 0) >>> 8) * TWO_POW_M24;
}

/** Keys and leak of one GradDrop call. */
export interface GradDropParams {
  /** Two 32-bit keys drawn from the step's seeded stream. */
  key0: number;
  key1: number;
  /** Leak ℓ_t per task (applied in float32). */
  leak: ArrayLike<number>;
  /** Global index of rows[t][0] (for sharded callers; 0 for a whole gradient). */
  offset?: number;
}

/** The GradDrop update of T rows into `out` (same length as the rows). */
export function graddropReference(
  rows: readonly Float32Array[],
  params: GradDropParams,
  out: Float32Array,
): void {
  const f = Math.fround;
  const T = rows.length;
  const leak = Array.from(params.leak, f);
  const offset = params.offset ?? 0;
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    let a = 0;
    for (let t = 0; t < T; t++) {
      const g = rows[t][k];
      s = f(s + g);
      a = f(a + Math.abs(g));
    }
    const u24 = mix32((mix32(((offset + k) ^ params.key0) >>> 0) ^ params.key1) >>> 0) >>> 8;
    const threshold = f(f((2 * u24 - 16777216) * TWO_POW_M24) * a);
    let acc = 0;
    for (let t = 0; t < T; t++) {
      const g = rows[t][k];
      const keep = (g > 0 && s > threshold) || (g < 0 && s < threshold);
      acc = f(acc + (keep ? g : f(leak[t] * g)));
    }
    out[k] = acc;
  }
}
