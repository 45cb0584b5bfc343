// ExcessMTL: three steps against LibMTL's update recomputed in float64, the risk estimate not
// being a function of the Gramian, the weights' simplex and overflow safety, zero tasks, state.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  excessAccumulate,
  excessMtlInitialState,
  type ExcessMtlState,
  excessMtlWeights,
  excessRisks,
} from "../../methods/excess_mtl.ts";
import { rowGram } from "../../methods/tracked_gradients.ts";
import { close } from "./_gram.ts";

const f32 = (J: number[][]) => J.map((row) => Float32Array.from(row));

/** LibMTL's ExcessMTL.backward in plain float64, returning λ after each step. */
function reference(steps: number[][][], eta: number): number[][] {
  let sum = steps[0].map((row) => row.map(() => 0));
  let lambda = steps[0].map(() => 1);
  let initial: number[] | null = null;
  const out: number[][] = [];
  for (const J of steps) {
    sum = sum.map((row, t) => row.map((a, k) => a + J[t][k] ** 2));
    const w = J.map((g, t) => g.reduce((s, x, k) => s + (x * x) / Math.sqrt(sum[t][k] + 1e-7), 0));
    if (initial === null) initial = w;
    else {
      const ratio = w.map((x, t) => x / initial![t]);
      lambda = lambda.map((l, t) => l * Math.exp(ratio[t] * eta));
      const total = lambda.reduce((a, b) => a + b, 0);
      lambda = lambda.map((l) => (l / total) * J.length);
    }
    out.push(lambda.slice());
  }
  return out;
}

/** Runs the library's three pieces over the steps. */
function run(steps: number[][][], eta: number): number[][] {
  let acc: Float32Array[] | null = null;
  let state: ExcessMtlState = excessMtlInitialState(steps[0].length);
  return steps.map((J) => {
    const g = f32(J);
    acc = excessAccumulate(acc, g);
    const r = excessMtlWeights(state, excessRisks(acc, g), eta);
    state = r.state;
    return Array.from(r.weights);
  });
}

Deno.test("excess-mtl: four steps match LibMTL's update (float64 recomputation)", () => {
  const steps = [
    [[1, 0.5, -2], [0.25, 0.25, 0.125]],
    [[0.5, 0.5, -1], [0.5, 0.25, 0]],
    [[0.25, 1, -0.5], [0.75, 0.5, 0.25]],
    [[0.125, 0.5, 0], [1, 1, 0.5]],
  ];
  for (const eta of [1e-2, 0.5]) {
    const mine = run(steps, eta);
    reference(steps, eta).forEach((lambda, k) =>
      close(mine[k], lambda, 1e-6, `η ${eta} step ${k}`)
    );
  }
  assert.deepEqual(run(steps, 0.5)[0], [1, 1]); // the first step only records r⁰
});

Deno.test("excess-mtl: the risk is not a function of the Gramian (same G, different r)", () => {
  const a = f32([[1, 0]]);
  const b = f32([[Math.SQRT1_2, Math.SQRT1_2]]);
  close(rowGram(a), rowGram(b), 1e-7);
  const ra = excessRisks(excessAccumulate(null, a), a)[0];
  const rb = excessRisks(excessAccumulate(null, b), b)[0];
  // At the first step r ≈ ‖g‖₁: 1 vs √2.
  close([ra, rb], [1, Math.SQRT2], 1e-6);
});

Deno.test("excess-mtl: λ > 0 with Σλ = T, finite even for huge step sizes and risk ratios", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(0, 1e-2, 10, 1e4),
      (risks, eta) => {
        const T = risks.length;
        const state = {
          weights: new Array<number>(T).fill(1),
          initialRisks: risks.map(() => 1e-6),
        };
        const { weights } = excessMtlWeights(state, risks, eta);
        weights.forEach((w) => assert.ok(w >= 0 && Number.isFinite(w)));
        assert.ok(Math.abs(weights.reduce((x, y) => x + y, 0) - T) < 1e-9 * T);
      },
    ),
  );
});

Deno.test("excess-mtl degenerate: a zero task at the first step takes its first non-zero risk as r⁰", () => {
  let state = excessMtlInitialState(2);
  state = excessMtlWeights(state, [2, 0]).state;
  assert.deepEqual(state.initialRisks, [2, null]);
  const second = excessMtlWeights(state, [2, 3], 1);
  assert.deepEqual(second.state.initialRisks, [2, 3]);
  // Task 0: ratio 1, task 1: ratio 0 this step: λ ∝ (e, 1).
  close(second.weights, [2 * Math.E / (Math.E + 1), 2 / (Math.E + 1)], 1e-15);
  assert.deepEqual(excessMtlWeights(excessMtlInitialState(1), [5]).weights, new Float64Array([1]));
});

Deno.test("excess-mtl state: JSON round trips are bitwise (T numbers and float32 rows)", () => {
  const steps = [[[0.3, -1 / 3], [1e-3, 2]], [[0.1, 0.7], [0.2, 1.5]], [[0.5, 0.1], [0.1, 1]]];
  let acc: Float32Array[] | null = null;
  let state = excessMtlInitialState(2);
  for (const J of steps) {
    acc = excessAccumulate(acc, f32(J));
    state = excessMtlWeights(state, excessRisks(acc, f32(J)), 0.3).state;
  }
  const restored = JSON.parse(JSON.stringify(state)) as ExcessMtlState;
  restored.weights.forEach((w, t) => assert.ok(Object.is(w, state.weights[t])));
  assert.deepEqual(excessMtlWeights(restored, [1, 2], 0.3), excessMtlWeights(state, [1, 2], 0.3));
  const rows = (JSON.parse(JSON.stringify(acc!.map((r) => Array.from(r)))) as number[][])
    .map((r) => Float32Array.from(r));
  rows.forEach((r, t) => assert.deepEqual(r, acc![t]));
});

Deno.test("excess-mtl: bad inputs are RangeErrors naming the value; inputs unchanged", () => {
  const s = excessMtlInitialState(2);
  const cases: [() => unknown, string][] = [
    [() => excessMtlWeights(s, [1, 1], -1), "robustStepSize must be a finite number ≥ 0, found -1"],
    [() => excessMtlWeights(s, [1], 0.1), "the state holds 2 tasks, found 1 risks"],
    [() => excessMtlWeights(s, [1, NaN]), "risks[1] must be a finite number ≥ 0, found NaN"],
    [
      () => excessMtlWeights({ weights: [1, 0], initialRisks: [null, null] }, [1, 1]),
      "the state of task 1 must have a weight > 0",
    ],
    [
      () => excessAccumulate(f32([[1]]), f32([[1, 2]])),
      "the accumulator[0] must be a Float32Array of length 2",
    ],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
  const g = f32([[1, 2]]);
  const acc = excessAccumulate(null, g);
  excessAccumulate(acc, g);
  assert.deepEqual(Array.from(acc[0]), [1, 4]);
});
