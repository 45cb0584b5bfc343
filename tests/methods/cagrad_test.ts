// CAGrad (Liu et al. 2021): c = 0 is the mean, TorchJD's documented values, the primal optimality
// conditions, the rescales, and large c approaching MGDA's direction.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { cagradBySolver, cagradWeights } from "../../methods/cagrad.ts";
import { minNormWeights } from "../../methods/mgda.ts";
import { close, combine, dot, fullRank, gramOf, jacobianArb, norm, scaleOf } from "./_gram.ts";

Deno.test("cagrad with c = 0 equals the mean", () => {
  fc.assert(
    fc.property(jacobianArb(1, 8), (J) => {
      const T = J.length;
      const w = surgeryWeights(gramOf(J), { method: "cagrad", c: 0 }).weights;
      close(w, new Array(T).fill(1 / T), 0, "w");
    }),
    { numRuns: 100 },
  );
});

Deno.test("cagrad golden: TorchJD's CAGrad(c=0.5) example, weights (0.7041, 0.5)", () => {
  const J = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  const s = surgeryWeights(new Float64Array([18, -22, -22, 38]), { method: "cagrad", c: 0.5 });
  close(s.weights, [0.7041, 0.5], 1e-4);
  close(surgery(J, { method: "cagrad", c: 0.5 }), [0.1835, 1.2041, 1.2041], 1e-4);
});

Deno.test("cagrad: d = Jᵀα lies on the ball ‖d − g0‖ = c‖g0‖ and maximises min_i g_i·d (KKT)", () => {
  fc.assert(
    fc.property(jacobianArb(2, 7), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (J, c) => {
      const T = J.length;
      if (!fullRank(J)) return; // rank-deficient, badly scaled Gramians: docs/methods.md
      const alpha = cagradWeights(gramOf(J), T, c);
      const g0 = combine(J, new Array(T).fill(1 / T));
      const d = combine(J, alpha);
      const scale = scaleOf(J);
      if (norm(g0) < 1e-6 * scale) return; // g0 ≈ 0: the ball is a point
      const radius = norm(d.map((x, k) => x - g0[k]));
      const inner = J.map((g) => dot(g, d));
      const min = Math.min(...inner);
      const tol = 1e-7 * scale * scale;
      if (radius < c * norm(g0) - 1e-7 * scale) {
        // Pareto-stationary case (documented): d is in the ball and in the dual cone, value 0.
        assert.ok(min >= -tol, `inside the ball but min_i g_i·d = ${min}`);
        return;
      }
      assert.ok(Math.abs(radius - c * norm(g0)) <= 1e-7 * scale, `${radius} vs ${c * norm(g0)}`);
      // y = α − 1/T ≥ 0 are the dual weights: tasks with y_t > 0 attain the minimum of g_t · d.
      alpha.forEach((a, t) => {
        const y = a - 1 / T;
        assert.ok(y >= -1e-12, `y_${t} = ${y}`);
        if (y > 1e-7 * Math.max(...alpha)) {
          assert.ok(inner[t] - min <= tol, `active task ${t}: ${inner[t]} > min ${min}`);
        }
      });
    }),
    { numRuns: 200 },
  );
});

Deno.test("cagrad: no point of the ball does better on the worst task (random directions)", () => {
  fc.assert(
    fc.property(
      jacobianArb(2, 5, 4),
      fc.double({ min: 0.1, max: 0.9, noNaN: true }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
      (J, c, dir) => {
        const T = J.length;
        const g0 = combine(J, new Array(T).fill(1 / T));
        const u = dir.slice(0, J[0].length);
        if (norm(u) < 1e-3 || norm(g0) < 1e-6 * scaleOf(J)) return;
        const r = c * norm(g0);
        const other = g0.map((x, k) => x + (r * u[k]) / norm(u));
        const d = combine(J, cagradWeights(gramOf(J), T, c));
        const worst = (v: number[]) => Math.min(...J.map((g) => dot(g, v)));
        assert.ok(worst(d) >= worst(other) - 1e-7 * scaleOf(J) ** 2);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("cagrad rescale: 1 + c² (official default) and 1 + c (official toy)", () => {
  const G = new Float64Array([18, -22, -22, 38]);
  const base = surgeryWeights(G, { method: "cagrad", c: 0.4 }).weights;
  close(
    surgeryWeights(G, { method: "cagrad", c: 0.4, rescale: "1+c^2" }).weights,
    base.map((x) => x / 1.16),
    1e-15,
  );
  close(
    surgeryWeights(G, { method: "cagrad", c: 0.4, rescale: "1+c" }).weights,
    base.map((x) => x / 1.4),
    1e-15,
  );
});

Deno.test("cagrad with a large c points where MGDA does (Liu et al.: c → ∞ gives MGDA)", () => {
  const J = [[1, 0.2], [-0.6, 1], [0.3, -0.2]];
  const G = gramOf(J);
  const d = combine(J, cagradWeights(G, 3, 1e4));
  const m = combine(J, minNormWeights(G, 3));
  const cos = dot(d, m) / (norm(d) * norm(m));
  assert.ok(cos > 0.9999, `cos = ${cos}`);
});

Deno.test("equivalence: CAGrad's T = 2 closed form equals the general solver", () => {
  fc.assert(
    fc.property(jacobianArb(2, 2), fc.double({ min: 0.05, max: 2, noNaN: true }), (J, c) => {
      const G = gramOf(J);
      const a = combine(J, cagradWeights(G, 2, c));
      const b = combine(J, cagradBySolver(G, 2, c));
      close(a, b, 1e-6 * scaleOf(J), "update");
    }),
    { numRuns: 300 },
  );
});

Deno.test("cagrad: a task of float32's smallest value beside a real one gets no weight beyond float32", () => {
  const rows = [[0], [-1.401298464324817e-45], [0], [3.814697265625e-6]].map((r) =>
    Float32Array.from(r)
  );
  const s = createSurgery({ method: "cagrad" });
  const update = s.surgery(rows);
  assert.ok(s.stats!.weights.every((w) => Math.abs(w) < 1e6), `${s.stats!.weights}`);
  assert.ok(Math.abs(update[0] - 3.814697265625e-6 / 4) < 1e-12, `${update[0]}`);
});
