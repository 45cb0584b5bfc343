// Nash-MTL: Gα = 1/α, no conflict, TorchJD's documented example, scale invariance
// of the update, the Pareto-stationary fallback, warm-start state, updateEvery and maxNorm.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { nashAlpha } from "../../methods/nash_mtl.ts";
import { close, combine, dot, fullRank, gramOf, jacobianArb } from "./_gram.ts";

const ones = (T: number) => new Array<number>(T).fill(1);

Deno.test("nash-mtl: α > 0 solves Gα = 1/α, so the update conflicts with no task", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 10), (J) => {
      const T = J.length;
      if (!fullRank(J)) return; // G invertible: a common descent direction exists
      const G = gramOf(J);
      const alpha = nashAlpha(G, T, ones(T));
      if (alpha.every((a) => a === 0)) return; // near-stationary (documented)
      const Ga = combine(J.map((_, i) => Array.from(G.subarray(i * T, i * T + T))), alpha);
      alpha.forEach((a, i) => {
        assert.ok(a > 0, `α_${i} = ${a}`);
        assert.ok(Math.abs(a * Ga[i] - 1) < 1e-6, `α_${i}(Gα)_${i} = ${a * Ga[i]}`);
      });
      const d = combine(J, alpha);
      J.forEach((g) => assert.ok(dot(g, d) > 0));
    }),
    { numRuns: 200 },
  );
});

Deno.test("nash-mtl golden: TorchJD's NashMTL(n_tasks=2) example (0.0542, 0.7061, 0.7061)", () => {
  const J = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  close(surgery(J, { method: "nash-mtl" }), [0.0542, 0.7061, 0.7061], 1e-4);
});

Deno.test("nash-mtl: the update Jᵀα does not change when every gradient is scaled (maxNorm off)", () => {
  const J = [[1, 0.3, 0], [-0.4, 1, 0.2], [0.1, 0.1, 1]];
  const base = combine(J, nashAlpha(gramOf(J), 3, ones(3)));
  for (const s of [1e-3, 7, 1e4]) {
    const Js = J.map((row) => row.map((x) => x * s));
    close(combine(Js, nashAlpha(gramOf(Js), 3, ones(3))), base, 1e-9, `scale ${s}`);
  }
});

Deno.test("nash-mtl: Pareto-stationary tasks get zero weights; a zero gradient gets α = 0", () => {
  close(nashAlpha(new Float64Array([1, -1, -1, 1]), 2, ones(2)), [0, 0], 0);
  const a = nashAlpha(new Float64Array([0, 0, 0, 4]), 2, ones(2));
  close(a, [0, 0.5], 1e-12); // α2 · 4 · α2 = 1
});

Deno.test("nash-mtl state: warm start does not change the solution; updateEvery reuses α", () => {
  const G1 = new Float64Array([1, -0.2, -0.2, 2]);
  const G2 = new Float64Array([3, 0.5, 0.5, 1]);
  const cold = surgeryWeights(G2, { method: "nash-mtl", maxNorm: Infinity }).weights;
  const s = createSurgery({ method: "nash-mtl", maxNorm: Infinity });
  s.weights(G1);
  close(s.weights(G2), cold, 1e-12);
  assert.equal((s.getState().methods["nash-mtl"] as { step: number }).step, 2);
  const every = createSurgery({ method: "nash-mtl", maxNorm: Infinity, updateEvery: 2 });
  const first = every.weights(G1);
  close(every.weights(G2), first, 0); // step 1 reuses step 0's α
  close(every.weights(G2), cold, 1e-12); // step 2 solves again
});

Deno.test("nash-mtl maxNorm: ‖Jᵀα‖ is rescaled down to maxNorm (default 1), never up", () => {
  const G = new Float64Array([0.01, 0, 0, 0.04]); // α = (10, 5), ‖Jᵀα‖² = 1 + 1 = 2
  const raw = surgeryWeights(G, { method: "nash-mtl", maxNorm: Infinity }).weights;
  close(raw, [10, 5], 1e-9);
  close(surgeryWeights(G, { method: "nash-mtl" }).weights, [10 / Math.SQRT2, 5 / Math.SQRT2], 1e-9);
  close(surgeryWeights(G, { method: "nash-mtl", maxNorm: 5 }).weights, raw, 0);
});

Deno.test("nash-mtl golden: g1 = (1, 0), g2 = (0, 1e-6) is solved, α = (1, 1e6)", () => {
  // Both tasks are non-zero and orthogonal (far from Pareto-stationary), so the bargaining solution
  // exists: α_t = 1/‖g_t‖, Jᵀα = (1, 1), clipped to norm 1. It used to return [0, 0].
  const G = new Float64Array([1, 0, 0, 1e-12]);
  const raw = surgeryWeights(G, { method: "nash-mtl", maxNorm: Infinity }).weights;
  assert.ok(Math.abs(raw[0] - 1) < 1e-12 && Math.abs(raw[1] / 1e6 - 1) < 1e-12, `α = ${raw}`);
  const J = [new Float32Array([1, 0]), new Float32Array([0, 1e-6])];
  close(surgery(J, { method: "nash-mtl" }), [Math.SQRT1_2, Math.SQRT1_2], 1e-7);
});

Deno.test("nash-mtl golden: duplicated tasks share α = 1/(√T‖g‖), update √T·g/‖g‖", () => {
  const g = [0.3, -0.7, 0.1];
  const n = Math.hypot(...g);
  const a = nashAlpha(gramOf([g, g, g]), 3, ones(3));
  close(a, [1, 1, 1].map(() => 1 / (Math.sqrt(3) * n)), 1e-12);
  // Warm starts at any scale reach it (the start is first moved to γᵀCγ = m).
  for (const s of [1e-10, 1e10]) {
    close(nashAlpha(gramOf([g, g, g]), 3, ones(3).map(() => s)), a, 1e-12);
  }
});

Deno.test("nash-mtl: zero and stationary decisions follow the directions, not the scales", () => {
  // Nearly opposite: 1 + cos φ ≈ δ²/2 is under 2ε_f32 (stationary, α = 0) for δ = 5e-4 only.
  close(nashAlpha(gramOf([[1, 0], [-1, 5e-4]]), 2, ones(2)), [0, 0], 0);
  assert.ok(nashAlpha(gramOf([[1, 0], [-1, 1e-3]]), 2, ones(2)).every((x) => x > 0));
  // A task 1e-9 of the other in norm is still a task (zero only below 1e-10).
  const a = nashAlpha(gramOf([[1, 0], [0, 1e-9]]), 2, ones(2));
  close(a.map((x, t) => x * [1, 1e-9][t]), [1, 1], 1e-9);
});
