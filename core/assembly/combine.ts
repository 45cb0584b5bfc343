// AssemblyScript source of the combine kernel (compiled by core/build_wasm.ts; not Deno code).
//
// out[k] = Σ_t w[t] · rows[t][k] for one staged block of T task rows, each n floats long (n a
// multiple of 4: the wrapper zero-pads the last chunk) (DESIGN.md: the combine pass; PAPER.md
// §1.3 "update = Σ_k w[k] g_k"). Fused over all tasks: each f32x4 of the output is summed over
// every task before it is stored, so the output is written once. `w` holds T f32 weights. Eight
// f32x4 accumulators per step (32 floats: two 64-byte lines of every row), enough independent
// multiply-adds to hide their latency (measured in this kernel's commit message: at T = 32, 46 GB/s
// of staged input against 23 GB/s with four accumulators).
//
// Returns 0 when every output value is finite, NaN otherwise: x − x is 0 for finite x and NaN for
// ±Infinity or NaN, and a NaN survives the sum, so callers that must reject non-finite output
// (adapters/split.ts combineBlock) need no second pass over it.

import { madd } from "./madd";

export function combine(rows: usize, T: i32, n: i32, w: usize, out: usize): f32 {
  const rowBytes = (<usize>n) << 2;
  const end = (<usize>n) << 2;
  let check = f32x4.splat(0);
  let off: usize = 0;
  for (; off + 128 <= end; off += 128) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0);
    let s5 = f32x4.splat(0);
    let s6 = f32x4.splat(0);
    let s7 = f32x4.splat(0);
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      const wt = v128.load32_splat(w + ((<usize>t) << 2));
      s0 = madd(wt, v128.load(p), s0);
      s1 = madd(wt, v128.load(p, 16), s1);
      s2 = madd(wt, v128.load(p, 32), s2);
      s3 = madd(wt, v128.load(p, 48), s3);
      s4 = madd(wt, v128.load(p, 64), s4);
      s5 = madd(wt, v128.load(p, 80), s5);
      s6 = madd(wt, v128.load(p, 96), s6);
      s7 = madd(wt, v128.load(p, 112), s7);
      p += rowBytes;
    }
    v128.store(out + off, s0);
    v128.store(out + off, s1, 16);
    v128.store(out + off, s2, 32);
    v128.store(out + off, s3, 48);
    v128.store(out + off, s4, 64);
    v128.store(out + off, s5, 80);
    v128.store(out + off, s6, 96);
    v128.store(out + off, s7, 112);
    const c0 = f32x4.add(f32x4.sub(s0, s0), f32x4.sub(s1, s1));
    const c1 = f32x4.add(f32x4.sub(s2, s2), f32x4.sub(s3, s3));
    const c2 = f32x4.add(f32x4.sub(s4, s4), f32x4.sub(s5, s5));
    const c3 = f32x4.add(f32x4.sub(s6, s6), f32x4.sub(s7, s7));
    check = f32x4.add(check, f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)));
  }
  for (; off < end; off += 16) {
    let s = f32x4.splat(0);
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      s = madd(v128.load32_splat(w + ((<usize>t) << 2)), v128.load(p), s);
      p += rowBytes;
    }
    v128.store(out + off, s);
    check = f32x4.add(check, f32x4.sub(s, s));
  }
  return f32x4.extract_lane(check, 0) + f32x4.extract_lane(check, 1) +
    f32x4.extract_lane(check, 2) + f32x4.extract_lane(check, 3);
}
