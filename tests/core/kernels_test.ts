// WASM kernels (both builds: relaxed SIMD and the plain SIMD fallback) against the pure-TypeScript
// reference, across lengths that hit every f32x4 tail (zero-padded by the wrapper), T that hit
// every tile of the 2×4 Gram tiling, and lengths that cross the staging chunks.

import assert from "node:assert/strict";
import fc from "fast-check";
import { referenceKernels } from "../../core/reference.ts";
import {
  chunkLength,
  createWasmKernels,
  MAX_CHUNK_FLOATS,
  type WasmKernels,
} from "../../core/wasm.ts";
import { kernels } from "../../core/kernels.ts";
import { gradsArb } from "../_arbitraries.ts";
import { gramError } from "../_oracle.ts";

const relaxed = createWasmKernels({ flavors: ["relaxed-simd"] });
const plain = createWasmKernels({ flavors: ["simd"] });

Deno.test("WebAssembly (relaxed) SIMD is available here; the default backend prefers relaxed", () => {
  assert.ok(plain !== null, "this runtime should support WebAssembly SIMD");
  assert.ok(relaxed !== null, "this runtime should support relaxed SIMD");
  assert.equal(kernels.name, "wasm-simd");
  assert.equal(createWasmKernels()!.flavor, "relaxed-simd");
  assert.equal(plain.flavor, "simd");
});

/** Every test below runs on both builds. */
function eachBuild(name: string, body: (wasm: WasmKernels) => void): void {
  for (const [flavor, wasm] of [["relaxed-simd", relaxed], ["simd", plain]] as const) {
    Deno.test(`${name} (${flavor})`, () => body(wasm!));
  }
}

function gramOf(k: typeof referenceKernels, rows: Float32Array[]): Float64Array {
  const G = new Float64Array(rows.length * rows.length);
  k.gram(rows, G);
  return G;
}

eachBuild("gram: WASM equals the float64 reference within float32 rounding", (wasm) => {
  fc.assert(
    fc.property(gradsArb(1, 33), (rows) => {
      const T = rows.length;
      const got = gramOf(wasm, rows);
      const want = gramOf(referenceKernels, rows);
      assert.ok(gramError(got, want, T) < 1e-5, `gram error ${gramError(got, want, T)}`);
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) assert.equal(got[i * T + j], got[j * T + i], "symmetric");
      }
    }),
    { numRuns: 150 },
  );
});

eachBuild("gram: accumulates into G instead of overwriting it", (wasm) => {
  const rows = [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])];
  const G = new Float64Array([1, 1, 1, 1]);
  wasm.gram(rows, G);
  assert.deepEqual(Array.from(G), [15, 33, 33, 78]);
});

eachBuild("combine: WASM equals the float64 reference within float32 rounding", (wasm) => {
  fc.assert(
    fc.property(
      gradsArb(1, 33),
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 33, maxLength: 33 }),
      (rows, ws) => {
        const d = rows[0].length;
        const w = ws.slice(0, rows.length);
        const got = new Float32Array(d).fill(NaN);
        const want = new Float32Array(d);
        wasm.combine(rows, w, got);
        referenceKernels.combine(rows, w, want);
        let scale = 1e-30;
        rows.forEach((g, t) => g.forEach((x) => (scale = Math.max(scale, Math.abs(w[t] * x)))));
        for (let k = 0; k < d; k++) {
          assert.ok(
            Math.abs(got[k] - want[k]) <= 1e-5 * scale * rows.length,
            `index ${k}: ${got[k]} vs ${want[k]}`,
          );
        }
      },
    ),
    { numRuns: 150 },
  );
});

