// The MGDA-UB recipe (Sener & Koltun 2018): weights from the Gramian of the gradients
// with respect to the shared representation Z, applied to the parameter gradients with the split
// phase. Checked on a linear shared layer Z = Xθ, where ∇_θ L_t = Xᵀ ∇_Z L_t exactly.

import assert from "node:assert/strict";
import { accumulateGram, combineBlock, createSurgery, surgeryWeights } from "../../mod.ts";
import { Prng } from "../../random/prng.ts";

const rng = new Prng(21);
const rand = () => rng.nextFloat() * 2 - 1;
const [B, F, P] = [6, 4, 5]; // batch, features of Z (per sample), parameters θ: Z_b = X_b θ
// X: (B·F) × P; representation gradients: T rows of length B·F.
const X = Array.from({ length: B * F }, () => Array.from({ length: P }, rand));
const zGrads = Array.from({ length: 3 }, () => Float32Array.from({ length: B * F }, rand));
const paramGrads = zGrads.map((gz) =>
  Float32Array.from({ length: P }, (_, p) => X.reduce((s, row, r) => s + row[p] * gz[r], 0))
);

Deno.test("MGDA-UB: weights from ∇_Z, update from ∇_θ, and ‖Σα∇_θ‖ ≤ ‖X‖_F ‖Σα∇_Z‖", () => {
  const gramZ = accumulateGram(zGrads);
  const mgda = createSurgery({ method: "mgda" });
  const alpha = mgda.weights(gramZ);
  assert.deepEqual(
    Array.from(alpha),
    Array.from(surgeryWeights(gramZ, { method: "mgda" }).weights),
  );
  assert.ok(Math.abs(alpha.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const update = combineBlock(paramGrads, alpha);
  const zCombined = combineBlock(zGrads, alpha);
  // The bound of Sener & Koltun's Theorem 1 with ‖∂Z/∂θ‖ ≤ ‖X‖_F.
  const frob = Math.sqrt(X.flat().reduce((s, x) => s + x * x, 0));
  const n = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  assert.ok(n(update) <= frob * n(zCombined) * (1 + 1e-6));
  // The update is exactly Σ α_t ∇_θ L_t, i.e. Xᵀ(Σ α_t ∇_Z L_t).
  const viaZ = Float32Array.from(
    { length: P },
    (_, p) => X.reduce((s, row, r) => s + row[p] * zCombined[r], 0),
  );
  update.forEach((u, p) => assert.ok(Math.abs(u - viaZ[p]) < 1e-4, `${u} vs ${viaZ[p]}`));
  // MGDA on ∇_Z: equal projections on the active tasks (the min-norm KKT condition).
  const dots = zGrads.map((g) => g.reduce((s, x, k) => s + x * zCombined[k], 0));
  const sq = zCombined.reduce((s, x) => s + x * x, 0);
  alpha.forEach((a, t) => {
    if (a > 1e-6) assert.ok(Math.abs(dots[t] - sq) < 1e-4 * (1 + sq), `task ${t}`);
  });
});
