// The symmetric eigendecomposition (validate/symmetric_eigen.ts) the Gramian check and the method
// solvers share: descending eigenvalues, orthonormal eigenvectors, A = V Λ Vᵀ.

import assert from "node:assert/strict";
import { symmetricEigen } from "../../validate/symmetric_eigen.ts";
import { symmetricEigen as fromSolvers } from "../../methods/solvers/linalg.ts";

Deno.test("symmetricEigen: the solvers' linalg re-exports the one implementation", () => {
  assert.equal(fromSolvers, symmetricEigen);
});

Deno.test("symmetricEigen: [[2, 1], [1, 2]] has eigenvalues 3 and 1, descending", () => {
  const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
  assert.ok(Math.abs(values[0] - 3) < 1e-14 && Math.abs(values[1] - 1) < 1e-14, `${values}`);
  // The first column is ±(1, 1)/√2.
  assert.ok(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2) < 1e-14);
  assert.ok(Math.abs(vectors[0] - vectors[2]) < 1e-14);
});

Deno.test("symmetricEigen: V Λ Vᵀ rebuilds A and V is orthonormal (an indefinite 4×4)", () => {
  const T = 4;
  const A = new Float64Array([4, 1, -2, 0.5, 1, -3, 0, 2, -2, 0, 1, -1, 0.5, 2, -1, 0]);
  const { values, vectors: V } = symmetricEigen(A, T);
  for (let i = 1; i < T; i++) assert.ok(values[i - 1] >= values[i], "descending");
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      let rebuilt = 0;
      let gram = 0;
      for (let k = 0; k < T; k++) {
        rebuilt += V[i * T + k] * values[k] * V[j * T + k];
        gram += V[k * T + i] * V[k * T + j];
      }
      assert.ok(Math.abs(rebuilt - A[i * T + j]) < 1e-12, `A[${i}][${j}]`);
      assert.ok(Math.abs(gram - (i === j ? 1 : 0)) < 1e-12, `VᵀV[${i}][${j}]`);
    }
  }
  assert.ok(values[T - 1] < 0, "indefinite: a negative eigenvalue");
});
