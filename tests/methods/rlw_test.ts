// RLW (Lin et al. 2022): weights on the simplex, reproducible from the seed, fresh every step, and
// distributed as documented (mean 1/T; softmax of normals vs Dirichlet(1)).

import assert from "node:assert/strict";
import { createSurgery, surgeryWeights } from "../../mod.ts";

const G = new Float64Array(9).fill(1);

for (const distribution of ["normal", "dirichlet"] as const) {
  Deno.test(`rlw ${distribution}: positive weights summing to 1, seeded, fresh per step`, () => {
    const a = createSurgery({ method: "rlw", distribution, seed: 3 });
    const b = createSurgery({ method: "rlw", distribution, seed: 3 });
    const first = a.weights(G);
    assert.deepEqual(b.weights(G), first);
    assert.notDeepEqual(a.weights(G), first);
    assert.ok(first.every((x) => x > 0));
    assert.ok(Math.abs(first.reduce((s, x) => s + x, 0) - 1) < 1e-15);
  });
}

Deno.test("rlw: the weights' moments match the distributions (20 000 draws, T = 3)", () => {
  for (const distribution of ["normal", "dirichlet"] as const) {
    const s = createSurgery({ method: "rlw", distribution, seed: 1 });
    let mean = 0;
    let sq = 0;
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      const w0 = s.weights(G)[0];
      mean += w0 / n;
      sq += (w0 * w0) / n;
    }
    const variance = sq - mean * mean;
    assert.ok(Math.abs(mean - 1 / 3) < 0.006, `${distribution} mean ${mean}`);
    // Dirichlet(1,1,1): Var = (1·2)/(9·4) = 1/18 ≈ 0.0556; softmax of N(0, I₃) is tighter (≈ 0.04).
    if (distribution === "dirichlet") assert.ok(Math.abs(variance - 1 / 18) < 0.004);
    else assert.ok(variance > 0.03 && variance < 0.05, `normal variance ${variance}`);
  }
});

Deno.test("rlw one-shot: the seed alone decides the weights", () => {
  const a = surgeryWeights(G, { method: "rlw", seed: 9 }).weights;
  assert.deepEqual(surgeryWeights(G, { method: "rlw", seed: 9 }).weights, a);
});
