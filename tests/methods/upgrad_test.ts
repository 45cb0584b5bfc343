// UPGrad and DualProj (Quinton & Rey 2024): TorchJD's documented values, no conflict with any task,
// the dual-cone projection's optimality, and the T = 2 equivalence with PCGrad.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery, surgeryWeights } from "../../mod.ts";
import { close, combine, dot, gramOf, jacobianArb, norm, scaleOf } from "./_gram.ts";

const J_BASE = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];

Deno.test("upgrad and dualproj golden: TorchJD's examples", () => {
  close(surgery(J_BASE, { method: "upgrad" }), [0.2929, 1.9004, 1.9004], 1e-4);
  close(surgery(J_BASE, { method: "dualproj" }), [0.5563, 1.1109, 1.1109], 1e-4);
});

for (const method of ["upgrad", "dualproj"] as const) {
  Deno.test(`${method}: the output conflicts with no task (regularization 0), up to the ridge otherwise`, () => {
    fc.assert(
      fc.property(jacobianArb(1, 8), fc.constantFrom(0, 1e-4), (J, regularization) => {
        const G = gramOf(J);
        const w = surgeryWeights(G, { method, regularization }).weights;
        const d = combine(J, w);
        const tr = J.reduce((s, g) => s + dot(g, g), 0);
        J.forEach((g, i) => {
          const bound = -regularization * tr * Math.abs(w[i]) - 1e-9 * scaleOf(J) ** 2;
          assert.ok(dot(g, d) >= bound, `task ${i}: ${dot(g, d)} < ${bound}`);
        });
      }),
      { numRuns: 200 },
    );
  });
}

Deno.test("dualproj: the closest point of the dual cone to the mean (random cone points)", () => {
  fc.assert(
    fc.property(
      jacobianArb(2, 5, 6),
      fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
      (J, extra) => {
        const T = J.length;
        const G = gramOf(J);
        const w = surgeryWeights(G, { method: "dualproj", regularization: 0 }).weights;
        const mean = combine(J, new Array(T).fill(1 / T));
        // Jᵀv with v ≥ 1/T lies in the cone only if Jd ≥ 0; compare with feasible candidates.
        const v = extra.slice(0, T).map((x) => x + 1 / T);
        const cand = combine(J, v);
        if (J.some((g) => dot(g, cand) < 0)) return;
        const dist = (x: number[]) => norm(x.map((y, k) => y - mean[k]));
        assert.ok(dist(combine(J, w)) <= dist(cand) + 1e-9 * scaleOf(J));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("equivalence: for T = 2, UPGrad with preference (1, 1) and no ridge is PCGrad", () => {
  fc.assert(
    fc.property(jacobianArb(2, 2), (J) => {
      const G = gramOf(J);
      if (G[0] < 1e-12 || G[3] < 1e-12) return; // zero gradient: PCGrad's guard
      const up = surgeryWeights(G, { method: "upgrad", preference: [1, 1], regularization: 0 });
      const pc = surgeryWeights(G, { method: "pcgrad" });
      close(combine(J, up.weights), combine(J, pc.weights), 1e-9 * scaleOf(J), "update");
    }),
    { numRuns: 300 },
  );
});

Deno.test("upgrad: a zero preference entry contributes nothing", () => {
  const G = new Float64Array([1, -1, -1, 2]);
  const w = surgeryWeights(G, { method: "upgrad", preference: [1, 0], regularization: 0 }).weights;
  close(w, [1, 0.5], 1e-12); // g1 projected on g2's normal plane: g1 + ½g2
  assert.equal(w.length, 2);
});
