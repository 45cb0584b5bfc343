// AssemblyScript source of the combine kernel (compiled by core/build_wasm.ts; not Deno code).
//
// out[k] = Σ_t w[t] · rows[t][k] for one staged block of T task rows, each n floats long
// (DESIGN.md: the combine pass; PAPER.md §1.3 "update = Σ_k w[k] g_k"). One pass over the
// output, fused over all tasks: each f32x4 of the output is summed over every task before it is
// stored, so the output is written once. `w` holds T f32 weights.

export function combine(rows: usize, T: i32, n: i32, w: usize, out: usize): void {
  const rowBytes = (<usize>n) << 2;
  const n8 = n & ~7;
  const n4 = n & ~3;
  let k = 0;
  for (; k < n8; k += 8) {
    const off = (<usize>k) << 2;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      const wt = f32x4.splat(load<f32>(w + ((<usize>t) << 2)));
      s0 = f32x4.add(s0, f32x4.mul(wt, v128.load(p)));
      s1 = f32x4.add(s1, f32x4.mul(wt, v128.load(p, 16)));
      p += rowBytes;
    }
    v128.store(out + off, s0);
    v128.store(out + off, s1, 16);
  }
  for (; k < n4; k += 4) {
    const off = (<usize>k) << 2;
    let s = f32x4.splat(0);
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(w + ((<usize>t) << 2))), v128.load(p)));
      p += rowBytes;
    }
    v128.store(out + off, s);
  }
  for (; k < n; k++) {
    const off = (<usize>k) << 2;
    let s: f32 = 0;
    let p = rows + off;
    for (let t = 0; t < T; t++) {
      s += load<f32>(w + ((<usize>t) << 2)) * load<f32>(p);
      p += rowBytes;
    }
    store<f32>(out + off, s);
  }
}
