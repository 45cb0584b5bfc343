// PCGrad weights in Gram space on small matrices (methods are testable on 3×3).

import assert from "node:assert/strict";
import { pcgradCoefficients } from "../../methods/pcgrad.ts";
import { applyVariant } from "../../methods/variants.ts";

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

Deno.test("variants scale the weights by Gram-space norms", () => {
  const G = new Float64Array([1, -1, -1, 2]); // ‖g1 + g2‖² = 1, PCGrad w = (2, 1.5)
  const w = new Float64Array([2, 1.5]);
  // ‖g^PC‖² = wᵀGw = 4 − 6 + 4.5 = 2.5
  const dir = applyVariant(G, 2, w, "direction");
  dir.forEach((x, t) => assert.ok(Math.abs(x - w[t] / Math.sqrt(2.5)) < 1e-15));
  const mag = applyVariant(G, 2, w, "magnitude");
  mag.forEach((x) => assert.ok(Math.abs(x - Math.sqrt(2.5)) < 1e-15));
  assert.equal(applyVariant(G, 2, w, "full"), w);
});
