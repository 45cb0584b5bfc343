// STCH: the warm-up and nadir epochs, the smooth-max weights against finite differences of the
// scalarised loss, the μ limits, state round-trips and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { stchInitialState, type StchState, stchStep } from "../../methods/loss_weighting/stch.ts";
import { close } from "./_gram.ts";

/** μ·T·log Σ exp(log(L_t/z_t + 1e-20)/μ), written out without the max shift. */
function scalarised(L: readonly number[], z: readonly number[], mu: number): number {
  const s = L.reduce((acc, l, t) => acc + Math.exp(Math.log(l / z[t] + 1e-20) / mu), 0);
  return mu * L.length * Math.log(s);
}

Deno.test("stch warm-up: log-loss weights 1/L, then the nadir epoch averages the losses", () => {
  let state = stchInitialState(2);
  const first = stchStep(state, [2, 0.5], 0);
  close(first.weights, [0.5, 2], 1e-15);
  close([first.loss], [Math.log(2) + Math.log(0.5)], 1e-15);
  assert.deepEqual(first.state, state);
  state = stchStep(state, [2, 0.5], 3).state; // still warm-up (epochs 0 … 3)
  state = stchStep(state, [4, 1], 4).state; // the nadir epoch
  const nadirStep = stchStep(state, [2, 3], 4);
  close(nadirStep.weights, [0.5, 1 / 3], 1e-15);
  state = nadirStep.state;
  assert.deepEqual(state, { lossSum: [6, 4], count: 2, nadir: null });
  const after = stchStep(state, [3, 2], 5);
  assert.deepEqual(after.state.nadir, [3, 2]);
  // At the nadir every l_t = log(1 + 1e-20) = 0: p is uniform and λ_t = 1/L_t.
  close(after.weights, [1 / 3, 1 / 2], 1e-15);
  close([after.loss], [Math.log(2) * 2], 1e-15);
});

Deno.test("stch: the weights are the gradient of the scalarised loss (finite differences)", () => {
  const state: StchState = { lossSum: [0, 0, 0], count: 0, nadir: [1.5, 0.2, 3] };
  for (const mu of [0.1, 1, 4]) {
    const L = [1.2, 0.3, 2.5];
    const { weights, loss } = stchStep(state, L, 9, { mu });
    const z = state.nadir!;
    const shift = 3 * Math.max(...L.map((l, t) => Math.log(l / z[t])));
    close([loss + shift], [scalarised(L, z, mu)], 1e-12, `μ = ${mu}`);
    const numeric = L.map((_, t) => {
      const h = 1e-6 * L[t];
      const up = L.slice(), down = L.slice();
      up[t] += h;
      down[t] -= h;
      return (scalarised(up, z, mu) - scalarised(down, z, mu)) / (2 * h);
    });
    close(weights, numeric, 1e-6 * Math.max(...numeric.map(Math.abs)), `μ = ${mu}`);
  }
});

Deno.test("stch: small μ puts the weight on the task furthest above its nadir", () => {
  const state: StchState = { lossSum: [0, 0], count: 0, nadir: [1, 1] };
  const { weights } = stchStep(state, [1, 2], 5, { mu: 0.01 }); // log 2 above vs 0
  close(weights, [0, 2 / 2], 1e-12); // λ_2 = T·1/L_2 = 1
});

Deno.test("stch: finite non-negative weights for any losses ≥ 0, zeros included", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(0, 1e-30, 0.01, 1, 50, 1e8), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(0.05, 1, 10),
      (losses, mu) => {
        const T = losses.length;
        const state = { ...stchInitialState(T), nadir: losses.map((_, t) => 0.5 + t) };
        for (const epoch of [0, 4, 5]) {
          const { weights, loss } = stchStep(state, losses, epoch, { mu });
          weights.forEach((w) => assert.ok(w >= 0 && Number.isFinite(w), `${epoch}: ${w}`));
          assert.ok(!Number.isNaN(loss));
        }
      },
    ),
  );
});

Deno.test("stch state: a JSON round trip is bitwise and continues identically", () => {
  let state = stchInitialState(3);
  for (const L of [[0.31, 2.7, 1e-3], [0.29, 2.2, 2e-3], [0.1, 1 / 3, 7e-4]]) {
    state = stchStep(state, L, 4).state;
  }
  state = stchStep(state, [0.2, 1, 1e-3], 5).state;
  const restored = JSON.parse(JSON.stringify(state)) as StchState;
  restored.nadir!.forEach((x, t) => assert.ok(Object.is(x, state.nadir![t])));
  assert.deepEqual(stchStep(restored, [0.3, 2, 1e-4], 6), stchStep(state, [0.3, 2, 1e-4], 6));
});

Deno.test("stch: a skipped nadir epoch and bad options are RangeErrors naming the value", () => {
  const s = stchInitialState(2);
  const cases: [() => unknown, string][] = [
    [
      () => stchStep(s, [1, 1], 5),
      "the nadir point is the mean loss of epoch 4, which has no steps",
    ],
    [() => stchStep(s, [1, 1], 0, { mu: 0 }), "mu must be a finite number > 0, found 0"],
    [() => stchStep(s, [1, 1], 0, { warmupEpochs: 1.5 }), "warmupEpochs must be a whole number"],
    [() => stchStep(s, [1, 1], -1), "epoch must be a whole number ≥ 0, found -1"],
    [() => stchStep(s, [1, -2], 0), "losses[1] must be a finite number ≥ 0, found -2"],
    [() => stchStep(s, [1], 0), "state.lossSum must hold 1 numbers, found 2 numbers"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
  // warmupEpochs = 0: epoch 0 is the nadir epoch.
  const zero = stchStep(s, [2, 4], 0, { warmupEpochs: 0 }).state;
  assert.deepEqual(stchStep(zero, [2, 4], 1, { warmupEpochs: 0 }).state.nadir, [2, 4]);
});
