// AssemblyScript source of the Gram kernel (compiled by core/build_wasm.ts; not Deno code).
//
// G += J_b J_bᵀ for one staged block J_b of T task rows, each n floats long, laid out row after
// row at `rows`. Only the upper triangle (j ≥ i) is written: G is symmetric and the TypeScript
// wrapper mirrors it. Products are summed in f32x4 lanes inside the block; each block's dot
// product is then added to G in float64 (DESIGN.md: the Gram pass, PAPER.md §1.3, §7.2).
//
// Register tiling: one row i against four rows j..j+3 at a time, so every load of row i feeds
// four multiply-adds. Scalar loops finish the columns past the last whole f32x4 and the rows past
// the last whole group of four.

@inline
function hsum(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) +
    <f64>f32x4.extract_lane(v, 3)
  );
}

@inline
function addTo(G: usize, T: i32, i: i32, j: i32, value: f64): void {
  const p = G + ((<usize>(i * T + j)) << 3);
  store<f64>(p, load<f64>(p) + value);
}

/** Dot product of rows a and b over n floats, f32x4 lanes plus a scalar tail. */
@inline
function dot(a: usize, b: usize, n: i32): f64 {
  const n4 = n & ~3;
  let s = f32x4.splat(0);
  for (let k = 0; k < n4; k += 4) {
    const off = (<usize>k) << 2;
    s = f32x4.add(s, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  let total = hsum(s);
  let tail: f32 = 0;
  for (let k = n4; k < n; k++) {
    const off = (<usize>k) << 2;
    tail += load<f32>(a + off) * load<f32>(b + off);
  }
  return total + <f64>tail;
}

export function gram(rows: usize, T: i32, n: i32, G: usize): void {
  const rowBytes = (<usize>n) << 2;
  const n4 = n & ~3;
  for (let i = 0; i < T; i++) {
    const a = rows + <usize>i * rowBytes;
    let j = i;
    for (; j + 4 <= T; j += 4) {
      const b0 = rows + <usize>j * rowBytes;
      const b1 = b0 + rowBytes;
      const b2 = b1 + rowBytes;
      const b3 = b2 + rowBytes;
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let s2 = f32x4.splat(0);
      let s3 = f32x4.splat(0);
      for (let k = 0; k < n4; k += 4) {
        const off = (<usize>k) << 2;
        const x = v128.load(a + off);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0 + off)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1 + off)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2 + off)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3 + off)));
      }
      let t0: f32 = 0;
      let t1: f32 = 0;
      let t2: f32 = 0;
      let t3: f32 = 0;
      for (let k = n4; k < n; k++) {
        const off = (<usize>k) << 2;
        const x = load<f32>(a + off);
        t0 += x * load<f32>(b0 + off);
        t1 += x * load<f32>(b1 + off);
        t2 += x * load<f32>(b2 + off);
        t3 += x * load<f32>(b3 + off);
      }
      addTo(G, T, i, j, hsum(s0) + <f64>t0);
      addTo(G, T, i, j + 1, hsum(s1) + <f64>t1);
      addTo(G, T, i, j + 2, hsum(s2) + <f64>t2);
      addTo(G, T, i, j + 3, hsum(s3) + <f64>t3);
    }
    for (; j < T; j++) {
      addTo(G, T, i, j, dot(a, rows + <usize>j * rowBytes, n));
    }
  }
}
