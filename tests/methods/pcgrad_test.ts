// PCGrad weights in Gram space on small matrices (methods are testable on 3×3).

import assert from "node:assert/strict";
import { pcgradCoefficients } from "../../methods/pcgrad.ts";
import { CANCELLED, variantScale, variantWeights } from "../../methods/variants.ts";

Deno.test("Algorithm 1 by hand: G = [[1, −1], [−1, 2]] gives w = (2, 1.5)", () => {
  const { weights, projections } = pcgradCoefficients(new Float64Array([1, -1, -1, 2]), 2, [[1], [
    0,
  ]]);
  assert.deepEqual(Array.from(weights), [2, 1.5]);
  assert.equal(projections, 2);
});

Deno.test("projection against the original g_j, not the projected one (hand-worked 3×3)", () => {
  // g1 = (1, 0), g2 = (−1, 1), g3 = (0, −1). c = coefficients of g_i^PC, r = c·G.
  // Task 1, order [2, 3]: r = (1, −1, 0); s = −1 → c2 += 1/2 → c = (1, ½, 0), r = (½, 0, −½);
  //   s = r3 = −½ → c3 += ½ → c = (1, ½, ½)            [vector: (0.5, 0.5) → (0.5, 0)]
  // Task 2, order [1, 3]: r = (−1, 2, −1); s = −1 → c = (1, 1, 0), r = (0, 1, −1);
  //   s = −1 → c = (1, 1, 1)
  // Task 3, order [1, 2]: r = (0, −1, 1); s = 0 → skip; s = −1 → c = (0, ½, 1)
  const G = new Float64Array([1, -1, 0, -1, 2, -1, 0, -1, 1]);
  const { weights, projections } = pcgradCoefficients(G, 3, [[1, 2], [0, 2], [0, 1]]);
  assert.deepEqual(Array.from(weights), [2, 2, 2.5]);
  assert.equal(projections, 5);
});

Deno.test("a zero row is never projected on and never yields NaN", () => {
  const G = new Float64Array([0, 0, 0, 4]);
  const { weights } = pcgradCoefficients(G, 2, [[1], [0]]);
  assert.deepEqual(Array.from(weights), [1, 1]);
});

Deno.test("a task below 1e-20 of the largest squared norm counts as zero", () => {
  // g_j tiny and conflicting: projecting on it would need w_j ≈ 1e11.
  const G = new Float64Array([1, -1e-11, -1e-11, 1e-21]);
  const { weights } = pcgradCoefficients(G, 2, [[1], [0]]);
  assert.equal(weights[1], 1);
  assert.ok(Number.isFinite(weights[0]));
});

Deno.test("variants scale by the norms of the combination and of the plain sum", () => {
  // g1 = (1, 0), g2 = (−1, 1): ‖g1 + g2‖² = 1, PCGrad w = (2, 1.5), ‖g^PC‖² = ‖(0.5, 1.5)‖² = 2.5
  const w = new Float64Array([2, 1.5]);
  const norms = { combined: 2.5, sum: 1, terms: 2 * 2 + 1.5 * 1.5 * 2 };
  const dir = variantScale("direction", norms);
  assert.equal(dir.base, "method");
  assert.ok(Math.abs(dir.factor - 1 / Math.sqrt(2.5)) < 1e-15);
  variantWeights(dir, w).forEach((x, t) => assert.ok(Math.abs(x - w[t] / Math.sqrt(2.5)) < 1e-15));
  const mag = variantScale("magnitude", norms);
  assert.equal(mag.base, "ones");
  variantWeights(mag, w).forEach((x) => assert.ok(Math.abs(x - Math.sqrt(2.5)) < 1e-15));
});

Deno.test("variants: a combination that is only rounding of its terms counts as zero", () => {
  const at = (combined: number) => ({ combined, sum: 1, terms: 1 });
  for (const variant of ["direction", "magnitude"] as const) {
    assert.equal(variantScale(variant, at(0)).factor, 0);
    assert.equal(variantScale(variant, at((CANCELLED * 0.99) ** 2)).factor, 0);
    assert.ok(variantScale(variant, at((CANCELLED * 1.01) ** 2)).factor > 0);
    assert.equal(variantScale(variant, { combined: 1, sum: 0, terms: 1 }).factor, 0);
  }
});
