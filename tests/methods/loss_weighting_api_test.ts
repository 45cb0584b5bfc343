// createLossWeighting: every scheme through the public object equals its pure functions step by
// step (property tests over random loss sequences), resumes bit for bit from its JSON state, and
// fails with exact messages.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createLossWeighting,
  LOSS_WEIGHTING_STATE_FORMAT,
  LOSS_WEIGHTINGS,
  type LossWeighting,
  type LossWeightingName,
} from "../../mod.ts";
import { LOSS_WEIGHTING_REGISTRY } from "../../methods/loss_weighting/definitions.ts";
import { adamInitial, adamStep } from "../../methods/loss_weighting/adam.ts";
import { dwaWeights } from "../../methods/loss_weighting/dwa.ts";
import {
  famoInitialState,
  famoLossWeights,
  famoUpdate,
} from "../../methods/loss_weighting/famo.ts";
import { glsWeighting } from "../../methods/loss_weighting/gls.ts";
import { gradNormGradient, renormalize } from "../../methods/loss_weighting/gradnorm.ts";
import { imtlLWeighting } from "../../methods/loss_weighting/imtl_l.ts";
import { stchInitialState, stchStep } from "../../methods/loss_weighting/stch.ts";
import { uncertaintyWeighting } from "../../methods/loss_weighting/uncertainty.ts";

/** A run: T tasks, steps of positive losses (and their after-step losses and gradient norms). */
const run = fc.integer({ min: 1, max: 4 }).chain((T) =>
  fc.array(
    fc.record({
      losses: fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), {
        minLength: T,
        maxLength: T,
      }),
      after: fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), {
        minLength: T,
        maxLength: T,
      }),
      gradNorms: fc.array(fc.double({ min: 0, max: 10, noNaN: true }), {
        minLength: T,
        maxLength: T,
      }),
      nextEpoch: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  )
);

type Step = { losses: number[]; after: number[]; gradNorms: number[]; nextEpoch: boolean };

/** Runs `steps` through the object; returns each step's weights (epochs advance with nextEpoch). */
function through(w: LossWeighting, steps: readonly Step[], firstEpoch = 0): number[][] {
  let epoch = firstEpoch;
  return steps.map((s) => {
    if (s.nextEpoch) epoch++;
    const weights = w.weights(s.losses, { epoch, gradNorms: s.gradNorms });
    if (w.needs.afterStep) w.update(s.after);
    return weights;
  });
}

Deno.test("the registry lists exactly LOSS_WEIGHTINGS, in order, each under its own name", () => {
  assert.deepEqual(Object.keys(LOSS_WEIGHTING_REGISTRY), [...LOSS_WEIGHTINGS]);
  for (const name of LOSS_WEIGHTINGS) assert.equal(LOSS_WEIGHTING_REGISTRY[name].name, name);
});

Deno.test("gradnorm equals gradNormGradient + Adam + renormalisation, L(0) the first losses", () => {
  fc.assert(
    fc.property(run, (steps) => {
      const got = through(createLossWeighting("gradnorm", { lr: 0.01 }), steps);
      const T = steps[0].losses.length;
      let weights = new Array<number>(T).fill(1);
      let moments = adamInitial(T);
      steps.forEach((s, k) => {
        assert.deepEqual(got[k], weights);
        const { gradient } = gradNormGradient({
          weights,
          losses: s.losses,
          initialLosses: steps[0].losses,
          gradNorms: s.gradNorms,
          alpha: 1.5,
          lr: 0.01,
        });
        const stepped = adamStep(weights, gradient, moments, 0.01);
        weights = renormalize(stepped.params);
        moments = stepped.moments;
      });
    }),
  );
});

Deno.test("uncertainty and imtl-l equal their loss weights, s stepped by Adam on ∂/∂s", () => {
  fc.assert(
    fc.property(run, (steps) => {
      const T = steps[0].losses.length;
      const kinds = Array.from(
        { length: T },
        (_, t) => t % 2 ? "classification" : "regression",
      ) as (
        | "regression"
        | "classification"
      )[];
      const uw = through(createLossWeighting("uncertainty", { lr: 0.1, kinds }), steps);
      const imtl = through(createLossWeighting("imtl-l", { lr: 0.1 }), steps);
      let s = new Array<number>(T).fill(-0.5), ms = adamInitial(T);
      let q = new Array<number>(T).fill(0), mq = adamInitial(T);
      steps.forEach((step, k) => {
        const u = uncertaintyWeighting(step.losses, s, kinds);
        assert.deepEqual(uw[k], u.lossWeights);
        ({ params: s, moments: ms } = adamStep(s, u.logVarianceGradient, ms, 0.1));
        const i = imtlLWeighting(step.losses, q);
        assert.deepEqual(imtl[k], i.lossWeights);
        ({ params: q, moments: mq } = adamStep(q, i.scaleGradient, mq, 0.1));
      });
    }),
  );
});

