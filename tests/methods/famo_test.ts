// FAMO: loss weights worked by hand, the logit gradient against finite differences, three steps
// against LibMTL's update recomputed in float64, state round-trips, degenerate and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  famoInitialState,
  famoLogitGradient,
  famoLossWeights,
  type FamoState,
  famoUpdate,
  softmax,
} from "../../methods/loss_weighting/famo.ts";
import { close } from "./_gram.ts";

Deno.test("famo by hand: equal logits weigh each loss by 1/L, normalised (Σλ = 1)", () => {
  close(famoLossWeights(famoInitialState(3), [1, 2, 4]), [4 / 7, 2 / 7, 1 / 7], 1e-8);
  // λ_t = ∂/∂L_t of Σ z_s log(L_s + 1e-8) / c with c = Σ z_s/(L_s + 1e-8) held constant.
  const state = { ...famoInitialState(3), logits: [0.3, -1, 0.2] };
  const losses = [0.7, 1.9, 0.05];
  const z = softmax(state.logits);
  const c = z.reduce((s, x, t) => s + x / (losses[t] + 1e-8), 0);
  const f = (L: number[]) => L.reduce((s, l, t) => s + z[t] * Math.log(l + 1e-8), 0) / c;
  const h = 1e-6;
  const numeric = losses.map((_, t) => {
    const up = losses.slice(), down = losses.slice();
    up[t] += h;
    down[t] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
  close(famoLossWeights(state, losses), numeric, 1e-8);
});

Deno.test("famo: the logit gradient is the softmax's vector-Jacobian product with δ, plus γξ", () => {
  const state = { ...famoInitialState(3), logits: [0.4, -0.2, 0.1] };
  const before = [2, 0.5, 1];
  const after = [1.5, 0.45, 1.2];
  const delta = before.map((l, t) => Math.log(l + 1e-8) - Math.log(after[t] + 1e-8));
  const f = (xi: number[]) => softmax(xi).reduce((s, z, t) => s + z * delta[t], 0);
  const h = 1e-6;
  const numeric = state.logits.map((_, t) => {
    const up = state.logits.slice(), down = state.logits.slice();
    up[t] += h;
    down[t] -= h;
    return (f(up) - f(down)) / (2 * h) + 0.01 * state.logits[t];
  });
  close(famoLogitGradient(state, before, after, 0.01), numeric, 1e-9);
});

Deno.test("famo: the task that improved most loses weight (first Adam step moves ξ by ≈ lr)", () => {
  const next = famoUpdate(famoInitialState(2), [1, 1], [0.5, 1]);
  close(next.logits, [-0.025, 0.025], 1e-8);
  assert.equal(next.step, 1);
  const [a, b] = famoLossWeights(next, [1, 1]);
  assert.ok(a < b, `${a} vs ${b}`);
});

Deno.test("famo golden: three steps of LibMTL's update (torch Adam, lr 0.025, decay 1e-3)", () => {
  // LibMTL's FAMO.backward/update_w transcribed to numpy float64 (torch's Adam formulas).
  const steps: [number[], number[], number[], number[]][] = [
    [[2, 0.5, 1], [1.5, 0.45, 1], [0.14285714428571428, 0.5714285685714287, 0.2857142871428571], [
      -0.024999995212803838,
      0.024999970764464027,
      0.024999994275430776,
    ]],
    [[1.5, 0.45, 1], [1.2, 0.44, 0.7], [
      0.16444275823674284,
      0.5762463672394847,
      0.2593108745237725,
    ], [-0.044168998251450015, 0.0457713640636392, 0.02129386119838067]],
    [[1.2, 0.44, 0.7], [1.1, 0.2, 0.69], [
      0.17199282295433374,
      0.5132151770760175,
      0.31479199996964863,
    ], [-0.0404582100108625, 0.03625080607425113, 0.032743772767769345]],
  ];
  let state = famoInitialState(3);
  for (const [before, after, weights, logits] of steps) {
    close(famoLossWeights(state, before), weights, 1e-15);
    state = famoUpdate(state, before, after);
    close(state.logits, logits, 1e-15);
  }
});

Deno.test("famo state: a JSON round trip is bitwise and continues identically; inputs unchanged", () => {
  let state: FamoState = famoInitialState(3);
  const before = [1.3, 0.2, 5];
  const after = [1.1, 0.19, 4.2];
  for (let k = 0; k < 4; k++) state = famoUpdate(state, before, after, { lr: 0.1, gamma: 0.01 });
  const restored = JSON.parse(JSON.stringify(state)) as FamoState;
  assert.deepEqual(restored, state);
  restored.logits.forEach((x, t) => assert.ok(Object.is(x, state.logits[t])));
  const frozen = JSON.stringify(state);
  assert.deepEqual(
    famoUpdate(restored, after, before, { lr: 0.1 }),
    famoUpdate(state, after, before, { lr: 0.1 }),
  );
  assert.equal(JSON.stringify(state), frozen);
  assert.deepEqual(before, [1.3, 0.2, 5]);
});

Deno.test("famo: weights are on the simplex and finite for any losses ≥ 0 (zeros included)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(0, 1e-12, 0.3, 1, 7, 1e6), { minLength: 1, maxLength: 8 }),
      fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 8, maxLength: 8 }),
      (losses, xi) => {
        const T = losses.length;
        const state = { ...famoInitialState(T), logits: xi.slice(0, T) };
        const w = famoLossWeights(state, losses);
        w.forEach((x) => assert.ok(x >= 0 && x <= 1 && Number.isFinite(x)));
        assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
        const next = famoUpdate(state, losses, losses.map((l) => l / 2));
        next.logits.forEach((x) => assert.ok(Number.isFinite(x)));
      },
    ),
  );
});

Deno.test("famo degenerate: T = 1 has λ = 1 and a logit that never moves from 0", () => {
  assert.deepEqual(famoLossWeights(famoInitialState(1), [3]), [1]);
  assert.deepEqual(famoUpdate(famoInitialState(1), [3], [1]).logits, [0]);
});

Deno.test("famo: bad inputs are RangeErrors naming the input and the value", () => {
  const s = famoInitialState(2);
  const cases: [() => unknown, string][] = [
    [() => famoLossWeights(s, [1, -1]), "losses[1] must be a finite number ≥ 0, found -1"],
    [() => famoLossWeights(s, [1]), "losses must hold 2 numbers, found 1 numbers"],
    [() => famoUpdate(s, [1, 1], [1, NaN]), "after[1] must be a finite number ≥ 0, found NaN"],
    [() => famoUpdate(s, [1, 1], [1, 1], { lr: 0 }), "lr must be a finite number > 0, found 0"],
    [() => famoUpdate(s, [1, 1], [1, 1], { gamma: -1 }), "gamma must be a finite number ≥ 0"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
