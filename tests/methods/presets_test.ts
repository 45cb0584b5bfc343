// PCGrad compatibility presets (docs/methods.md) against a float64 vector-form oracle of each
// reference implementation's loop: self-projection, fixed order, mean reduction, additive ε.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery } from "../../mod.ts";
import { PRESETS } from "../../methods/presets.ts";
import { PRESET_NAMES } from "../../vocabulary/presets.ts";
import { relativeError } from "../_oracle.ts";
import { gradsArb } from "../_arbitraries.ts";
import { dot } from "../_oracle.ts";
import { zeroNormThreshold } from "../../methods/solvers/tolerances.ts";

/** The references' loop: for each i, over orders[i] (which may include i), against original g_j. */
function referenceLoop(
  grads: readonly Float32Array[],
  orders: readonly (readonly number[])[],
  epsilon: number,
  reduction: "sum" | "mean",
): Float64Array {
  const T = grads.length;
  const d = grads[0].length;
  const sq = grads.map((g) => dot(g, g));
  const G = new Float64Array(T * T);
  grads.forEach((a, i) => grads.forEach((b, j) => (G[i * T + j] = dot(a, b))));
  const zero = zeroNormThreshold(G, T);
  const out = new Float64Array(d);
  for (let i = 0; i < T; i++) {
    const pc = Float64Array.from(grads[i]);
    for (const j of orders[i]) {
      const s = dot(pc, grads[j]);
      if (s < 0 && sq[j] > zero) {
        for (let k = 0; k < d; k++) pc[k] -= (s / (sq[j] + epsilon)) * grads[j][k];
      }
    }
    for (let k = 0; k < d; k++) out[k] += pc[k] / (reduction === "mean" ? T : 1);
  }
  return out;
}

for (const [name, settings] of Object.entries(PRESETS)) {
  Deno.test(`preset "${name}" runs the reference loop with its order, self-projection, reduction, ε`, () => {
    fc.assert(
      fc.property(gradsArb(1, 8, fc.integer({ min: 1, max: 40 })), fc.integer(), (grads, seed) => {
        const s = createSurgery({ preset: name as keyof typeof PRESETS, seed });
        const got = s.surgery(grads);
        const orders = s.stats!.orders;
        const T = grads.length;
        orders.forEach((list, i) => {
          assert.equal(list.length, settings.selfProjection ? T : T - 1);
          assert.equal(list.includes(i), settings.selfProjection);
          if (settings.order === "fixed") assert.deepEqual(list, [...Array(T).keys()]);
        });
        const want = referenceLoop(grads, orders, settings.epsilon, settings.reduction);
        assert.ok(relativeError(got, want, grads) < 1e-4);
      }),
      { numRuns: 60 },
    );
  });
}

Deno.test("self-projection matters: g_i^PC · g_i < 0 after two projections (T = 3, hand-made)", () => {
  // g1 = (1, 0), g2 = (−1, 0.1), g3 = (−1, −0.1), order [1, 2] for task 0: projecting on g2 then g3
  // turns g1^PC against g1; with self-projection the official loop then projects it on g1 too.
  const grads = [[1, 0], [-1, 0.1], [-1, -0.1]].map((g) => new Float32Array(g));
  const paper = surgery(grads, { order: [[1, 2], [0, 2], [0, 1]] });
  const self = surgery(grads, {
    selfProjection: true,
    order: [[1, 2, 0], [0, 2, 1], [0, 1, 2]],
  });
  assert.notDeepEqual(Array.from(self), Array.from(paper));
});

Deno.test("options given with a preset override it; presets apply to pcgrad only", () => {
  const g = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
  const summed = surgery(g, { preset: "pytorch-pcgrad", reduction: "sum" });
  assert.deepEqual(Array.from(summed), Array.from(surgery(g, { selfProjection: true })));
  assert.throws(
    () => surgery(g, { method: "mgda", preset: "libmtl" }),
    /option preset applies to method "pcgrad", found method "mgda"/,
  );
  assert.throws(() => surgery(g, { preset: "keras" as "paper" }), /preset must be one of/);
});

Deno.test("every preset name has its settings, in table order", () => {
  assert.deepEqual(Object.keys(PRESETS), PRESET_NAMES);
});