Deno.test("dwa equals dwaWeights on the averages of the last two finished epochs", () => {
  fc.assert(
    fc.property(run, (steps) => {
      const got = through(createLossWeighting("dwa"), steps);
      const epochs: number[][][] = [];
      let epoch = 0;
      steps.forEach((s, k) => {
        if (s.nextEpoch) epoch++;
        const finished = epochs.slice(0, epoch).filter((e) => e !== undefined && e.length > 0);
        const averages = finished.map((rows) =>
          rows[0].map((_, t) => rows.reduce((sum, r) => sum + r[t], 0) / rows.length)
        );
        const T = s.losses.length;
        const want = averages.length < 2
          ? new Array<number>(T).fill(1)
          : dwaWeights(averages.slice(-2), 2);
        assert.deepEqual(got[k], want);
        (epochs[epoch] ??= []).push(s.losses);
      });
    }),
  );
});

Deno.test("famo equals famoLossWeights before the step and famoUpdate after it", () => {
  fc.assert(
    fc.property(run, (steps) => {
      const got = through(createLossWeighting({ name: "famo", lr: 0.1, gamma: 0.01 }), steps);
      let state = famoInitialState(steps[0].losses.length);
      steps.forEach((s, k) => {
        assert.deepEqual(got[k], famoLossWeights(state, s.losses));
        state = famoUpdate(state, s.losses, s.after, { lr: 0.1, gamma: 0.01 });
      });
    }),
  );
});

Deno.test("stch equals stchStep on the caller's epochs; gls equals glsWeighting", () => {
  fc.assert(
    fc.property(run, (steps) => {
      const got = through(createLossWeighting("stch", { mu: 0.5, warmupEpochs: 1 }), steps);
      const gls = through(createLossWeighting("gls"), steps);
      let state = stchInitialState(steps[0].losses.length);
      let epoch = 0;
      steps.forEach((s, k) => {
        if (s.nextEpoch) epoch++;
        const r = stchStep(state, s.losses, epoch, { mu: 0.5, warmupEpochs: 1 });
        assert.deepEqual(got[k], r.weights);
        state = r.state;
        assert.deepEqual(gls[k], glsWeighting(s.losses).weights);
      });
    }),
  );
});

Deno.test("every scheme resumes bit for bit from its JSON state, and reset starts over", () => {
  fc.assert(
    fc.property(run, fc.nat(), (steps, cut) => {
      const at = cut % steps.length;
      for (const name of LOSS_WEIGHTINGS) {
        const straight = createLossWeighting(name as LossWeightingName);
        const all = through(straight, steps);
        const first = createLossWeighting(name);
        through(first, steps.slice(0, at));
        const epochAtCut = steps.slice(0, at).filter((s) => s.nextEpoch).length;
        const saved = JSON.stringify(first.getState());
        const resumed = createLossWeighting(name);
        resumed.setState(saved);
        assert.deepEqual(JSON.stringify(resumed.getState()), saved, name);
        assert.deepEqual(through(resumed, steps.slice(at), epochAtCut), all.slice(at), name);
        straight.reset();
        assert.deepEqual(through(straight, steps), all, name);
      }
    }),
    { numRuns: 40 },
  );
});

Deno.test("options: defaults from the reference, exact errors for names, keys and ranges", () => {
  assert.deepEqual(createLossWeighting("famo").options, { lr: 0.025, gamma: 1e-3 });
  assert.deepEqual(createLossWeighting("stch").options, { mu: 1, warmupEpochs: 4 });
  assert.deepEqual(createLossWeighting("gradnorm").options, { alpha: 1.5, lr: 1e-4 });
  assert.deepEqual(createLossWeighting("dwa").options, { temperature: 2 });
  assert.deepEqual(createLossWeighting("uncertainty").options, {
    lr: 1e-4,
    initialLogVariance: -0.5,
  });
  assert.deepEqual(createLossWeighting("gls").options, {});
  assert.throws(
    () => createLossWeighting("uw" as LossWeightingName),
    new RangeError(
      'Cannot create a loss weighting: name must be one of "gradnorm", "uncertainty", "dwa", ' +
        '"famo", "stch", "gls", "imtl-l", found string "uw"',
    ),
  );
  assert.throws(
    () => createLossWeighting("famo", { lr: 0 }),
    new RangeError(
      'Cannot create a loss weighting: "famo" option lr must be a finite number > 0, found 0',
    ),
  );
  assert.throws(
    () => createLossWeighting("stch", { warmupEpochs: 1.5 }),
    new RangeError(
      'Cannot create a loss weighting: "stch" option warmupEpochs must be a whole number ≥ 0, found 1.5',
    ),
  );
  assert.throws(
    () => createLossWeighting("famo", { mu: 1 } as never),
    new RangeError(
      'Cannot create a loss weighting "famo": unknown option "mu"; the options are "lr", "gamma"',
    ),
  );
  assert.throws(
    () => createLossWeighting({ name: "gls" }, {} as never),
    /give the options either in the spec/,
  );
  assert.throws(
    () => createLossWeighting("uncertainty", { kinds: ["regression", "poisson" as "regression"] }),
    new RangeError(
      'Cannot create a loss weighting: "uncertainty" option kinds must be an array of "regression" ' +
        'or "classification", found ["regression","poisson"]',
    ),
  );
});

