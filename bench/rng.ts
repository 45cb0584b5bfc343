/**
 * A tiny seeded generator for benchmark inputs (not for the library: its task orders come from
 * random/prng.ts). mulberry32 for uniforms; "normal-ish" values are Irwin–Hall sums of four
 * uniforms, centred and scaled to unit variance: bell-shaped, bounded by ±2√3, and about four
 * times cheaper than Box–Muller, which matters when filling 3·10⁸ floats.
 * @module
 */

/** Fills `target` with seeded normal-ish values (mean 0, variance 1) times `scale`. */
export function fillNormalish(target: Float32Array, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const k = scale * Math.sqrt(3) / 2 ** 31; // (u1 + u2 + u3 + u4 − 2)·√3 with u = x / 2³²
  for (let i = 0; i < target.length; i++) {
    let sum = 0;
    for (let r = 0; r < 4; r++) {
      // mulberry32 step
      s = (s + 0x6d2b79f5) | 0;
      let z = Math.imul(s ^ (s >>> 15), s | 1);
      z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
      sum += ((z ^ (z >>> 14)) >>> 0) / 2;
    }
    target[i] = (sum - 2 ** 32) * k;
  }
  return target;
}

/** A seeded stream of uniforms in [0, 1), for the few per-task constants (scales, signs). */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let z = Math.imul(s ^ (s >>> 15), s | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}
