// MGDA: golden values, the min-norm/KKT property, the T = 2 closed form against the
// general solver, and the normalisations.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery, surgeryWeights } from "../../mod.ts";
import { minNormWeights } from "../../methods/mgda.ts";
import { solveBoxQP } from "../../methods/solvers/active_set_qp.ts";
import { close, combine, dot, gramOf, jacobianArb, norm, scaleOf } from "./_gram.ts";

Deno.test("mgda golden by hand: γ = 0.6, update (0.2, 0.4) with equal projections 0.2", () => {
  const { weights } = surgeryWeights(new Float64Array([1, -1, -1, 2]), { method: "mgda" });
  close(weights, [0.6, 0.4], 1e-15);
  const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], { method: "mgda" });
  close(update, [0.2, 0.4], 1e-7);
});

Deno.test("mgda golden, TorchJD's documented example J = [[−4, 1, 1], [6, 1, 1]]", () => {
  const J = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  close(surgery(J, { method: "mgda" }), [0, 1, 1], 1e-6); // TorchJD prints [1.19e-07, 1, 1]
});

Deno.test("mgda: the weights are on the simplex and give the min-norm point (KKT)", () => {
  fc.assert(
    fc.property(jacobianArb(1, 8), (J) => {
      const T = J.length;
      const G = gramOf(J);
      const w = minNormWeights(G, T);
      const sum = w.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12 && w.every((x) => x >= 0), `w = ${w}`);
      // KKT: g_t · d equals ‖d‖² on every task with w_t > 0, and is ≥ ‖d‖² on the others.
      const d = combine(J, w);
      const dd = dot(d, d);
      const tol = 1e-9 * scaleOf(J) ** 2;
      J.forEach((g, t) => {
        const p = dot(g, d);
        if (w[t] > 1e-9) assert.ok(Math.abs(p - dd) <= tol, `task ${t}: ${p} vs ${dd}`);
        else assert.ok(p >= dd - tol, `task ${t}: ${p} < ${dd}`);
      });
    }),
    { numRuns: 300 },
  );
});

Deno.test("mgda: no simplex point has a smaller norm (random feasible points)", () => {
  fc.assert(
    fc.property(
      jacobianArb(2, 6),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
      (J, raw) => {
        const T = J.length;
        const w = minNormWeights(gramOf(J), T);
        const v = raw.slice(0, T).map((x) => x + 1e-9);
        const total = v.reduce((a, b) => a + b, 0);
        const best = norm(combine(J, w));
        const other = norm(combine(J, v.map((x) => x / total)));
        assert.ok(best <= other + 1e-9 * scaleOf(J), `${best} > ${other}`);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("equivalence: the T = 2 closed form equals the general active-set solver", () => {
  fc.assert(
    fc.property(jacobianArb(2, 2), (J) => {
      const G = gramOf(J);
      const closed = minNormWeights(G, 2);
      const tr = G[0] + G[3];
      if (!(tr > 0)) return;
      const general = solveBoxQP({ Q: G.map((x) => x / tr), lower: [0, 0], total: 1 }, 2);
      // Same min-norm point (weights can differ only when g1 = g2).
      const a = combine(J, closed);
      const b = combine(J, general);
      close(a, b, 1e-9 * scaleOf(J), "Jᵀw");
    }),
    { numRuns: 300 },
  );
});

Deno.test("mgda normalisations: l2 equals MGDA on unit gradients; loss+ needs losses", () => {
  const g = [new Float32Array([3, 0]), new Float32Array([-1, 1])];
  const G = new Float64Array([9, -3, -3, 2]);
  const l2 = surgeryWeights(G, { method: "mgda", normalization: "l2" }).weights;
  // Unit gradients u1 = (1, 0), u2 = (−1, 1)/√2: Gram [[1, −1/√2], [−1/√2, 1]] → γ = ½, and the
  // weights apply to the raw gradients as in Sener's code.
  close(l2, [0.5, 0.5], 1e-12);
  const loss = surgeryWeights(G, { method: "mgda", normalization: "loss", losses: [3, 1] }).weights;
  // g/L: (1, 0) and (−1, 1) → Gram [[1, −1], [−1, 2]] → γ = 0.6 (worked by hand)
  close(loss, [0.6, 0.4], 1e-12);
  const lossPlus = surgeryWeights(G, { method: "mgda", normalization: "loss+", losses: [2, 5] })
    .weights;
  // g/(L‖g‖) = u1/2, u2/5: G11 = 1/4, G22 = 1/25, G12 = −1/(10√2); γ by Sener's Algorithm 1.
  const [g11, g22, g12] = [1 / 4, 1 / 25, -1 / (10 * Math.SQRT2)];
  const gamma = (g22 - g12) / (g11 + g22 - 2 * g12);
  close(lossPlus, [gamma, 1 - gamma], 1e-12);
  assert.throws(
    () => surgery(g, { method: "mgda", normalization: "loss+" }),
    /normalization "loss\+" needs the task losses \(pass losses\), found undefined/,
  );
  assert.throws(
    () => surgery(g, { method: "mgda", normalization: "loss", losses: [1, 0] }),
    /losses\[1\] must be > 0, found 0/,
  );
});
