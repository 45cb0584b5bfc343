// MoCo: three steps against LibMTL's update recomputed in float64, λ on the simplex, the norm
// bound, the tracking rates, degenerate inputs, state round-trips and bad options.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  mocoGradientScales,
  mocoInitialState,
  type MocoState,
  mocoTrack,
  mocoWeights,
} from "../../methods/moco.ts";
import { combineRows, rowGram } from "../../methods/tracked_gradients.ts";
import { close, combine, dot, gramOf, jacobianArb, norm } from "./_gram.ts";

const f32 = (J: number[][]) => J.map((row) => Float32Array.from(row));

/** LibMTL's MoCo.backward in plain float64, returning (λ, update) after each step. */
function reference(steps: { J: number[][]; L: number[] }[], o = {
  beta: 0.5,
  betaSigma: 0.5,
  gamma: 0.1,
  gammaSigma: 0.5,
  rho: 0,
}): { lambda: number[]; update: number[] }[] {
  const T = steps[0].J.length;
  let y = steps[0].J.map((row) => row.map(() => 0));
  let lambda = new Array<number>(T).fill(1 / T);
  return steps.map(({ J, L }, i) => {
    const k = i + 1;
    const g = J.map((row, t) => row.map((x) => (x / (norm(row) + 1e-8)) * L[t]));
    const b = o.beta / k ** o.betaSigma;
    y = y.map((row, t) => row.map((x, c) => x - b * (x - g[t][c])));
    const c = o.gamma / k ** o.gammaSigma;
    const z = lambda.map((l, a) =>
      l - c * (y.reduce((s, row, j) => s + dot(y[a], row) * lambda[j], 0) + o.rho * l)
    );
    const e = z.map(Math.exp);
    lambda = e.map((x) => x / e.reduce((s, v) => s + v, 0));
    return { lambda, update: combine(y, lambda) };
  });
}

function run(steps: { J: number[][]; L: number[] }[], options = {}) {
  let rows: Float32Array[] | null = null;
  let state: MocoState = mocoInitialState(steps[0].J.length);
  return steps.map(({ J, L }) => {
    const T = J.length;
    const scales = mocoGradientScales(gramOf(J), T, L);
    rows = mocoTrack(rows, f32(J), scales, state.step + 1, options);
    const r = mocoWeights(state, rowGram(rows), T, options);
    state = r.state;
    return {
      lambda: Array.from(r.weights),
      update: Array.from(combineRows(rows, r.weights)),
      state,
    };
  });
}

const steps = [
  { J: [[1, 2, -1], [0.5, -3, 2], [2, 0, 1]], L: [2, 0.25, 1] },
  { J: [[0.8, 2.5, -1], [0.4, -2, 1.5], [1, 0.5, 1]], L: [1.5, 0.2, 0.9] },
  { J: [[1.2, 1, 0], [0, -1, 1], [1, 1, 1]], L: [1.2, 0.1, 0.8] },
];

Deno.test("moco: three steps match LibMTL's update (float64 recomputation), defaults and ρ = 0.5", () => {
  for (const rho of [0, 0.5]) {
    const o = { beta: 0.5, betaSigma: 0.5, gamma: 0.1, gammaSigma: 0.5, rho };
    const mine = run(steps, { rho });
    reference(steps, o).forEach(({ lambda, update }, k) => {
      close(mine[k].lambda, lambda, 1e-6, `ρ ${rho} λ step ${k}`);
      close(mine[k].update, update, 1e-6, `ρ ${rho} update step ${k}`);
    });
    assert.equal(mine[2].state.step, 3);
  }
});

Deno.test("moco: λ stays on the simplex and ‖update‖ ≤ the largest loss seen", () => {
  fc.assert(
    fc.property(
      fc.array(jacobianArb(3, 3, 6), { minLength: 1, maxLength: 4 }),
      fc.array(fc.constantFrom(0, 0.01, 1, 30), { minLength: 3, maxLength: 3 }),
      (Js, L) => {
        const d = Js[0][0].length;
        const same = Js.filter((J) => J[0].length === d);
        const out = run(same.map((J) => ({ J, L })), { gamma: 1 });
        for (const { lambda, update } of out) {
          lambda.forEach((x) => assert.ok(x > 0 && x <= 1));
          assert.ok(Math.abs(lambda.reduce((a, b) => a + b, 0) - 1) < 1e-12);
          assert.ok(norm(update) <= Math.max(...L) * (1 + 1e-6) + 1e-30);
        }
      },
    ),
  );
});

Deno.test("moco: the first step keeps β·ĝ (β_1 = β); β_k = β/k^σ afterwards", () => {
  const first = mocoTrack(null, f32([[3, 4]]), [2 / 5], 1);
  close(first[0], [0.5 * 1.2, 0.5 * 1.6], 1e-7);
  const later = mocoTrack(f32([[1, 1]]), f32([[0, 0]]), [1], 4, { beta: 0.5, betaSigma: 0.5 });
  close(later[0], [0.75, 0.75], 1e-7); // y − (0.5/2)(y − 0)
});

Deno.test("moco degenerate: zero task scale 0, T = 1 keeps λ = 1, equal tasks keep λ equal", () => {
  close(mocoGradientScales(new Float64Array([0, 0, 0, 4]), 2, [5, 2]), [0, 2 / (2 + 1e-8)], 1e-15);
  const one = mocoWeights(mocoInitialState(1), new Float64Array([7]), 1);
  assert.deepEqual(one.weights, new Float64Array([1]));
  const dup = mocoWeights(mocoInitialState(2), new Float64Array([1, 1, 1, 1]), 2);
  assert.equal(dup.weights[0], dup.weights[1]);
});

Deno.test("moco state: JSON round trips are bitwise and continue identically", () => {
  const out = run(steps);
  const state = out[1].state;
  const restored = JSON.parse(JSON.stringify(state)) as MocoState;
  restored.lambda.forEach((x, t) => assert.ok(Object.is(x, state.lambda[t])));
  const Gy = new Float64Array([2, 0.5, 0.1, 0.5, 1, -0.3, 0.1, -0.3, 3]);
  assert.deepEqual(mocoWeights(restored, Gy, 3), mocoWeights(state, Gy, 3));
});

Deno.test("moco: bad options and inputs are RangeErrors naming the value", () => {
  const s = mocoInitialState(2);
  const G = new Float64Array([1, 0, 0, 1]);
  const cases: [() => unknown, string][] = [
    [() => mocoWeights(s, G, 2, { gamma: -1 }), "gamma must be a finite number ≥ 0, found -1"],
    [() => mocoWeights(s, G, 2, { rho: NaN }), "rho must be a finite number ≥ 0, found NaN"],
    [
      () => mocoTrack(null, f32([[1]]), [1], 1, { beta: 0 }),
      "beta must be a number in (0, 1], found 0",
    ],
    [() => mocoTrack(null, f32([[1]]), [1], 0), "step must be a whole number ≥ 1, found 0"],
    [() => mocoGradientScales(G, 2, [1]), "MoCo needs the 2 task losses, found 1 losses"],
    [() => mocoWeights({ lambda: [1], step: 0 }, G, 2), "the MoCo state must be"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
