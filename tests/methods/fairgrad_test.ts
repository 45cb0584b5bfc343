// FairGrad: the α-fair system (Gw)_i = w_i^{−1/α} against the reference's own least-squares
// solution, closed forms, no conflict, scaling, α = 1 being Nash-MTL, and degenerate Gramians.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { checkFairGradAlpha, fairGradWeights } from "../../methods/fairgrad.ts";
import { nashAlpha } from "../../methods/nash_mtl.ts";
import { close, combine, dot, fullRank, gramOf, jacobianArb } from "./_gram.ts";

const rows = (G: Float64Array, T: number) =>
  Array.from({ length: T }, (_, i) => Array.from(G.subarray(i * T, i * T + T)));

/** max_i |(Gw)_i · w_i^{1/α} − 1|: the relative residual of the α-fair system. */
/**
 * max_t |(Gw)_t w_t^{1/α} − 1| beyond the rounding of (Gw)_t itself: where its terms cancel
 * (tasks 100× apart and nearly opposite cancel by 6e6), float64 cannot resolve the residual below
 * 16·ε·Σ_j |G_tj w_j| / |(Gw)_t|.
 */
function residual(G: Float64Array, T: number, w: Float64Array, alpha: number): number {
  const Gw = combine(rows(G, T), w);
  return Math.max(
    ...Gw.map((x, i) => {
      let terms = 0;
      for (let j = 0; j < T; j++) terms += Math.abs(G[i * T + j] * w[j]);
      return Math.abs(x * w[i] ** (1 / alpha) - 1) - 16 * Number.EPSILON * terms / Math.abs(x);
    }),
  );
}

Deno.test("fairgrad golden: LibMTL's least_squares(Gw − w^(−1/α), x0 = 1/T, w ≥ 0) solutions", () => {
  // Computed with scipy.optimize.least_squares on LibMTL's objective, tolerances tightened to 1e-15.
  const G2 = new Float64Array([4, 1, 1, 1]);
  const J3 = [[1, 0.3, 0], [-0.4, 1, 0.2], [0.1, 0.1, 1]];
  const G3 = gramOf(J3);
  const cases: [Float64Array, number, number, number[]][] = [
    [G2, 2, 0.5, [0.5670121652909309, 0.8423441992509706]],
    [G2, 2, 1, [0.408248290463863, 0.816496580927726]],
    [G2, 2, 2, [0.2722937417688754, 0.8272030043845744]],
    [G2, 2, 5, [0.14704906748423593, 0.879065307652736]],
    [G3, 3, 0.5, [0.9641007248851999, 0.9050967526822009, 0.888449607684525]],
    [G3, 3, 1, [0.9477351591955863, 0.863397699831135, 0.8342733954025312]],
    [G3, 3, 2, [0.9326522951619715, 0.8257057266350831, 0.7804289536149452]],
    [G3, 3, 5, [0.9191273963607266, 0.7923218036330697, 0.7260958646525124]],
  ];
  for (const [G, T, alpha, expected] of cases) {
    close(fairGradWeights(G, T, alpha), expected, 1e-12, `T = ${T}, α = ${alpha}`);
  }
});

Deno.test("fairgrad: w > 0 solves the α-fair system, so the update conflicts with no task", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 10), fc.constantFrom(0.25, 0.5, 1, 2, 5, 20), (J, alpha) => {
      const T = J.length;
      if (!fullRank(J)) return; // G invertible: a common descent direction exists
      const G = gramOf(J);
      const w = fairGradWeights(G, T, alpha);
      if (w.every((x) => x === 0)) return; // near-stationary (documented)
      w.forEach((x, i) => assert.ok(x > 0 && Number.isFinite(x), `w_${i} = ${x}`));
      assert.ok(residual(G, T, w, alpha) < 1e-9, `α = ${alpha}: ${residual(G, T, w, alpha)}`);
      const d = combine(J, w);
      J.forEach((g, i) => assert.ok(dot(g, d) > 0, `g_${i}·d = ${dot(g, d)}`));
    }),
    { numRuns: 300 },
  );
});

Deno.test("fairgrad: orthogonal tasks have the closed form w_t = ‖g_t‖^(−2α/(1+α)), T = 1 too", () => {
  for (const alpha of [0.5, 1, 3]) {
    const p = -alpha / (1 + alpha);
    const w = fairGradWeights(new Float64Array([4, 0, 0, 1e-12]), 2, alpha);
    assert.ok(Math.abs(w[0] / 4 ** p - 1) < 1e-12, `α = ${alpha}: ${w[0]}`);
    assert.ok(Math.abs(w[1] / 1e-12 ** p - 1) < 1e-12, `α = ${alpha}: ${w[1]}`);
    const one = fairGradWeights(new Float64Array([9]), 1, alpha);
    assert.ok(Math.abs(one[0] / 9 ** p - 1) < 1e-12);
  }
});

