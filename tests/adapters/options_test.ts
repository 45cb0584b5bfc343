// Methods, reductions and variants of the plain API.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery } from "../../mod.ts";
import { gradsArb } from "../_arbitraries.ts";
import { dot, nearZeroNorm, relativeError } from "../_oracle.ts";

function sumOf(grads: Float32Array[]): Float64Array {
  const out = new Float64Array(grads[0].length);
  for (const g of grads) g.forEach((x, k) => (out[k] += x));
  return out;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(dot(v, v));

/**
 * ‖Σ w_t g_t‖ / Σ |w_t| ‖g_t‖: how much of the weighted sum survives cancellation. The variants'
 * norms come from the float32-accumulated Gramian, so a result that is a tiny residual of large
 * cancelling terms has a norm accurate only to that scale; such cases are left out below.
 */
function survives(grads: Float32Array[], w: readonly number[]): number {
  const v = new Float64Array(grads[0].length);
  let scale = 0;
  grads.forEach((g, t) => {
    g.forEach((x, k) => (v[k] += w[t] * x));
    scale += Math.abs(w[t]) * norm(g);
  });
  return scale === 0 ? 0 : norm(v) / scale;
}

/** PCGrad's output and weights with seed 2. */
function pcgradOf(grads: Float32Array[]) {
  const s = createSurgery({ seed: 2 });
  const out = s.surgery(grads);
  return { out, w: s.stats!.weights };
}

const wellConditioned = (grads: Float32Array[], w: number[]) =>
  !grads.some((_, t) => nearZeroNorm(grads, t)) &&
  survives(grads, w) > 1e-2 && survives(grads, grads.map(() => 1)) > 1e-2;

Deno.test("method 'sum' and 'mean' are the plain sum and mean", () => {
  fc.assert(
    fc.property(gradsArb(1, 16), (grads) => {
      const s = sumOf(grads);
      assert.ok(relativeError(surgery(grads, { method: "sum" }), s, grads) < 1e-5);
      const m = s.map((x) => x / grads.length);
      assert.ok(relativeError(surgery(grads, { method: "mean" }), m, grads) < 1e-5);
    }),
    { numRuns: 50 },
  );
});

Deno.test("reduction 'mean' divides the update by T", () => {
  fc.assert(
    fc.property(gradsArb(1, 16), (grads) => {
      const sum = surgery(grads, { seed: 5 });
      const mean = surgery(grads, { seed: 5, reduction: "mean" });
      const want = sum.map((x) => x / grads.length);
      assert.ok(relativeError(mean, want, grads) < 1e-5);
    }),
    { numRuns: 50 },
  );
});

Deno.test("variant 'direction': PCGrad's direction with the plain sum's length", () => {
  fc.assert(
    fc.property(gradsArb(2, 8, fc.integer({ min: 1, max: 60 })), (grads) => {
      const { out: pc, w } = pcgradOf(grads);
      const out = surgery(grads, { seed: 2, variant: "direction" });
      const sumNorm = norm(sumOf(grads));
      if (!wellConditioned(grads, w)) return;
      assert.ok(Math.abs(norm(out) - sumNorm) <= 1e-3 * sumNorm, `${norm(out)} vs ${sumNorm}`);
      assert.ok(dot(out, pc) >= (1 - 1e-3) * norm(out) * norm(pc), "same direction as PCGrad");
    }),
    { numRuns: 100 },
  );
});

Deno.test("variant 'magnitude': the plain sum's direction with PCGrad's length", () => {
  fc.assert(
    fc.property(gradsArb(2, 8, fc.integer({ min: 1, max: 60 })), (grads) => {
      const { out: pc, w } = pcgradOf(grads);
      const out = surgery(grads, { seed: 2, variant: "magnitude" });
      const sum = sumOf(grads);
      if (!wellConditioned(grads, w)) return;
      assert.ok(Math.abs(norm(out) - norm(pc)) <= 1e-3 * norm(pc), `${norm(out)} vs ${norm(pc)}`);
      assert.ok(dot(out, sum) >= (1 - 1e-3) * norm(out) * norm(sum), "same direction as the sum");
    }),
    { numRuns: 100 },
  );
});

Deno.test("variants: a zero norm yields the zero vector", () => {
  const g = new Float32Array([1, 2, -3]);
  const opposite = [g, g.map((x) => -x)];
  for (const variant of ["direction", "magnitude"] as const) {
    assert.deepEqual(surgery(opposite, { variant }), new Float32Array(3), variant);
  }
});

Deno.test("stats: Gramian, norms, cosines, Φ, conflicts, weights and orders", () => {
  const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1]), new Float32Array([0, 3])];
  const s = createSurgery({ order: "fixed" });
  assert.equal(s.stats, null);
  const out = s.surgery(grads);
  const st = s.stats!;
  assert.deepEqual(st.gramian, [[1, -1, 0], [-1, 2, 3], [0, 3, 9]]);
  assert.deepEqual(st.norms, [1, Math.SQRT2, 3]);
  assert.ok(Math.abs(st.cosine[0][1] + Math.SQRT1_2) < 1e-12);
  assert.equal(st.cosine[0][2], 0);
  // Φ(g1, g2) = 2·1·√2 / (1 + 2)
  assert.ok(Math.abs(st.magnitudeSimilarity[0][1] - (2 * Math.SQRT2) / 3) < 1e-12);
  assert.equal(st.magnitudeSimilarity[1][1], 1);
  assert.deepEqual(st.conflicts, [[0, 1]]);
  assert.equal(st.projections, 2);
  assert.deepEqual(st.orders, [[1, 2], [0, 2], [0, 1]]);
  // output = Σ_t w_t g_t
  const recombined = [0, 1].map((k) => st.weights.reduce((a, w, t) => a + w * grads[t][k], 0));
  recombined.forEach((v, k) => assert.ok(Math.abs(v - out[k]) < 1e-6));
  assert.equal(st.kernel, "wasm-simd");
  s.reset();
  assert.equal(s.stats, null);
});

Deno.test("stats.weights are before the reduction", () => {
  const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
  const s = createSurgery({ reduction: "mean" });
  const out = s.surgery(grads);
  assert.deepEqual(s.stats!.weights, [2, 1.5]);
  assert.deepEqual(Array.from(out), [0.25, 0.75]);
});
