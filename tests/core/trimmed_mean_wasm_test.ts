// The trimmed-mean WASM kernel (core/assembly/trimmed_mean.ts) against its TypeScript reference:
// the same bits for every T from 1 to 20, every valid trim, lengths that hit every SIMD tail (and
// chunk boundaries of the wrapper's staging), signed zeros, infinities and widely different scales.

import assert from "node:assert/strict";
import fc from "fast-check";
import { trimmedMeanReference } from "../../core/trimmed_mean_reference.ts";
import { createTrimmedMeanWasm, trimmedMeanKernel } from "../../core/trimmed_mean_wasm.ts";

const wasm = createTrimmedMeanWasm();
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer));

/** A reproducible float32 value from an integer: mixed signs, scales, signed zeros and infinities. */
function value(i: number): number {
  const h = Math.imul(i ^ (i >>> 13), 0x5bd1e995) >>> 0;
  const kind = h % 23;
  if (kind === 0) return 0;
  if (kind === 1) return -0;
  if (kind === 2) return h % 2 ? Infinity : -Infinity;
  const scale = [1, 1e-3, 1e3, 1e-30, 1e30][h % 5];
  return Math.fround(((h >>> 8) % 2001 - 1000) * scale);
}

function rows(T: number, d: number, seed: number): Float32Array[] {
  return Array.from(
    { length: T },
    (_, t) => Float32Array.from({ length: d }, (_, k) => value(seed * 7919 + t * 104729 + k)),
  );
}

Deno.test("trimmed-mean: WASM SIMD is available, and the kernel in use is it", () => {
  assert.ok(wasm !== null, "WebAssembly SIMD is available in Deno");
  assert.equal(trimmedMeanKernel().name, "wasm-simd");
});

Deno.test("trimmed-mean: WASM kernel equals the reference bit for bit, T 1..20, every trim, every tail", () => {
  for (let T = 1; T <= 20; T++) {
    for (let trim = 0; 2 * trim < T; trim++) {
      for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 31]) {
        const r = rows(T, d, T * 100 + trim * 10 + d);
        const a = new Float32Array(d);
        const b = new Float32Array(d);
        wasm!.run(r, { trim }, a);
        trimmedMeanReference(r, trim, b);
        // Infinities of both signs kept give NaN in both; compare bits otherwise.
        assert.deepEqual(
          bits(a).map((x, k) => Number.isNaN(a[k]) ? "NaN" : x),
          bits(b).map((x, k) => Number.isNaN(b[k]) ? "NaN" : x),
          `T ${T}, trim ${trim}, d ${d}`,
        );
      }
    }
  }
});

Deno.test("trimmed-mean: WASM kernel equals the reference across the wrapper's chunks", () => {
  // 64 Ki floats are staged per chunk: T = 3 gives 4096-float chunks, so d = 9001 spans three.
  for (const [T, d] of [[3, 9001], [7, 4099], [20, 3300]]) {
    for (const trim of [0, (T - 1) >> 1]) {
      const r = rows(T, d, d + trim).map((g) => g.map((x) => Number.isFinite(x) ? x : 1));
      const a = new Float32Array(d);
      const b = new Float32Array(d);
      wasm!.run(r, { trim }, a);
      trimmedMeanReference(r, trim, b);
      assert.deepEqual(bits(a), bits(b), `T ${T}, trim ${trim}, d ${d}`);
    }
  }
});

Deno.test("trimmed-mean: WASM kernel equals the reference on random float32 rows", () => {
  fc.assert(
    fc.property(
      fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 })).chain(([T, d]) =>
        fc.tuple(
          fc.array(
            fc.float32Array({ minLength: d, maxLength: d, noNaN: true }),
            { minLength: T, maxLength: T },
          ),
          fc.integer({ min: 0, max: (T - 1) >> 1 }),
        )
      ),
      ([r, trim]) => {
        const a = new Float32Array(r[0].length);
        const b = new Float32Array(r[0].length);
        wasm!.run(r, { trim }, a);
        trimmedMeanReference(r, trim, b);
        assert.deepEqual(
          bits(a).map((x, k) => Number.isNaN(a[k]) ? "NaN" : x),
          bits(b).map((x, k) => Number.isNaN(b[k]) ? "NaN" : x),
        );
      },
    ),
    { numRuns: 300, seed: 414 },
  );
});
