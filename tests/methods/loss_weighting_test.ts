// GradNorm, uncertainty weighting and DWA: values worked by hand, the
// gradient against finite differences, and bad inputs.

import assert from "node:assert/strict";
import {
  dwaWeights,
  gradNormGradient,
  gradNormStep,
  uncertaintyWeighting,
} from "../../methods/loss_weighting/mod.ts";
import { close } from "./_gram.ts";

Deno.test("gradnorm by hand: equal training rates push the weights towards equal G_W", () => {
  // w = (1, 1), ‖∇_W L‖ = (2, 1): G = (2, 1), Ḡ = 1.5; equal loss ratios → targets 1.5.
  const input = {
    weights: [1, 1],
    losses: [1, 2],
    initialLosses: [1, 2],
    gradNorms: [2, 1],
    lr: 0.1,
  };
  const { gradLoss, gradient } = gradNormGradient(input);
  assert.equal(gradLoss, 1); // |2 − 1.5| + |1 − 1.5|
  assert.deepEqual(gradient, [2, -1]);
  const { weights } = gradNormStep(input);
  close(weights, [0.8 * 2 / 1.9, 1.1 * 2 / 1.9], 1e-15); // (1 − 0.2, 1 + 0.1), renormalised to Σ = 2
});

Deno.test("gradnorm: a task training slower (higher L/L0) gets a larger target (α = 1.5)", () => {
  const { gradient } = gradNormGradient({
    weights: [1, 1],
    losses: [0.5, 1],
    initialLosses: [1, 1],
    gradNorms: [1, 1],
    lr: 0,
  });
  // r = (2/3, 4/3): targets Ḡ r^1.5 = (0.544, 1.540) vs G = (1, 1): shrink w1, grow w2.
  assert.deepEqual(gradient, [1, -1]);
  assert.throws(
    () => gradNormStep({ weights: [1], losses: [0], initialLosses: [1], gradNorms: [1], lr: 1 }),
    /losses\[0\] must be a finite number > 0, found 0/,
  );
});

Deno.test("uncertainty weighting: values and the derivative in s (finite differences)", () => {
  const r = uncertaintyWeighting([2, 3], [-0.5, 0.3], ["regression", "classification"]);
  const want = 0.5 * Math.exp(0.5) * 2 - 0.25 + Math.exp(-0.3) * 3 + 0.15;
  assert.ok(Math.abs(r.loss - want) < 1e-12);
  close(r.lossWeights, [0.5 * Math.exp(0.5), Math.exp(-0.3)], 1e-15);
  const h = 1e-6;
  for (let t = 0; t < 2; t++) {
    const s = [-0.5, 0.3];
    s[t] += h;
    const up = uncertaintyWeighting([2, 3], s, ["regression", "classification"]).loss;
    s[t] -= 2 * h;
    const down = uncertaintyWeighting([2, 3], s, ["regression", "classification"]).loss;
    assert.ok(Math.abs((up - down) / (2 * h) - r.logVarianceGradient[t]) < 1e-7);
  }
  assert.throws(() => uncertaintyWeighting([1, 2], [0]), /2 losses but 1 log-variances/);
});

Deno.test("dwa: λ = 1 for the first two epochs, then K·softmax(ratio/τ) summing to K", () => {
  assert.deepEqual(dwaWeights([[1, 2]]), [1, 1]);
  const w = dwaWeights([[1, 1], [0.5, 1], [0.25, 1]]);
  // ratios (0.5, 1) over τ = 2: softmax(0.25, 0.5)·2
  const e = [Math.exp(0.25), Math.exp(0.5)];
  close(w, e.map((x) => (2 * x) / (e[0] + e[1])), 1e-15);
  assert.ok(Math.abs(w[0] + w[1] - 2) < 1e-15);
  assert.throws(() => dwaWeights([[1, 0]]), /epoch 0 must hold 2 finite losses > 0/);
  assert.throws(() => dwaWeights([[1]], 0), /temperature must be > 0, found 0/);
});
