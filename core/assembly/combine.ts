// AssemblyScript source of the combine kernel (compiled by core/build_wasm.ts; not Deno code).
//
// out[k] = Σ_t w[t] · rows[t][k] for T task rows of n floats, `stride` floats apart: a staged
// chunk (stride = n) or rows read in place from a gradient buffer (core/gradient_buffer.ts). n is
// a multiple of 8 (the wrapper zero-pads staged chunks and sends in-place tails to TypeScript)
// (docs/architecture.md: the combine pass, update = Σ_k w[k] g_k). `w` holds T f32 weights.
//
// Blocked by rows: for each block of BLOCK_FLOATS outputs (64 KiB, cache-resident), rows are
// added two at a time, each row segment read front to back. Reading two long runs at a time
// beats reading all T rows in lockstep (eight accumulators fused over all T rows) when the rows
// come from memory: at T = 8, d = 1e7 in place, 14.5 ms against 32 ms; on staged, cached chunks
// the two are equal (6.0 ms each). The sum runs in task order, madd(w_t, g_t, partial), so the
// blocking does not change a bit of the result.
//
// Returns 0 when every output value is finite, NaN otherwise: x − x is 0 for finite x and NaN for
// ±Infinity or NaN, and a NaN survives the sum, so callers that must reject non-finite output
// (adapters/split.ts combineBlock) need no second pass over memory (the check rereads each block
// while it is in cache).

import { madd } from "./madd";

/** Outputs per block: 16 Ki floats = 64 KiB, chosen by a sweep of block sizes. */
const BLOCK_FLOATS = 16384;

/** out[0, bytes) = w0 · r0 (+ w1 · r1 when two rows are given). */
@inline
function firstRows(r0: usize, r1: usize, two: bool, w0: v128, w1: v128, out: usize, bytes: usize): void {
  if (two) {
    for (let off: usize = 0; off < bytes; off += 32) {
      v128.store(out + off, madd(w1, v128.load(r1 + off), madd(w0, v128.load(r0 + off), f32x4.splat(0))));
      v128.store(
        out + off,
        madd(w1, v128.load(r1 + off, 16), madd(w0, v128.load(r0 + off, 16), f32x4.splat(0))),
        16,
      );
    }
  } else {
    for (let off: usize = 0; off < bytes; off += 16) {
      v128.store(out + off, madd(w0, v128.load(r0 + off), f32x4.splat(0)));
    }
  }
}

/** out[0, bytes) += wa · ra + wb · rb, in that order. */
@inline
function addTwoRows(ra: usize, rb: usize, wa: v128, wb: v128, out: usize, bytes: usize): void {
  for (let off: usize = 0; off < bytes; off += 32) {
    v128.store(out + off, madd(wb, v128.load(rb + off), madd(wa, v128.load(ra + off), v128.load(out + off))));
    v128.store(
      out + off,
      madd(wb, v128.load(rb + off, 16), madd(wa, v128.load(ra + off, 16), v128.load(out + off, 16))),
      16,
    );
  }
}

/** out[0, bytes) += wa · ra. */
@inline
function addRow(ra: usize, wa: v128, out: usize, bytes: usize): void {
  for (let off: usize = 0; off < bytes; off += 16) {
    v128.store(out + off, madd(wa, v128.load(ra + off), v128.load(out + off)));
  }
}

/** Σ (x − x) over out[0, bytes): 0 when all are finite, NaN otherwise. */
@inline
function nonFinite(out: usize, bytes: usize): v128 {
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  for (let off: usize = 0; off < bytes; off += 32) {
    const x = v128.load(out + off);
    const y = v128.load(out + off, 16);
    a = f32x4.add(a, f32x4.sub(x, x));
    b = f32x4.add(b, f32x4.sub(y, y));
  }
  return f32x4.add(a, b);
}

@inline
function weight(w: usize, t: i32): v128 {
  return v128.load32_splat(w + ((<usize>t) << 2));
}

export function combine(rows: usize, T: i32, n: i32, stride: i32, w: usize, out: usize): f32 {
  const rowBytes = (<usize>stride) << 2;
  let check = f32x4.splat(0);
  for (let k0 = 0; k0 < n; k0 += BLOCK_FLOATS) {
    const bytes = (<usize>min(BLOCK_FLOATS, n - k0)) << 2;
    const r = rows + ((<usize>k0) << 2);
    const o = out + ((<usize>k0) << 2);
    firstRows(r, r + rowBytes, T >= 2, weight(w, 0), weight(w, 1), o, bytes);
    let t = 2;
    for (; t + 2 <= T; t += 2) {
      const ra = r + <usize>t * rowBytes;
      addTwoRows(ra, ra + rowBytes, weight(w, t), weight(w, t + 1), o, bytes);
    }
    if (t < T) addRow(r + <usize>t * rowBytes, weight(w, t), o, bytes);
    check = f32x4.add(check, nonFinite(o, bytes));
  }
  return f32x4.extract_lane(check, 0) + f32x4.extract_lane(check, 1) +
    f32x4.extract_lane(check, 2) + f32x4.extract_lane(check, 3);
}
