// AssemblyScript source of the GradDrop kernel (compiled by core/build_wasm.ts; not Deno code).
//
// GradDrop (Chen et al., NeurIPS 2020), elementwise over one staged block of T task
// rows, each n floats long. Per coordinate k, with S = Σ_t g_t[k] and A = Σ_t |g_t[k]| summed in
// f32 in task order, and U = u24 · 2⁻²⁴ from a keyed hash of the global index offset + k:
//   the sign purity P = ½(1 + S/A) > U  ⇔  S > (2U − 1)·A   (no division, so no 0/0),
//   keep g_t[k] if (g_t[k] > 0 and S > (2U − 1)A) or (g_t[k] < 0 and S < (2U − 1)A),
//   out[k] = Σ_t (kept ? g_t[k] : leak_t · g_t[k]).
// The hash is counter-based, so the mask does not depend on the chunking. Every operation is an
// IEEE f32 (or i32) operation in a fixed order: the TypeScript reference (core/graddrop_reference.ts)
// reproduces the output bit for bit. `leak` holds T f32 values.

// @ts-ignore: decorator
@inline
function mix32(x: u32): u32 {
  x = (x ^ (x >>> 16)) * 0x7feb352d;
  x = (x ^ (x >>> 15)) * 0x846ca68b;
  return x ^ (x >>> 16);
}

// @ts-ignore: decorator
@inline
function mixLanes(x: v128): v128 {
  x = i32x4.mul(v128.xor(x, i32x4.shr_u(x, 16)), i32x4.splat(0x7feb352d));
  x = i32x4.mul(v128.xor(x, i32x4.shr_u(x, 15)), i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

const TWO_POW_M24: f32 = 5.9604644775390625e-8;

export function graddrop(
  rows: usize,
  T: i32,
  n: i32,
  leak: usize,
  key0: u32,
  key1: u32,
  offset: u32,
  out: usize,
): void {
  const rowBytes = (<usize>n) << 2;
  const n4 = n & ~3;
  let k = 0;
  const lanes = i32x4(0, 1, 2, 3);
  const zero = f32x4.splat(0);
  for (; k < n4; k += 4) {
    const off = (<usize>k) << 2;
    let s = f32x4.splat(0);
    let a = f32x4.splat(0);
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      const g = v128.load(p);
      s = f32x4.add(s, g);
      a = f32x4.add(a, f32x4.abs(g));
      p += rowBytes;
    }
    let h = i32x4.add(i32x4.splat(<i32>(offset + <u32>k)), lanes);
    h = mixLanes(v128.xor(mixLanes(v128.xor(h, i32x4.splat(<i32>key0))), i32x4.splat(<i32>key1)));
    const c = i32x4.sub(i32x4.shl(i32x4.shr_u(h, 8), 1), i32x4.splat(16777216));
    const threshold = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(c), f32x4.splat(TWO_POW_M24)), a);
    const keepPos = f32x4.gt(s, threshold);
    const keepNeg = f32x4.lt(s, threshold);
    let acc = f32x4.splat(0);
    p = rows + off;
    for (let t = 0; t < T; t++) {
      const g = v128.load(p);
      const keep = v128.or(
        v128.and(f32x4.gt(g, zero), keepPos),
        v128.and(f32x4.lt(g, zero), keepNeg),
      );
      const leaked = f32x4.mul(f32x4.splat(load<f32>(leak + ((<usize>t) << 2))), g);
      acc = f32x4.add(acc, v128.bitselect(g, leaked, keep));
      p += rowBytes;
    }
    v128.store(out + off, acc);
  }
  for (; k < n; k++) {
    const off = (<usize>k) << 2;
    let s: f32 = 0;
    let a: f32 = 0;
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      const g = load<f32>(p);
      s += g;
      a += Mathf.abs(g);
      p += rowBytes;
    }
    const h = mix32(mix32((offset + <u32>k) ^ key0) ^ key1);
    const c = <i32>((h >>> 8) << 1) - 16777216;
    const threshold = (<f32>c * TWO_POW_M24) * a;
    let acc: f32 = 0;
    p = rows + off;
    for (let t = 0; t < T; t++) {
      const g = load<f32>(p);
      const keep = (g > 0 && s > threshold) || (g < 0 && s < threshold);
      acc += keep ? g : load<f32>(leak + ((<usize>t) << 2)) * g;
      p += rowBytes;
    }
    store<f32>(out + off, acc);
  }
}
