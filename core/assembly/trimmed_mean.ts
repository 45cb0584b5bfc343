// AssemblyScript source of the trimmed-mean kernel (not Deno code).
//
// Coordinate-wise trimmed mean (Yin et al., ICML 2018; TorchJD's TrimmedMean) of one staged block
// of T task rows, each n floats long: per coordinate k, sort g_1[k], …, g_T[k], drop the `trim`
// smallest and the `trim` largest, out[k] = (Σ of the kept values in ascending order) / (T − 2·trim).
// The caller checks T > 2·trim.
//
// Four coordinates are sorted at once, one per SIMD lane, by a sorting network: Batcher's
// odd–even merge sort for any T (the power-of-two network with the comparators that reach past
// T left out, as if padded with +∞; ~T·log²T/4 comparators, 63 at T = 16), built once per call
// into `scratch` as byte offsets of value slots. Each comparator is a lane-wise f32x4.min/max, so
// there is no branch on the data, and min/max order −0 before +0: the order of the typed arrays'
// sort in the TypeScript reference (core/trimmed_mean_reference.ts). The sum starts from the
// smallest kept value and adds the others in ascending order, then divides, all in f32: the
// reference gives the same bits. Values must not be NaN (min/max would spread it to the lanes'
// neighbours in the order).
//
// `scratch` holds T 16-byte value slots, then the comparator list (8 bytes each):
// trimmedMeanScratchBytes(T) bytes, 16-byte aligned.

/** Batcher's comparators for T values, written as byte-offset pairs at `pairs` when `write`. */
function comparators(T: i32, pairs: usize, write: bool): i32 {
  let count = 0;
  for (let p = 1; p < T; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < T; j += k << 1) {
        for (let i = 0; i < k && i + j + k < T; i++) {
          if ((i + j) / (p << 1) == (i + j + k) / (p << 1)) {
            if (write) {
              const at = pairs + ((<usize>count) << 3);
              store<u32>(at, (<u32>(i + j)) << 4);
              store<u32>(at, (<u32>(i + j + k)) << 4, 4);
            }
            count++;
          }
        }
      }
    }
  }
  return count;
}

/** Bytes of scratch memory `trimmedMean` needs for T rows. */
export function trimmedMeanScratchBytes(T: i32): usize {
  return ((<usize>T) << 4) + ((<usize>comparators(T, 0, false)) << 3);
}

export function trimmedMean(
  rows: usize,
  T: i32,
  n: i32,
  trim: i32,
  scratch: usize,
  out: usize,
): void {
  const pairs = scratch + ((<usize>T) << 4);
  const count = comparators(T, pairs, true);
  const pairsEnd = pairs + ((<usize>count) << 3);
  const first = scratch + ((<usize>trim) << 4);
  const last = scratch + ((<usize>(T - trim)) << 4);
  const rowBytes = (<usize>n) << 2;
  const keptLanes = f32x4.splat(<f32>(T - 2 * trim));
  const kept = <f32>(T - 2 * trim);
  const n4 = n & ~3;
  let k = 0;
  for (; k < n4; k += 4) {
    const off = (<usize>k) << 2;
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      v128.store(scratch + ((<usize>t) << 4), v128.load(p));
      p += rowBytes;
    }
    for (let c = pairs; c < pairsEnd; c += 8) {
      const a = scratch + <usize>load<u32>(c);
      const b = scratch + <usize>load<u32>(c, 4);
      const x = v128.load(a);
      const y = v128.load(b);
      v128.store(a, f32x4.min(x, y));
      v128.store(b, f32x4.max(x, y));
    }
    let s = v128.load(first);
    for (let r = first + 16; r < last; r += 16) s = f32x4.add(s, v128.load(r));
    v128.store(out + off, f32x4.div(s, keptLanes));
  }
  for (; k < n; k++) {
    const off = (<usize>k) << 2;
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      store<f32>(scratch + ((<usize>t) << 4), load<f32>(p));
      p += rowBytes;
    }
    for (let c = pairs; c < pairsEnd; c += 8) {
      const a = scratch + <usize>load<u32>(c);
      const b = scratch + <usize>load<u32>(c, 4);
      const x = load<f32>(a);
      const y = load<f32>(b);
      store<f32>(a, Mathf.min(x, y));
      store<f32>(b, Mathf.max(x, y));
    }
    let s = load<f32>(first);
    for (let r = first + 16; r < last; r += 16) s += load<f32>(r);
    store<f32>(out + off, s / kept);
  }
}
