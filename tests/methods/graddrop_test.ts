// GradDrop (Chen et al. 2020): the WASM kernel against its reference bit for bit over lengths that
// hit every SIMD tail and chunk boundary, the sign-consistency property, leak, seeding, offsets.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery } from "../../mod.ts";
import { graddropReference } from "../../core/graddrop_reference.ts";
import { createGradDropWasm } from "../../core/graddrop_wasm.ts";
import { gradsArb } from "../_arbitraries.ts";

const wasm = createGradDropWasm();

Deno.test("graddrop: WASM kernel equals the TypeScript reference bit for bit", () => {
  assert.ok(wasm !== null, "WebAssembly SIMD is available in Deno");
  fc.assert(
    fc.property(
      gradsArb(1, 12),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
      (grads, key0, key1, offset, leaks) => {
        const params = { key0, key1, offset, leak: leaks.slice(0, grads.length) };
        const a = new Float32Array(grads[0].length);
        const b = new Float32Array(grads[0].length);
        wasm!.run(grads, params, a);
        graddropReference(grads, params, b);
        assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("graddrop: each output coordinate sums only entries of one sign (leak 0)", () => {
  fc.assert(
    fc.property(gradsArb(1, 8, fc.integer({ min: 0, max: 67 })), fc.integer(), (grads, seed) => {
      const out = surgery(grads, { method: "graddrop", seed });
      for (let k = 0; k < out.length; k++) {
        const pos = grads.reduce((s, g) => s + Math.max(g[k], 0), 0);
        const neg = grads.reduce((s, g) => s + Math.min(g[k], 0), 0);
        // P = U exactly keeps neither sign (the paper's strict inequalities): 0 is then right too.
        const ok = Math.abs(out[k] - pos) <= 1e-5 * (pos - neg) ||
          Math.abs(out[k] - neg) <= 1e-5 * (pos - neg) || out[k] === 0;
        assert.ok(ok, `coordinate ${k}: ${out[k]} is neither Σ⁺ ${pos} nor Σ⁻ ${neg}`);
      }
    }),
    { numRuns: 100 },
  );
});

Deno.test("graddrop: agreeing signs keep everything; leak 1 is the plain sum; mean divides by T", () => {
  const grads = [new Float32Array([1, -2, 3, 0]), new Float32Array([2, -1, 0.5, 0])];
  assert.deepEqual(Array.from(surgery(grads, { method: "graddrop" })), [3, -3, 3.5, 0]);
  const mixed = [new Float32Array([1, -2, 3]), new Float32Array([-2, 1, -0.5])];
  assert.deepEqual(Array.from(surgery(mixed, { method: "graddrop", leak: 1 })), [-1, -1, 2.5]);
  const half = surgery(mixed, { method: "graddrop", seed: 4, reduction: "mean" });
  const full = surgery(mixed, { method: "graddrop", seed: 4 });
  assert.deepEqual(Array.from(half), Array.from(full, (x) => Math.fround(x / 2)));
});

Deno.test("graddrop: P = 1 and P = 0 decide deterministically; the draw frequency follows P", () => {
  // Coordinate with g = (+3, −1): P = ½(1 + 2/4) = 0.75 → keeps the positive entry 75% of the time.
  const grads = [new Float32Array(20000).fill(3), new Float32Array(20000).fill(-1)];
  const out = surgery(grads, { method: "graddrop", seed: 11 });
  const positive = out.filter((x) => x === 3).length / out.length;
  assert.ok(Math.abs(positive - 0.75) < 0.015, `kept positive ${positive}`);
  assert.ok(out.every((x) => x === 3 || x === -1));
});

Deno.test("graddrop: seeded and stateful; weights() and per-task leak length are checked", () => {
  const grads = [new Float32Array([1, -2, 3]), new Float32Array([-2, 1, -0.5])];
  const s1 = createSurgery({ method: "graddrop", seed: 2 });
  const s2 = createSurgery({ method: "graddrop", seed: 2 });
  assert.deepEqual(s1.surgery(grads), s2.surgery(grads));
  assert.equal(s1.stats!.weights.length, 0);
  assert.throws(() => s1.weights(new Float64Array(4)), /"graddrop" is elementwise/);
  assert.throws(
    () => surgery(grads, { method: "graddrop", leak: [0.5] }),
    /leak has 1 entries, expected 2 \(one per task\)/,
  );
  assert.throws(
    () => surgery(grads, { method: "graddrop", leak: 2 }),
    /leak must be a number in \[0, 1\], found 2/,
  );
});
