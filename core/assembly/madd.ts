// AssemblyScript helper shared by the kernels (compiled by core/build_wasm.ts; not Deno code).
//
// a·b + c in f32x4 lanes. The module is built twice (core/build_wasm.ts): with relaxed SIMD this
// is one fused multiply-add where the CPU has it (f32x4.relaxed_madd, rounded once); the plain
// SIMD build, the fallback for runtimes without relaxed SIMD, multiplies then adds (rounded twice).

@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
