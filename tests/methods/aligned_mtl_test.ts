// Aligned-MTL: TorchJD's documented example, the aligned gradients' equal singular
// values, the scale modes, and B = I for all-zero gradients.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery, surgeryWeights } from "../../mod.ts";
import { symmetricEigen } from "../../methods/solvers/linalg.ts";
import { close, fullRank, gramOf, jacobianArb } from "./_gram.ts";

Deno.test("aligned-mtl golden: TorchJD's example with preference 1/T (0.2133, 0.9673, 0.9673)", () => {
  const J = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  close(
    surgery(J, { method: "aligned-mtl", preference: [0.5, 0.5] }),
    [0.2133, 0.9673, 0.9673],
    1e-4,
  );
  // The default preference is the official code's 1 per task: twice that.
  close(surgery(J, { method: "aligned-mtl" }), [0.4266, 1.9347, 1.9347], 2e-4);
});

Deno.test("aligned-mtl: B G B has every non-zero eigenvalue equal to λ_min (condition number 1)", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 10), (J) => {
      const T = J.length;
      if (!fullRank(J)) return;
      const G = gramOf(J);
      // Columns of B are the weights for preference e_k.
      const B = new Float64Array(T * T);
      for (let k = 0; k < T; k++) {
        const e = new Array(T).fill(0);
        e[k] = 1;
        const col = surgeryWeights(G, { method: "aligned-mtl", preference: e }).weights;
        for (let i = 0; i < T; i++) B[i * T + k] = col[i];
      }
      const M = new Float64Array(T * T); // BᵀGB = (JᵀB)ᵀ(JᵀB)
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let a = 0; a < T; a++) {
            for (let b = 0; b < T; b++) s += B[a * T + i] * G[a * T + b] * B[b * T + j];
          }
          M[i * T + j] = s;
        }
      }
      const lambdaMin = symmetricEigen(G, T).values[T - 1];
      for (const v of symmetricEigen(M, T).values) {
        assert.ok(Math.abs(v - lambdaMin) <= 1e-8 * symmetricEigen(G, T).values[0], `${v}`);
      }
    }),
    { numRuns: 100 },
  );
});

Deno.test("aligned-mtl scale modes: min, median (lower), mean of the kept eigenvalues", () => {
  // G diagonal: eigenvalues 9, 4, 1 with e_k eigenvectors; B = √λs·diag(1/3, 1/2, 1).
  const G = new Float64Array([9, 0, 0, 0, 4, 0, 0, 0, 1]);
  const w = (scaleMode: "min" | "median" | "rmse") =>
    surgeryWeights(G, { method: "aligned-mtl", scaleMode }).weights;
  close(w("min"), [1 / 3, 1 / 2, 1], 1e-12);
  close(w("median"), [2 / 3, 1, 2], 1e-12);
  const s = Math.sqrt(14 / 3);
  close(w("rmse"), [s / 3, s / 2, s], 1e-12);
});

Deno.test("aligned-mtl: all-zero gradients give B = I (the preference itself)", () => {
  const w = surgeryWeights(new Float64Array(4), { method: "aligned-mtl", preference: [2, 3] });
  assert.deepEqual(Array.from(w.weights), [2, 3]);
});
