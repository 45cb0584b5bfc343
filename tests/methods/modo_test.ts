// MoDo: two steps against LibMTL's update recomputed in float64 from three batches' Jacobians
// (d-space), λ on the simplex, the norm bound, state and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { moDoInitialState, type MoDoState, moDoWeights } from "../../methods/modo.ts";
import { batches, cross, simplex } from "./_batches.ts";
import { close, combine, dot, jacobianArb, norm } from "./_gram.ts";

/** LibMTL's MoDo.backward in d-space float64. */
function modoReference(lambda: number[], batches: number[][][], gamma: number, rho: number) {
  const [J0, J1, J2] = batches;
  const J1tl = combine(J1, lambda);
  const next = simplex(lambda.map((l, i) => l - gamma * (dot(J0[i], J1tl) + rho * l)));
  return { update: combine(J2, next), lambda: next };
}

Deno.test("modo: two steps match LibMTL's update recomputed in d-space", () => {
  for (const [gamma, rho] of [[1e-3, 0.1], [0.5, 0]]) {
    let state: MoDoState = moDoInitialState(3);
    let lambda = [1 / 3, 1 / 3, 1 / 3];
    for (const order of [[0, 1, 2], [1, 2, 0]]) {
      const three = order.map((k) => batches[k]);
      const ref = modoReference(lambda, three, gamma, rho);
      const r = moDoWeights(state, cross(three[0], three[1]), 3, { gamma, rho });
      close(combine(three[2], r.weights), ref.update, 1e-12, `γ ${gamma}`);
      [state, lambda] = [r.state, ref.lambda];
    }
  }
});

Deno.test("modo: λ on the simplex, update no longer than the longest third-batch gradient", () => {
  fc.assert(
    fc.property(jacobianArb(1, 5, 6), fc.constantFrom(0, 0.1, 3), (J, rho) => {
      const T = J.length;
      const rev = J.map((row) => row.slice().reverse());
      const { weights } = moDoWeights(moDoInitialState(T), cross(J, rev), T, { gamma: 1, rho });
      weights.forEach((x) => assert.ok(x >= 0 && Number.isFinite(x)));
      assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      assert.ok(norm(combine(J, weights)) <= Math.max(...J.map(norm)) * (1 + 1e-12));
    }),
  );
});

Deno.test("modo degenerate: all-zero batches keep λ = 1/T; T = 1 gives 1", () => {
  close(
    moDoWeights(moDoInitialState(3), new Float64Array(9), 3).weights,
    [1 / 3, 1 / 3, 1 / 3],
    1e-15,
  );
  close(moDoWeights(moDoInitialState(1), new Float64Array([-4]), 1).weights, [1], 0);
});

Deno.test("modo state: a JSON round trip is bitwise and continues identically", () => {
  const A = cross(batches[0], batches[1]);
  const m1 = moDoWeights(moDoInitialState(3), A, 3, { gamma: 0.3 }).state;
  const mR = JSON.parse(JSON.stringify(m1)) as MoDoState;
  mR.lambda.forEach((x, t) => assert.ok(Object.is(x, m1.lambda[t])));
  assert.deepEqual(moDoWeights(mR, A, 3), moDoWeights(m1, A, 3));
});

Deno.test("modo: bad options and inputs are RangeErrors naming the value", () => {
  const A = new Float64Array([1, 0, 0, 1]);
  const cases: [() => unknown, string][] = [
    [
      () => moDoWeights(moDoInitialState(2), A, 2, { gamma: NaN }),
      "gamma must be a finite number ≥ 0, found NaN",
    ],
    [
      () => moDoWeights(moDoInitialState(2), A, 2, { rho: -0.1 }),
      "rho must be a finite number ≥ 0, found -0.1",
    ],
    [
      () => moDoWeights(moDoInitialState(3), A, 3),
      "the cross-Gramian must hold 3×3 finite numbers, found 4 values",
    ],
    [
      () => moDoWeights({ lambda: [] }, A, 2),
      "the MoDo state must be { lambda: 2 finite numbers }",
    ],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
