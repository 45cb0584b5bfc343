// AssemblyScript source of the Gram kernel (compiled by core/build_wasm.ts; not Deno code).
//
// G += J_b J_bᵀ for one block J_b of T task rows, each n floats long, `stride` floats apart: a
// staged chunk (stride = n) or rows read in place from a gradient buffer (core/gradient_buffer.ts,
// stride = the buffer's row pitch). n is a multiple of 8 (the wrapper zero-pads staged chunks and
// sends in-place tails to TypeScript), so the loops unrolled over two f32x4 need no tail. Only the
// upper triangle (j ≥ i) is written: G is symmetric and the TypeScript wrapper mirrors it.
// Products are summed in f32x4 lanes inside a column block; each block's dot product is then
// added to G in float64 (docs/architecture.md: the Gram pass, "Numerics").
//
// Register tiling: two rows i, i+1 against four rows j..j+3, eight f32x4 accumulators, so six
// loads feed eight multiply-adds; the smaller tiles at the diagonal and the row ends unroll k
// twice so that enough independent multiply-adds are in flight (2×4 tiles ran 1.3–1.7× faster
// than 1×4 tiles).

import { madd } from "./madd";

@inline
function hsum(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) +
    <f64>f32x4.extract_lane(v, 3)
  );
}

/** acc[i][j] += v: the f32x4 partial sums of pair (i, j) over the current lane block. */
@inline
function addTo(acc: usize, T: i32, i: i32, j: i32, v: v128): void {
  const p = acc + ((<usize>(i * T + j)) << 4);
  v128.store(p, f32x4.add(v128.load(p), v));
}

/** Rows i, i+1 (at a, a + rowBytes) against rows j..j+3 (at b, b + rowBytes, …), j ≥ i + 2. */
@inline
function tile2x4(a: usize, b: usize, rowBytes: usize, n: i32, acc: usize, T: i32, i: i32, j: i32): void {
  const a1 = a + rowBytes;
  const b1 = b + rowBytes;
  const b2 = b1 + rowBytes;
  const b3 = b2 + rowBytes;
  let s00 = f32x4.splat(0);
  let s01 = f32x4.splat(0);
  let s02 = f32x4.splat(0);
  let s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0);
  let s11 = f32x4.splat(0);
  let s12 = f32x4.splat(0);
  let s13 = f32x4.splat(0);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    const x0 = v128.load(a + off);
    const x1 = v128.load(a1 + off);
    const y0 = v128.load(b + off);
    s00 = madd(x0, y0, s00);
    s10 = madd(x1, y0, s10);
    const y1 = v128.load(b1 + off);
    s01 = madd(x0, y1, s01);
    s11 = madd(x1, y1, s11);
    const y2 = v128.load(b2 + off);
    s02 = madd(x0, y2, s02);
    s12 = madd(x1, y2, s12);
    const y3 = v128.load(b3 + off);
    s03 = madd(x0, y3, s03);
    s13 = madd(x1, y3, s13);
  }
  addTo(acc, T, i, j, s00);
  addTo(acc, T, i, j + 1, s01);
  addTo(acc, T, i, j + 2, s02);
  addTo(acc, T, i, j + 3, s03);
  addTo(acc, T, i + 1, j, s10);
  addTo(acc, T, i + 1, j + 1, s11);
  addTo(acc, T, i + 1, j + 2, s12);
  addTo(acc, T, i + 1, j + 3, s13);
}

/** Rows i, i+1 (at a, a + rowBytes) against rows j, j+1 (j ≥ i + 2); k unrolled twice. */
@inline
function tile2x2(a: usize, b: usize, rowBytes: usize, n: i32, acc: usize, T: i32, i: i32, j: i32): void {
  const a1 = a + rowBytes;
  const b1 = b + rowBytes;
  let s00 = f32x4.splat(0);
  let s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0);
  let s11 = f32x4.splat(0);
  let t00 = f32x4.splat(0);
  let t01 = f32x4.splat(0);
  let t10 = f32x4.splat(0);
  let t11 = f32x4.splat(0);
  const end = (<usize>n) << 2;
  let off: usize = 0;
  for (; off + 32 <= end; off += 32) {
    const x0 = v128.load(a + off);
    const x1 = v128.load(a1 + off);
    const y0 = v128.load(b + off);
    const y1 = v128.load(b1 + off);
    s00 = madd(x0, y0, s00);
    s01 = madd(x0, y1, s01);
    s10 = madd(x1, y0, s10);
    s11 = madd(x1, y1, s11);
    const u0 = v128.load(a + off, 16);
    const u1 = v128.load(a1 + off, 16);
    const v0 = v128.load(b + off, 16);
    const v1 = v128.load(b1 + off, 16);
    t00 = madd(u0, v0, t00);
    t01 = madd(u0, v1, t01);
    t10 = madd(u1, v0, t10);
    t11 = madd(u1, v1, t11);
  }
  addTo(acc, T, i, j, f32x4.add(s00, t00));
  addTo(acc, T, i, j + 1, f32x4.add(s01, t01));
  addTo(acc, T, i + 1, j, f32x4.add(s10, t10));
  addTo(acc, T, i + 1, j + 1, f32x4.add(s11, t11));
}

