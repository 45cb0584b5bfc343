// AssemblyScript source of the benchmark's floor kernels (compiled by core/build_wasm.ts into
// bench/_floors_module.ts; not Deno code, not part of the library).
//
// readSum: the streaming read bandwidth a WASM SIMD loop reaches over given bytes (eight f32x4
// loads per 128 bytes into independent accumulators, nothing else): the memory floor.
// peakMadd: the peak multiply-add rate of an in-register WASM SIMD loop shaped like the Gram
// kernel's inner loop (a 3×3 tile of accumulators, one lane rotation per row to keep the operands
// changing), with no memory access at all: the compute floor. Built with and without relaxed SIMD
// (core/assembly/madd.ts), like the library.

import { madd } from "../../core/assembly/madd";

/** Sums `bytes` bytes (a multiple of 128) at `p` as f32x4 lanes; the sum defeats dead-code removal. */
export function readSum(p: usize, bytes: usize): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0);
  let a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0);
  let a7 = f32x4.splat(0);
  const end = p + bytes;
  for (let q = p; q < end; q += 128) {
    a0 = f32x4.add(a0, v128.load(q));
    a1 = f32x4.add(a1, v128.load(q, 16));
    a2 = f32x4.add(a2, v128.load(q, 32));
    a3 = f32x4.add(a3, v128.load(q, 48));
    a4 = f32x4.add(a4, v128.load(q, 64));
    a5 = f32x4.add(a5, v128.load(q, 80));
    a6 = f32x4.add(a6, v128.load(q, 96));
    a7 = f32x4.add(a7, v128.load(q, 112));
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
    f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) +
    f32x4.extract_lane(s, 3);
}

/** 9 · iters f32x4 multiply-adds (36 · iters lane multiply-adds) in registers. */
export function peakMadd(iters: i32, x: f32): f32 {
  let x0 = f32x4.splat(x);
  let x1 = f32x4.splat(x + 1);
  let x2 = f32x4.splat(x + 2);
  const y0 = f32x4.splat(x - 1);
  const y1 = f32x4.splat(x - 2);
  const y2 = f32x4.splat(x - 3);
  let s00 = f32x4.splat(0);
  let s01 = f32x4.splat(0);
  let s02 = f32x4.splat(0);
  let s10 = f32x4.splat(0);
  let s11 = f32x4.splat(0);
  let s12 = f32x4.splat(0);
  let s20 = f32x4.splat(0);
  let s21 = f32x4.splat(0);
  let s22 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    x0 = v128.shuffle<f32>(x0, x0, 1, 2, 3, 0);
    x1 = v128.shuffle<f32>(x1, x1, 1, 2, 3, 0);
    x2 = v128.shuffle<f32>(x2, x2, 1, 2, 3, 0);
    s00 = madd(x0, y0, s00);
    s01 = madd(x0, y1, s01);
    s02 = madd(x0, y2, s02);
    s10 = madd(x1, y0, s10);
    s11 = madd(x1, y1, s11);
    s12 = madd(x1, y2, s12);
    s20 = madd(x2, y0, s20);
    s21 = madd(x2, y1, s21);
    s22 = madd(x2, y2, s22);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(s00, s01), f32x4.add(s02, s10)),
    f32x4.add(f32x4.add(f32x4.add(s11, s12), f32x4.add(s20, s21)), s22),
  );
  return f32x4.extract_lane(s, 0);
}

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
