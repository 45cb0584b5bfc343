// createSurgery's lossWeighting: bitwise the documented recipe (weights from the losses, task
// gradients scaled by them, then the method) for every scheme and several methods; the split
// phase's weights(gram) on diag(w) G diag(w); checkpoints with the scheme's state; exact errors.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createLossWeighting,
  createSurgery,
  LOSS_WEIGHTINGS,
  type LossWeightingName,
  type Method,
  surgery,
} from "../../mod.ts";
import { accumulateGram } from "../../mod.ts";

const METHOD_CHOICES: Method[] = ["sum", "pcgrad", "mgda", "cagrad", "graddrop", "upgrad"];

const run = fc.record({
  T: fc.integer({ min: 2, max: 4 }),
  d: fc.integer({ min: 1, max: 6 }),
  steps: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/** Step k's gradients and losses, from the seed (same for every run). */
function batch(T: number, d: number, seed: number, k: number) {
  let x = seed * 7919 + k * 104729 + 1;
  const next = () => {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  };
  return {
    grads: Array.from({ length: T }, () => Float32Array.from({ length: d }, () => next() - 0.5)),
    losses: Array.from({ length: T }, () => 0.1 + 3 * next()),
    after: Array.from({ length: T }, () => 0.1 + 3 * next()),
  };
}

Deno.test("createSurgery lossWeighting = the recipe by hand, bit for bit, every scheme", () => {
  fc.assert(
    fc.property(run, fc.constantFrom(...METHOD_CHOICES), ({ T, d, steps, seed }, method) => {
      for (const name of LOSS_WEIGHTINGS) {
        const withWeighting = createSurgery({ method, seed, lossWeighting: name });
        const byHand = createSurgery({ method, seed });
        const weighting = createLossWeighting(name);
        for (let k = 0; k < steps; k++) {
          const { grads, losses, after } = batch(T, d, seed, k);
          const epoch = k >> 1;
          const got = withWeighting.surgery(grads, { losses, epoch });
          const norms = grads.map((g) => Math.sqrt(g.reduce((s, x) => s + x * x, 0)));
          const w = weighting.weights(losses, { epoch, gradNorms: norms });
          const want = byHand.surgery(grads.map((g, t) => g.map((x) => x * w[t])), {
            losses: w.map((x, t) => x * losses[t]),
          });
          assert.deepEqual(got, want, `${name} with ${method}, step ${k}`);
          if (weighting.needs.afterStep) {
            weighting.update(after);
            withWeighting.lossWeighting!.update(after);
          }
        }
        assert.deepEqual(withWeighting.lossWeighting!.getState(), weighting.getState());
      }
    }),
    { numRuns: 30 },
  );
});

Deno.test("weights(gram) with a loss weighting: the method on diag(w) G diag(w), times w", () => {
  const grads = [Float32Array.of(1, 0, 2), Float32Array.of(-1, 1, 0), Float32Array.of(0, -2, 1)];
  const gram = accumulateGram(grads);
  const losses = [0.5, 2, 1];
  const split = createSurgery({ method: "mgda", lossWeighting: "gls" });
  const got = split.weights(gram, { losses });
  const w = createLossWeighting("gls").weights(losses);
  const scaled = gram.map((x, k) => x * w[Math.floor(k / 3)] * w[k % 3]);
  const inner = createSurgery({ method: "mgda" }).weights(scaled, {
    losses: w.map((x, t) => x * losses[t]),
  });
  assert.deepEqual(Array.from(got), Array.from(inner.map((x, t) => x * w[t])));
  // GradNorm's norms come from the Gramian's diagonal there.
  const gn = createSurgery({ method: "sum", lossWeighting: "gradnorm" });
  gn.weights(gram, { losses });
  const ref = createLossWeighting("gradnorm");
  ref.weights(losses, { gradNorms: [0, 4, 8].map((k) => Math.sqrt(gram[k])) });
  assert.deepEqual(gn.lossWeighting!.getState(), ref.getState());
});

Deno.test("createSurgery lossWeighting: the checkpoint carries the scheme's state", () => {
  for (const name of ["famo", "dwa", "uncertainty", "stch"] as LossWeightingName[]) {
    const make = () =>
      createSurgery({
        seed: 3,
        lossWeighting: { name, ...(name === "stch" ? { warmupEpochs: 0 } : {}) } as never,
      });
    const first = make();
    const outs: Float32Array[] = [];
    let saved = "";
    for (let k = 0; k < 8; k++) {
      if (k === 4) saved = JSON.stringify(first.getState());
      const { grads, losses, after } = batch(3, 5, 11, k);
      outs.push(first.surgery(grads, { losses, epoch: k >> 1 }));
      if (name === "famo") first.lossWeighting!.update(after);
    }
    const resumed = make();
    resumed.setState(saved);
    for (let k = 4; k < 8; k++) {
      const { grads, losses, after } = batch(3, 5, 11, k);
      assert.deepEqual(resumed.surgery(grads, { losses, epoch: k >> 1 }), outs[k], `${name} ${k}`);
      if (name === "famo") resumed.lossWeighting!.update(after);
    }
    first.reset();
    assert.equal(first.lossWeighting!.getState().tasks, null);
  }
});

Deno.test("createSurgery lossWeighting: exact errors, and a failed step teaches nothing", () => {
  const grads = [Float32Array.of(1, 0), Float32Array.of(-1, 1)];
  const famo = createSurgery({ lossWeighting: "famo" });
  assert.throws(
    () => famo.surgery(grads),
    new RangeError(
      'Cannot run surgery: loss weighting "famo" needs the step\'s task losses; pass them: ' +
        ".surgery(grads, { losses })",
    ),
  );
  assert.throws(
    () => famo.surgery(grads, { losses: [1, 2], out: new Float32Array(3) }),
    new RangeError("Cannot run surgery: out has length 3, expected 2"),
  );
  assert.throws(
    () => famo.surgery([Float32Array.of(1, 0), Float32Array.of(NaN, 1)], { losses: [1, 2] }),
    RangeError,
  );
  assert.equal(famo.lossWeighting!.getState().tasks, null); // nothing learnt from failed steps
  assert.throws(
    () => createSurgery().surgery(grads, { epoch: 1 }),
    new RangeError(
      'Cannot run surgery: option "epoch" is for a loss weighting; set one when creating: ' +
        "createSurgery({ lossWeighting })",
    ),
  );
  assert.throws(
    () => createSurgery({ lossWeighting: "stch" }).surgery(grads, { losses: [1, 2] }),
    /"stch" needs the epoch, a whole number ≥ 0 \(\{ epoch \}\), found undefined/,
  );
  assert.throws(
    () => createSurgery().setState(famo.getState()),
    new RangeError(
      "Cannot restore the surgery state: the state holds a loss weighting's state, and this " +
        "surgery has no lossWeighting",
    ),
  );
  assert.throws(
    () => surgery(grads, { lossWeighting: "gls" } as never),
    new RangeError(
      'Cannot run surgery: option "lossWeighting" does not belong here: a loss weighting learns ' +
        "across steps: createSurgery({ lossWeighting })",
    ),
  );
});

Deno.test("lossWeighting with a method that takes extra batches weighs every batch alike", () => {
  // Tasks whose SDMGrad weights move with the batches' scale (not every draw does).
  const grads = [Float32Array.of(1, 0, 0), Float32Array.of(0.2, 1, 0)];
  const batches = [
    [Float32Array.of(1, 0.1, 0), Float32Array.of(0.3, 1, 0)],
    [Float32Array.of(0.9, 0, 0.1), Float32Array.of(0.1, 1.1, 0)],
  ];
  const losses = [2, 0.5];
  const run = createSurgery({ method: "sdmgrad", seed: 1, lossWeighting: "gls" });
  const got = run.surgery(grads, { losses, batches });
  const w = createLossWeighting("gls").weights(losses);
  const scale = (r: Float32Array[]) => r.map((g, t) => g.map((x) => x * w[t]));
  const want = createSurgery({ method: "sdmgrad", seed: 1 }).surgery(scale(grads), {
    losses: losses.map((l, t) => l * w[t]),
    batches: batches.map(scale),
  });
  assert.deepEqual(Array.from(got), Array.from(want));
  const unweighted = createSurgery({ method: "sdmgrad", seed: 1 }).surgery(scale(grads), {
    losses: losses.map((l, t) => l * w[t]),
    batches,
  });
  assert.notDeepEqual(Array.from(got), Array.from(unweighted)); // the batches' weighting matters
});
