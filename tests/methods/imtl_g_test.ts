// IMTL-G (Liu et al. 2021): equal projections on every unit task gradient, weights summing to 1,
// TorchJD's documented example, zero gradients without NaN.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery, surgeryWeights } from "../../mod.ts";
import { close, combine, dot, fullRank, gramOf, jacobianArb, norm } from "./_gram.ts";

Deno.test("imtl-g: projections on the unit gradients are equal and the weights sum to 1", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 10), (J) => {
      if (!fullRank(J)) return; // full rank needed for the paper's closed form
      const w = surgeryWeights(gramOf(J), { method: "imtl-g" }).weights;
      if (w.every((x) => x === 0)) return; // 1ᵀG⁻¹n ≈ 0: documented zero output
      assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      const g = combine(J, w);
      const p = J.map((row) => dot(g, row) / norm(row));
      const spread = Math.max(...p) - Math.min(...p);
      assert.ok(spread <= 1e-6 * Math.max(...p.map(Math.abs), norm(g)), `projections ${p}`);
    }),
    { numRuns: 200 },
  );
});

Deno.test("imtl-g golden: TorchJD's IMTLG example gives (0.0767, 1, 1)", () => {
  const J = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  close(surgery(J, { method: "imtl-g" }), [0.0767, 1, 1], 1e-4);
});

Deno.test("imtl-g golden by hand: g1 = (1, 0), g2 = (−1, 1) gives α ∝ G⁻¹n", () => {
  // G⁻¹ = [[2, 1], [1, 1]], n = (1, √2): G⁻¹n = (2 + √2, 1 + √2), sum 3 + 2√2.
  const w = surgeryWeights(new Float64Array([1, -1, -1, 2]), { method: "imtl-g" }).weights;
  const s = 3 + 2 * Math.SQRT2;
  close(w, [(2 + Math.SQRT2) / s, (1 + Math.SQRT2) / s], 1e-14);
});

Deno.test("imtl-g: a zero gradient gives finite weights (pseudo-inverse)", () => {
  const w = surgeryWeights(new Float64Array([0, 0, 0, 4]), { method: "imtl-g" }).weights;
  assert.ok(w.every(Number.isFinite));
  close(w, [0, 1], 1e-15);
});
