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