eachBuild("kernels: exact on small integers for every length 0..40 and T 1..13", (wasm) => {
  for (let T = 1; T <= 13; T++) {
    for (let d = 0; d <= 40; d++) {
      const rows = Array.from(
        { length: T },
        (_, t) => Float32Array.from({ length: d }, (_, k) => ((t * 7 + k * 3) % 11) - 5),
      );
      assert.deepEqual(gramOf(wasm, rows), gramOf(referenceKernels, rows), `T=${T} d=${d}`);
      const w = Array.from({ length: T }, (_, t) => t - 2);
      const a = new Float32Array(d);
      const b = new Float32Array(d);
      wasm.combine(rows, w, a);
      referenceKernels.combine(rows, w, b);
      assert.deepEqual(a, b, `combine T=${T} d=${d}`);
    }
  }
});

eachBuild("staging: lengths across chunk boundaries stay exact on integers", (wasm) => {
  for (const T of [1, 2, 5, 32, 40]) {
    const n = chunkLength(T);
    for (const d of [n - 1, n, n + 1, 3 * n + 5]) {
      const rows = Array.from(
        { length: T },
        (_, t) => Float32Array.from({ length: d }, (_, k) => ((t + k) % 5) - 2),
      );
      assert.deepEqual(gramOf(wasm, rows), gramOf(referenceKernels, rows), `T=${T} d=${d}`);
    }
  }
});

Deno.test("staging: chunk lengths are whole f32x4 lanes and bounded", () => {
  for (const T of [1, 2, 3, 8, 32, 33, 1000, 100000]) {
    const n = chunkLength(T);
    assert.equal(n % 4, 0);
    assert.ok(n >= 4 && n <= MAX_CHUNK_FLOATS, `T=${T}: ${n}`);
  }
});

eachBuild("WASM memory does not grow with d or across calls", (wasm) => {
  const k = createWasmKernels({ flavors: [wasm.flavor] })!;
  const T = 8;
  const rows = (d: number) => Array.from({ length: T }, () => new Float32Array(d).fill(0.5));
  k.gram(rows(10), new Float64Array(T * T));
  const after = k.memoryBytes();
  for (const d of [1000, 100_000, 2_000_000]) {
    const big = rows(d);
    const G = new Float64Array(T * T);
    k.gram(big, G);
    assert.ok(Math.abs(G[0] - d / 4) < 1e-6 * d, `G[0][0] = ${G[0]} for d = ${d}`);
    const out = new Float32Array(d);
    k.combine(big, new Array(T).fill(1), out);
    assert.equal(out[d - 1], 4);
    assert.equal(k.memoryBytes(), after, `memory grew at d = ${d}`);
  }
  assert.ok(after <= 1 << 20, `scratch for T = 8 is ${after} bytes`);
});

eachBuild("combine reports non-finite output, wherever it falls in a chunk", (wasm) => {
  const T = 3;
  for (const d of [1, 5, 16, 17, 70, chunkLength(T) + 9]) {
    for (const at of new Set([0, d >> 1, d - 1])) {
      for (const bad of [Infinity, -Infinity, NaN]) {
        const rows = Array.from({ length: T }, () => new Float32Array(d).fill(1));
        rows[1][at] = bad;
        const out = new Float32Array(d);
        assert.equal(wasm.combine(rows, [1, 1, 1], out), false, `d=${d} at=${at} ${bad}`);
        assert.equal(referenceKernels.combine(rows, [1, 1, 1], out), false);
      }
    }
    const rows = Array.from({ length: T }, () => new Float32Array(d).fill(3e38));
    const out = new Float32Array(d);
    assert.equal(wasm.combine(rows, [1, 1, 0], out), false, `overflow at d=${d}`);
    assert.equal(wasm.combine(rows, [1, -1, 0.5], out), true, `finite at d=${d}`);
  }
});

Deno.test("relaxed and plain builds agree within float32 rounding", () => {
  fc.assert(
    fc.property(gradsArb(1, 20), (rows) => {
      const T = rows.length;
      const a = gramOf(relaxed!, rows);
      const b = gramOf(plain!, rows);
      const want = gramOf(referenceKernels, rows);
      assert.ok(gramError(a, b, T) < 2e-5, `relaxed vs plain gram error ${gramError(a, b, T)}`);
      assert.ok(gramError(a, want, T) < 1e-5);
    }),
    { numRuns: 100 },
  );
});