/** The diagonal block of rows i, i+1: G[i][i], G[i][i+1], G[i+1][i+1]; k unrolled twice. */
@inline
function diagonal2(a: usize, rowBytes: usize, n: i32, acc: usize, T: i32, i: i32): void {
  const a1 = a + rowBytes;
  let s00 = f32x4.splat(0);
  let s01 = f32x4.splat(0);
  let s11 = f32x4.splat(0);
  let t00 = f32x4.splat(0);
  let t01 = f32x4.splat(0);
  let t11 = f32x4.splat(0);
  const end = (<usize>n) << 2;
  let off: usize = 0;
  for (; off + 32 <= end; off += 32) {
    const x0 = v128.load(a + off);
    const x1 = v128.load(a1 + off);
    s00 = madd(x0, x0, s00);
    s01 = madd(x0, x1, s01);
    s11 = madd(x1, x1, s11);
    const u0 = v128.load(a + off, 16);
    const u1 = v128.load(a1 + off, 16);
    t00 = madd(u0, u0, t00);
    t01 = madd(u0, u1, t01);
    t11 = madd(u1, u1, t11);
  }
  addTo(acc, T, i, i, f32x4.add(s00, t00));
  addTo(acc, T, i, i + 1, f32x4.add(s01, t01));
  addTo(acc, T, i + 1, i + 1, f32x4.add(s11, t11));
}

/** Rows i, i+1 against one row j ≥ i + 2; k unrolled twice. */
@inline
function tile2x1(a: usize, b: usize, rowBytes: usize, n: i32, acc: usize, T: i32, i: i32, j: i32): void {
  const a1 = a + rowBytes;
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let t0 = f32x4.splat(0);
  let t1 = f32x4.splat(0);
  const end = (<usize>n) << 2;
  let off: usize = 0;
  for (; off + 32 <= end; off += 32) {
    const y = v128.load(b + off);
    s0 = madd(v128.load(a + off), y, s0);
    s1 = madd(v128.load(a1 + off), y, s1);
    const z = v128.load(b + off, 16);
    t0 = madd(v128.load(a + off, 16), z, t0);
    t1 = madd(v128.load(a1 + off, 16), z, t1);
  }
  addTo(acc, T, i, j, f32x4.add(s0, t0));
  addTo(acc, T, i + 1, j, f32x4.add(s1, t1));
}

/** One row against itself (the last row when T is odd); k unrolled twice. */
@inline
function square(a: usize, n: i32, acc: usize, T: i32, i: i32): void {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  const end = (<usize>n) << 2;
  let off: usize = 0;
  for (; off + 32 <= end; off += 32) {
    const x0 = v128.load(a + off);
    const x1 = v128.load(a + off, 16);
    s0 = madd(x0, x0, s0);
    s1 = madd(x1, x1, s1);
  }
  addTo(acc, T, i, i, f32x4.add(s0, s1));
}

/**
 * Floats of each row summed in f32x4 lanes before the dot products go to G in float64: each lane
 * adds at most LANE_BLOCK_FLOATS / 4 = 1024 products, whatever the block's length.
 */
const LANE_BLOCK_FLOATS = 4096;

/** acc += J Jᵀ (upper triangle, f32x4 partial sums) for n columns of T rows `rowBytes` apart. */
@inline
function gramBlock(rows: usize, rowBytes: usize, T: i32, n: i32, acc: usize): void {
  let i = 0;
  for (; i + 2 <= T; i += 2) {
    const a = rows + <usize>i * rowBytes;
    diagonal2(a, rowBytes, n, acc, T, i);
    let j = i + 2;
    for (; j + 4 <= T; j += 4) tile2x4(a, rows + <usize>j * rowBytes, rowBytes, n, acc, T, i, j);
    if (j + 2 <= T) {
      tile2x2(a, rows + <usize>j * rowBytes, rowBytes, n, acc, T, i, j);
      j += 2;
    }
    if (j < T) tile2x1(a, rows + <usize>j * rowBytes, rowBytes, n, acc, T, i, j);
  }
  if (i < T) square(rows + <usize>i * rowBytes, n, acc, T, i);
}

/**
 * G += J Jᵀ (upper triangle) for T rows of n floats at `rows`, `stride` floats apart. Columns go
 * in lane blocks of LANE_BLOCK_FLOATS, each cut into sub-blocks of `block` floats (a multiple of
 * 8) so that the rows of a sub-block stay in L1 while every tile reads them (the wrapper picks
 * `block` from T: core/wasm.ts gramBlockFloats). Tiles add their partial sums to the T×T f32x4
 * table at `acc` (scratch, 16·T² bytes); each lane block's table is then summed into G in float64.
 * Per pair of rows i, i+1: the diagonal block, then 2×4 tiles, then a 2×2 and a 2×1 tile for what
 * is left of the row; an odd last row is squared alone.
 */
export function gram(rows: usize, T: i32, n: i32, stride: i32, G: usize, acc: usize, block: i32): void {
  const rowBytes = (<usize>stride) << 2;
  const accBytes = (<usize>(T * T)) << 4;
  for (let k0 = 0; k0 < n; k0 += LANE_BLOCK_FLOATS) {
    const m = min(LANE_BLOCK_FLOATS, n - k0);
    memory.fill(acc, 0, accBytes);
    for (let s0 = 0; s0 < m; s0 += block) {
      gramBlock(rows + ((<usize>(k0 + s0)) << 2), rowBytes, T, min(block, m - s0), acc);
    }
    for (let i = 0; i < T; i++) {
      for (let j = i; j < T; j++) {
        const q = G + ((<usize>(i * T + j)) << 3);
        store<f64>(q, load<f64>(q) + hsum(v128.load(acc + ((<usize>(i * T + j)) << 4))));
      }
    }
  }
}
