// IMTL-G (Liu et al. 2021): equal projections on every unit task gradient, weights summing to 1,
// TorchJD's documented example, zero gradients without NaN.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { solve } from "../../methods/solvers/linalg.ts";
import { close, combine, dot, fullRank, gramOf, jacobianArb, norm, scaleOf } from "./_gram.ts";

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

Deno.test("imtl-g golden: tasks summing to zero in float32 give the zero update, not 1e7", () => {
  // g3 = fl32(−(g1 + g2)): 1ᵀG⁺n is float32 noise here, which gave [13455874, −7059322]. Three
  // directions in a plane have equal projections only on g = 0, IMTL-G's (documented) answer.
  const g1 = new Float32Array([0.1, 0.7]);
  const g2 = new Float32Array([0.3, -0.2]);
  const g3 = new Float32Array([-(g1[0] + g2[0]), -(g1[1] + g2[1])]);
  assert.deepEqual(Array.from(surgery([g1, g2, g3], { method: "imtl-g" })), [0, 0]);
  const s = createSurgery({ method: "imtl-g" });
  s.surgery([g1, g2, g3]);
  assert.deepEqual(Array.from(s.stats!.weights), [0, 0, 0]);
});

Deno.test("imtl-g: near the sum-to-zero case the exact solution is small, and is returned", () => {
  // g3 = −(g1 + g2) + η e3: full rank, α ≈ 1/3 and g ≈ (0, 0, η/3) → 0 as η → 0; below η ≈ 2e-3
  // the smallest eigenvalue of C falls under the rank tolerance and the answer is the zero update.
  for (const eta of [1e-1, 1e-2, 3e-3, 1e-3, 1e-4]) {
    const J = [[1, 0, 0], [0, 1, 0], [-1, -1, eta]];
    const w = surgeryWeights(gramOf(J), { method: "imtl-g" }).weights;
    if (eta < 1e-3) close(w, [0, 0, 0], 0);
    if (w.every((x) => x === 0)) continue;
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, `η = ${eta}: Σw = ${w}`);
    const g = combine(J, w);
    const p = J.map((row) => dot(g, row) / norm(row));
    assert.ok(Math.max(...p) - Math.min(...p) <= 1e-9, `η = ${eta}: projections ${p}`);
    assert.ok(norm(g) <= eta, `η = ${eta}: ‖g‖ = ${norm(g)}`);
  }
});

Deno.test("imtl-g golden: a 1e-6 scale ratio loses nothing (α ∝ 1/‖g_t‖ for two tasks)", () => {
  const w = surgeryWeights(new Float64Array([1, 0, 0, 1e-12]), { method: "imtl-g" }).weights;
  close(w, [1e-6 / (1 + 1e-6), 1 / (1 + 1e-6)], 1e-15);
  const out = surgery([new Float32Array([1, 0]), new Float32Array([0, 1e-6])], {
    method: "imtl-g",
  });
  const c = Math.fround(1e-6) / (1 + Math.fround(1e-6)); // the equal projection on both tasks
  close(out, [c, c], 1e-13);
});

Deno.test("imtl-g: parallel tasks keep their answer; exactly opposite tasks give zero", () => {
  const g = [0.3, -0.7, 0.1];
  // α ∝ 1/‖g_t‖ = (1000, 1)/1001: update 2000/1001·g, projections the harmonic mean of the norms.
  const w = surgeryWeights(gramOf([g, g.map((x) => 1000 * x)]), { method: "imtl-g" }).weights;
  close(w, [1000 / 1001, 1 / 1001], 1e-12);
  const opposite = surgeryWeights(gramOf([g, g.map((x) => -x)]), { method: "imtl-g" }).weights;
  close(opposite, [0, 0], 0);
});

Deno.test("imtl-g: where 1ᵀG⁻¹n = 0 there is no solution, and the zero update is returned", () => {
  // Unit directions with β = C⁻¹1 of mixed signs; norms n = (1, 1, x) with Σ β_t/n_t = 0 make
  // 1ᵀG⁻¹n = Σ β_t/n_t vanish although G is well conditioned.
  const u = [[1, 0, 0], [0, 1, 0], [0.7, 0.7, 0.14]].map((r) => r.map((x) => x / norm(r)));
  const C = gramOf(u);
  const beta = solve(C, 3, [1, 1, 1])!;
  assert.ok(beta[0] > 0 && beta[1] > 0 && beta[2] < 0, `β = ${beta}`);
  const x = -beta[2] / (beta[0] + beta[1]);
  const at = (n3: number) => [u[0], u[1], u[2].map((v) => v * n3)];
  close(surgeryWeights(gramOf(at(x)), { method: "imtl-g" }).weights, [0, 0, 0], 0);
  // Within float32 rounding of it too (the 1e-12 guard this replaces gave weights of 5e8 here).
  const near = surgeryWeights(gramOf(at(x * (1 + 1e-9))), { method: "imtl-g" }).weights;
  close(near, [0, 0, 0], 0);
  // Away from it, the exact (large) solution: equal projections, weights summing to 1.
  const J = at(x * 1.001);
  const w = surgeryWeights(gramOf(J), { method: "imtl-g" }).weights;
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, `Σw = ${w}`);
  const g = combine(J, w);
  const p = J.map((row) => dot(g, row) / norm(row));
  assert.ok(Math.max(...p) - Math.min(...p) <= 1e-9 * norm(g), `projections ${p}`);
  assert.ok(norm(g) > 10 * scaleOf(J), `‖g‖ = ${norm(g)}: the exact solution is large here`);
});
