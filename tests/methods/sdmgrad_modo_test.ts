// SDMGrad and MoDo: steps against LibMTL's updates recomputed in float64 from three batches'
// Jacobians (d-space), the simplex of the weights, the norm bounds, state and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { moDoInitialState, type MoDoState, moDoWeights } from "../../methods/modo.ts";
import { sdmGradInitialState, type SdmGradState, sdmGradWeights } from "../../methods/sdmgrad.ts";
import { close, combine, dot, jacobianArb, norm } from "./_gram.ts";

/** J_a J_bᵀ, row-major. */
function cross(A: number[][], B: number[][]): Float64Array {
  const T = A.length;
  return Float64Array.from({ length: T * T }, (_, k) => dot(A[Math.floor(k / T)], B[k % T]));
}

/** Duchi et al.'s sort-based simplex projection, as LibMTL's SDMGrad writes it. */
function simplex(v: number[]): number[] {
  if (Math.abs(v.reduce((a, b) => a + b, 0) - 1) === 0 && v.every((x) => x >= 0)) return v;
  const u = v.slice().sort((a, b) => b - a);
  let css = 0;
  let rho = 0;
  let cssRho = 0;
  u.forEach((x, i) => {
    css += x;
    if (x * (i + 1) > css - 1) [rho, cssRho] = [i, css];
  });
  const theta = (cssRho - 1) / (rho + 1);
  return v.map((x) => Math.max(x - theta, 0));
}

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

/** LibMTL's MoDo.backward in d-space float64. */
function modoReference(lambda: number[], batches: number[][][], gamma: number, rho: number) {
  const [J0, J1, J2] = batches;
  const J1tl = combine(J1, lambda);
  const next = simplex(lambda.map((l, i) => l - gamma * (dot(J0[i], J1tl) + rho * l)));
  return { update: combine(J2, next), lambda: next };
}

const batches = [
  [[1, 2, -1, 0], [0.5, -3, 2, 1], [2, 0, 1, -1]],
  [[0.8, 2.5, -1, 0.2], [0.4, -2, 1.5, 1], [1, 0.5, 1, -0.5]],
  [[1.2, 1, 0, 0], [0, -1, 1, 1.5], [1, 1, 1, -1]],
];

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

Deno.test("sdmgrad and modo: weights on the simplex, updates no longer than the longest gradient", () => {
  fc.assert(
    fc.property(jacobianArb(1, 5, 6), fc.constantFrom(0, 0.3, 3), (J, lambda) => {
      const T = J.length;
      const rev = J.map((row) => row.slice().reverse());
      const s = sdmGradWeights(sdmGradInitialState(T), cross(J, rev), T, { lambda });
      const m = moDoWeights(moDoInitialState(T), cross(J, rev), T, { gamma: 1, rho: lambda });
      for (const w of [s.weights, m.weights]) {
        w.forEach((x) => assert.ok(x >= 0 && Number.isFinite(x)));
        assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
        assert.ok(norm(combine(J, w)) <= Math.max(...J.map(norm)) * (1 + 1e-12));
      }
      s.weights.forEach((x) => assert.ok(x >= lambda / (T * (1 + lambda)) * (1 - 1e-12)));
    }),
  );
});

Deno.test("sdmgrad and modo degenerate: all-zero batches keep finite weights; T = 1 gives 1", () => {
  const zero = new Float64Array(9);
  const s = sdmGradWeights(sdmGradInitialState(3), zero, 3);
  close(s.weights, [1 / 3, 1 / 3, 1 / 3], 1e-15);
  close(moDoWeights(moDoInitialState(3), zero, 3).weights, [1 / 3, 1 / 3, 1 / 3], 1e-15);
  close(sdmGradWeights(sdmGradInitialState(1), new Float64Array([4]), 1).weights, [1], 1e-15);
  close(moDoWeights(moDoInitialState(1), new Float64Array([-4]), 1).weights, [1], 0);
});

Deno.test("sdmgrad and modo state: JSON round trips are bitwise and continue identically", () => {
  const A = cross(batches[0], batches[1]);
  const s1 = sdmGradWeights(sdmGradInitialState(3), A, 3).state;
  const sR = JSON.parse(JSON.stringify(s1)) as SdmGradState;
  sR.w.forEach((x, t) => assert.ok(Object.is(x, s1.w[t])));
  assert.deepEqual(sdmGradWeights(sR, A, 3), sdmGradWeights(s1, A, 3));
  const m1 = moDoWeights(moDoInitialState(3), A, 3, { gamma: 0.3 }).state;
  const mR = JSON.parse(JSON.stringify(m1)) as MoDoState;
  assert.deepEqual(moDoWeights(mR, A, 3), moDoWeights(m1, A, 3));
});

Deno.test("sdmgrad and modo: bad options and inputs are RangeErrors naming the value", () => {
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
    [
      () => moDoWeights(moDoInitialState(2), A, 2, { gamma: NaN }),
      "gamma must be a finite number ≥ 0, found NaN",
    ],
    [
      () => moDoWeights(moDoInitialState(2), A, 2, { rho: -0.1 }),
      "rho must be a finite number ≥ 0, found -0.1",
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
