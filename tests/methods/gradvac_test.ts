// GradVac (Wang et al. 2021): zero targets give PCGrad, the cosine reaches the target after a
// correction, the EMA update, and the state's shape.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgeryWeights } from "../../mod.ts";
import { close, combine, dot, gramOf, jacobianArb, norm, scaleOf } from "./_gram.ts";

Deno.test("equivalence: GradVac with zero targets (β = 0 keeps them 0) equals PCGrad, step after step", () => {
  fc.assert(
    fc.property(jacobianArb(1, 8), fc.integer(), (J, seed) => {
      const G = gramOf(J);
      const gv = createSurgery({ method: "gradvac", beta: 0, seed });
      const pc = createSurgery({ method: "pcgrad", seed });
      for (let step = 0; step < 3; step++) {
        const a = gv.weights(G);
        const b = pc.weights(G);
        // The same projections in a different float64 order: the error scales with the terms
        // Σ_t |w_t| ‖g_t‖ that the update sums (weights reach 7e4 when one task is 7e4× another).
        const terms = J.reduce((sum, row, t) => sum + Math.abs(a[t]) * norm(row), 0);
        close(combine(J, a), combine(J, b), 1e-9 * Math.max(scaleOf(J), terms), `step ${step}`);
        assert.deepEqual(gv.stats!.orders, pc.stats!.orders);
      }
    }),
    { numRuns: 100 },
  );
});

Deno.test("gradvac's first step (targets start at 0) equals PCGrad for any β", () => {
  const G = new Float64Array([1, -1, 0, -1, 2, -1, 0, -1, 1]);
  const order = [[1, 2], [0, 2], [0, 1]];
  close(
    surgeryWeights(G, { method: "gradvac", beta: 0.7, order }).weights,
    surgeryWeights(G, { method: "pcgrad", order }).weights,
    1e-15,
  );
});

Deno.test("gradvac: a correction brings cos(g_i^PC, g_j) to the target; the EMA uses the old φ", () => {
  // T = 2, g1 = (1, 0), g2 = (1, 1)/… : φ = cos 45° ≈ 0.7071. Step 1 (targets 0): no correction,
  // targets become β·φ. Force a target above φ through a saved state and check the corrected cosine.
  const J = [[1, 0], [1, 1]];
  const G = gramOf(J);
  const s = createSurgery({ method: "gradvac", beta: 0.5, order: "fixed" });
  s.weights(G);
  const state = s.getState();
  const phi = Math.SQRT1_2;
  const targets = (state.methods.gradvac as { targets: number[][] }).targets;
  close([targets[0][1], targets[1][0]], [0.5 * phi, 0.5 * phi], 1e-15);
  targets[0][1] = 0.9;
  targets[1][0] = 0;
  s.setState(state);
  const w = s.weights(G);
  // g1^PC = g1 + w01·g2 has cosine 0.9 with g2; g2^PC untouched (φ ≥ 0 target).
  const g1pc = combine(J, [1, w[1] - 1]);
  close([dot(g1pc, J[1]) / (norm(g1pc) * norm(J[1]))], [0.9], 1e-12);
  const after = (s.getState().methods.gradvac as { targets: number[][] }).targets;
  close([after[0][1]], [0.5 * 0.9 + 0.5 * phi], 1e-15);
});