Deno.test("steps: exact errors for what a scheme needs, and nothing changes on an error", () => {
  const dwa = createLossWeighting("dwa");
  assert.throws(
    () => dwa.weights([1, 2]),
    new RangeError(
      'Cannot compute loss weights: "dwa" needs the epoch, a whole number ≥ 0 ({ epoch }), found undefined',
    ),
  );
  dwa.weights([1, 2], { epoch: 3 });
  assert.throws(
    () => dwa.weights([1, 2], { epoch: 2 }),
    new RangeError(
      'Cannot compute loss weights: "dwa" needs epochs that never decrease, found epoch 2 after 3',
    ),
  );
  assert.throws(
    () => dwa.weights([1, 2, 3], { epoch: 3 }),
    new RangeError("Cannot compute loss weights: losses must hold 2 numbers, found 3 numbers"),
  );
  assert.throws(
    () => dwa.weights([1, -2], { epoch: 3 }),
    new RangeError("Cannot compute loss weights: losses[1] must be a finite number ≥ 0, found -2"),
  );
  assert.throws(
    () => dwa.weights([1, 2], { epoch: 3, epochs: 1 } as never),
    new RangeError('Cannot compute loss weights: unknown option "epochs"; did you mean "epoch"?'),
  );
  const gradnorm = createLossWeighting("gradnorm");
  assert.throws(
    () => gradnorm.weights([1, 2]),
    new RangeError(
      'Cannot compute loss weights: "gradnorm" needs gradNorms, each task\'s gradient norm on the ' +
        "last shared layer ({ gradNorms }), found undefined",
    ),
  );
  assert.equal(gradnorm.getState().tasks, null); // nothing learnt from a failed step
  const gls = createLossWeighting("gls");
  assert.throws(
    () => gls.update([1, 2]),
    new RangeError(
      'Cannot update the loss weighting: "gls" learns nothing from the losses after the step ' +
        '(only "famo" does; see needs.afterStep)',
    ),
  );
  const famo = createLossWeighting("famo");
  assert.throws(
    () => famo.update([1, 2]),
    new RangeError(
      'Cannot update the loss weighting: "famo" learns from the losses before and after one ' +
        "step; call weights(losses) before the step, then update(lossesAfter) once",
    ),
  );
  famo.weights([1, 2]);
  famo.update([0.5, 2]);
  assert.throws(() => famo.update([0.5, 2]), /call weights\(losses\) before the step/);
});

Deno.test("setState: exact errors, all or nothing", () => {
  const famo = createLossWeighting("famo");
  famo.weights([1, 2]);
  const before = JSON.stringify(famo.getState());
  const action = "Cannot restore the loss weighting state";
  assert.throws(
    () => famo.setState("{"),
    (e: Error) =>
      e instanceof TypeError && e.message.startsWith(`${action}: the state is not JSON`),
  );
  assert.throws(
    () => famo.setState({ ...famo.getState(), format: "x" as never }),
    new TypeError(
      `${action}: expected a state with format "${LOSS_WEIGHTING_STATE_FORMAT}", found format "x"`,
    ),
  );
  assert.throws(
    () => famo.setState(createLossWeighting("gls").getState()),
    new RangeError(`${action}: the state is of loss weighting "gls", this one is "famo"`),
  );
  const bad = famo.getState();
  (bad.state as { logits: number[] }).logits = [0];
  assert.throws(
    () => famo.setState(bad),
    new RangeError(`${action}: state.logits must hold 2 numbers, found 1 numbers`),
  );
  (bad.state as { logits: number[]; extra?: number }).extra = 1;
  assert.throws(
    () => famo.setState(bad),
    new TypeError(
      `${action}: the state must hold exactly logits, m, v, step, before, found before, extra, logits, m, step, v`,
    ),
  );
  assert.equal(JSON.stringify(famo.getState()), before);
});

Deno.test("famo: a step whose update was forgotten is an error, not a silent skip", () => {
  const famo = createLossWeighting("famo");
  famo.weights([1, 2]);
  assert.throws(
    () => famo.weights([1, 2]),
    new RangeError(
      'Cannot compute loss weights: "famo" has not learnt from the last step; call ' +
        "update(lossesAfter) with the same batch's losses after each step",
    ),
  );
});