Deno.test("fairgrad: α = 1 is Nash-MTL's bargaining solution (before its maxNorm)", () => {
  fc.assert(
    fc.property(jacobianArb(2, 5, 8), (J) => {
      if (!fullRank(J)) return;
      const T = J.length;
      const G = gramOf(J);
      const fair = fairGradWeights(G, T, 1);
      const nash = nashAlpha(G, T, new Array<number>(T).fill(1));
      // 1e-7: on ill-conditioned draws nashAlpha's Armijo search on F stops at a relative residual
      // near 1e-8 (F's change falls below its rounding), while FairGrad also accepts residual
      // decreases and reaches 1e-15.
      fair.forEach((x, i) => assert.ok(Math.abs(x - nash[i]) <= 1e-7 * Math.max(x, nash[i])));
    }),
    { numRuns: 100 },
  );
});

Deno.test("fairgrad: scaling every gradient by s scales w by s^(−2α/(1+α))", () => {
  const G = gramOf([[1, 0.3, 0], [-0.4, 1, 0.2], [0.1, 0.1, 1]]);
  for (const alpha of [0.5, 2]) {
    const base = fairGradWeights(G, 3, alpha);
    for (const s of [1e-4, 30, 1e5]) {
      const scaled = fairGradWeights(G.map((x) => x * s * s), 3, alpha);
      const factor = s ** (-2 * alpha / (1 + alpha));
      scaled.forEach((x, i) => assert.ok(Math.abs(x / (base[i] * factor) - 1) < 1e-10));
    }
  }
});

Deno.test("fairgrad degenerate: zero task, duplicated tasks, Pareto-stationary, all zero", () => {
  // A zero task gets 0 and the other is solved alone: 4w = w^(−1/α).
  const zero = fairGradWeights(new Float64Array([0, 0, 0, 4]), 2, 2);
  close(zero, [0, 4 ** (-2 / 3)], 1e-15);
  // Duplicated tasks share the load: (Gw)_i = 2·G11·w = w^(−1/α).
  const dup = fairGradWeights(new Float64Array([2, 2, 2, 2]), 2, 2);
  close(dup, [4 ** (-2 / 3), 4 ** (-2 / 3)], 1e-14);
  close(fairGradWeights(new Float64Array([1, -1, -1, 1]), 2, 1), [0, 0], 0);
  close(fairGradWeights(new Float64Array(9), 3, 1), [0, 0, 0], 0);
});

Deno.test("fairgrad: α must be a finite number > 0; G is not changed", () => {
  for (const bad of [0, -1, NaN, Infinity, "1"]) {
    assert.throws(
      () => checkFairGradAlpha(bad, "run surgery"),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message === `Cannot run surgery: alpha must be a finite number > 0, found ${String(bad)}`,
    );
  }
  assert.throws(() => fairGradWeights(new Float64Array([1]), 1, -1), RangeError);
  const G = new Float64Array([4, 1, 1, 1]);
  fairGradWeights(G, 2, 2);
  assert.deepEqual(Array.from(G), [4, 1, 1, 1]);
});

// Through the public API.

Deno.test("fairgrad public API: LibMTL's solutions through surgeryWeights() and surgery(); α defaults to 1", () => {
  const G2 = new Float64Array([4, 1, 1, 1]);
  close(
    Array.from(surgeryWeights(G2, { method: "fairgrad" }).weights),
    [0.408248290463863, 0.816496580927726],
    1e-12,
  );
  close(
    Array.from(surgeryWeights(G2, { method: "fairgrad", alpha: 2 }).weights),
    [0.2722937417688754, 0.8272030043845744],
    1e-12,
  );
  const J3 = [[1, 0.3, 0], [-0.4, 1, 0.2], [0.1, 0.1, 1]];
  const s = createSurgery({ method: "fairgrad", alpha: 5 });
  const out = s.surgery(J3.map((g) => Float32Array.from(g)));
  const w = [0.9191273963607266, 0.7923218036330697, 0.7260958646525124];
  close(s.stats!.weights, w, 1e-6);
  close(Array.from(out), combine(J3, Float64Array.from(w)), 1e-6);
});

Deno.test("fairgrad public API: option errors name the option and the value", () => {
  const g = [new Float32Array([1, 0]), new Float32Array([0, 1])];
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { method: "fairgrad", alpha: 0 },
      "RangeError",
      "Cannot run surgery: alpha must be a finite number > 0, found 0",
    ],
    [
      { method: "fairgrad", alpha: Infinity },
      "RangeError",
      "Cannot run surgery: alpha must be a finite number > 0, found Infinity",
    ],
    [
      { method: "fairgrad", alpha: "1" },
      "TypeError",
      'Cannot run surgery: alpha must be a number, found string "1"',
    ],
    [
      { method: "nash-mtl", alpha: 1 },
      "RangeError",
      'Cannot run surgery: option alpha applies to method "fairgrad", found method "nash-mtl"',
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => surgery(g, options), { name, message }, JSON.stringify(options));
  }
});
