// SDMGrad: two steps against LibMTL's update recomputed in float64 from three batches' Jacobians
// (d-space), the weights' simplex and floor, the norm bound, state and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { sdmGradInitialState, type SdmGradState, sdmGradWeights } from "../../methods/sdmgrad.ts";
import { batches, cross, simplex } from "./_batches.ts";
import { close, combine, dot, jacobianArb, norm } from "./_gram.ts";

/** LibMTL's SDMGrad.backward in d-space float64: returns the update and the new w. */
function sdmReference(w0: number[], batches: number[][][], lambda: number, niter: number) {
  const [zeta, xi1, xi2] = batches;
  const T = zeta.length;
  let GG = xi1.map((a) => xi2.map((b) => dot(a, b)));
  const scale = GG.reduce((s, row, t) => s + Math.sqrt(Math.max(row[t], 0)), 0) / T;
  GG = GG.map((row) => row.map((x) => x / (scale ** 2 + 1e-8)));
  const Gg = GG.map((row) => row.reduce((a, b) => a + b, 0) / T);
  let w = w0.slice();
  let buf: number[] | null = null;
  for (let i = 0; i < niter; i++) {
    const grad = GG.map((row, a) => dot(row, w) + lambda * Gg[a]);
    buf = buf === null ? grad : buf.map((b, a) => 0.5 * b + grad[a]);
    w = simplex(w.map((x, a) => x - 5 * buf![a]));
  }
  const g0 = combine(zeta, new Array<number>(T).fill(1 / T));
  const gw = combine(zeta, w);
  return { update: gw.map((x, k) => (x + lambda * g0[k]) / (1 + lambda)), w };
}

Deno.test("sdmgrad: two steps match LibMTL's update recomputed in d-space", () => {
  for (const [lambda, iterations] of [[0.3, 20], [0, 5], [2, 1]]) {
    let state: SdmGradState = sdmGradInitialState(3);
    let w0 = [1 / 3, 1 / 3, 1 / 3];
    for (const order of [[0, 1, 2], [2, 0, 1]]) {
      const [z, a, b] = order.map((k) => batches[k]);
      const ref = sdmReference(w0, [z, a, b], lambda, iterations);
      const r = sdmGradWeights(state, cross(a, b), 3, { lambda, iterations });
      close(combine(z, r.weights), ref.update, 1e-12, `λ ${lambda}`);
      close(r.state.w, ref.w, 1e-12);
      [state, w0] = [r.state, ref.w];
    }
  }
});

Deno.test("sdmgrad: weights on the simplex, at least λ/(T(1 + λ)), update no longer than the longest", () => {
  fc.assert(
    fc.property(jacobianArb(1, 5, 6), fc.constantFrom(0, 0.3, 3), (J, lambda) => {
      const T = J.length;
      const rev = J.map((row) => row.slice().reverse());
      const { weights } = sdmGradWeights(sdmGradInitialState(T), cross(J, rev), T, { lambda });
      weights.forEach((x) => assert.ok(x >= lambda / (T * (1 + lambda)) * (1 - 1e-12)));
      assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      assert.ok(norm(combine(J, weights)) <= Math.max(...J.map(norm)) * (1 + 1e-12));
    }),
  );
});

Deno.test("sdmgrad degenerate: all-zero batches keep w = 1/T; T = 1 gives 1", () => {
  close(sdmGradWeights(sdmGradInitialState(3), new Float64Array(9), 3).weights, [
    1 / 3,
    1 / 3,
    1 / 3,
  ], 1e-15);
  close(sdmGradWeights(sdmGradInitialState(1), new Float64Array([4]), 1).weights, [1], 1e-15);
});

Deno.test("sdmgrad state: a JSON round trip is bitwise and continues identically", () => {
  const A = cross(batches[0], batches[1]);
  const s1 = sdmGradWeights(sdmGradInitialState(3), A, 3).state;
  const sR = JSON.parse(JSON.stringify(s1)) as SdmGradState;
  sR.w.forEach((x, t) => assert.ok(Object.is(x, s1.w[t])));
  assert.deepEqual(sdmGradWeights(sR, A, 3), sdmGradWeights(s1, A, 3));
});

Deno.test("sdmgrad: bad options and inputs are RangeErrors naming the value", () => {
  const A = new Float64Array([1, 0, 0, 1]);
  const cases: [() => unknown, string][] = [
    [
      () => sdmGradWeights(sdmGradInitialState(2), A, 2, { lambda: -1 }),
      "lambda must be a finite number ≥ 0, found -1",
    ],
    [
      () => sdmGradWeights(sdmGradInitialState(2), A, 2, { iterations: 1.5 }),
      "iterations must be a whole number ≥ 0, found 1.5",
    ],
    [
      () => sdmGradWeights(sdmGradInitialState(3), A, 3),
      "the cross-Gramian must hold 3×3 finite numbers, found 4 values",
    ],
    [() => sdmGradWeights({ w: [1] }, A, 2), "the SDMGrad state must be { w: 2 finite numbers }"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
