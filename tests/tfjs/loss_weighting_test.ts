// SurgeryOptimizer's lossWeighting on the cpu backend: every scheme's step equals doing it by
// hand (createLossWeighting on the same losses, task gradients scaled by its weights, the plain
// surgery, the inner step), a checkpoint resumes bit for bit, a small training run is
// deterministic and learns, and what a scheme misses is an error naming it.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { SURGERY_STATE_WEIGHT, SurgeryOptimizer } from "../../adapters/tfjs.ts";
import {
  createLossWeighting,
  createSurgery as plainCreate,
  LOSS_WEIGHTINGS,
  type LossWeightingName,
} from "../../mod.ts";
import "./_backends.ts";

/** A two-task model: a shared trunk (w, b) and one head per task. */
function model(prefix: string) {
  const v = (name: string, values: number[], shape: number[]) =>
    tf.variable(tf.tensor(values, shape), true, `${prefix}/${name}`);
  const trunk = [v("w", [0.5, -0.3, 0.8, 0.1, -0.6, 0.4], [3, 2]), v("b", [0.1, -0.2], [2])];
  const heads = [v("h0", [1, -1], [2, 1]), v("h1", [-0.5, 2], [2, 1])];
  const x = tf.tensor2d([1, 2, -1, 0.5, 0, 1, -2, 1, 3, 1, 1, -1], [4, 3]);
  const targets = [tf.tensor2d([1, 0, -1, 2], [4, 1]), tf.tensor2d([-1, 20, 0, 10], [4, 1])];
  const losses = () => {
    const z = tf.relu(tf.add(tf.matMul(x, trunk[0]), trunk[1]));
    return heads.map((h, t) =>
      tf.losses.meanSquaredError(targets[t], tf.matMul(z, h)) as tf.Scalar
    );
  };
  const all = [...trunk, ...heads];
  const dispose = () => tf.dispose([...all, x, ...targets]);
  return { trunk, heads, all, losses, dispose };
}

const bits = (vars: tf.Variable[]) =>
  vars.map((v) => Array.from(new Uint32Array((v.dataSync() as Float32Array).slice().buffer)));

const STEPS = 6;
const epochOf = (step: number) => Math.floor(step / 2);
/** Options that let every scheme act within six steps (STCH's nadir after epoch 0). */
const OPTIONS: Partial<Record<LossWeightingName, Record<string, number>>> = {
  stch: { warmupEpochs: 0 },
  gradnorm: { lr: 0.01 },
  uncertainty: { lr: 0.01 },
  "imtl-l": { lr: 0.01 },
};

for (const name of LOSS_WEIGHTINGS) {
  Deno.test(`SurgeryOptimizer lossWeighting "${name}" = by hand (weights, scaled grads, surgery)`, async () => {
    await tf.setBackend("cpu");
    const a = model(`lw-a-${name}`);
    const b = model(`lw-b-${name}`);
    const spec = { name, ...OPTIONS[name] } as never;
    const opt = new SurgeryOptimizer(tf.train.sgd(0.05), { seed: 2, lossWeighting: spec });
    const inner = tf.train.sgd(0.05);
    const weighting = createLossWeighting(spec);
    const plain = plainCreate({ seed: 2 });
    for (let step = 0; step < STEPS; step++) {
      opt.setEpoch(epochOf(step));
      opt.minimize(a.losses);
      // By hand on b.
      const grads = [0, 1].map((t) => tf.variableGrads(() => b.losses()[t], b.all));
      const losses = grads.map((g) => g.value.dataSync()[0]);
      const shared = b.trunk.map((v) => v.name);
      const norms = grads.map((g) =>
        Math.sqrt(shared.reduce((s, n) => s + tf.sum(tf.square(g.grads[n])).dataSync()[0], 0))
      );
      const w = weighting.weights(losses, { epoch: epochOf(step), gradNorms: norms });
      const rows = grads.map((g, t) =>
        Float32Array.from(shared.flatMap((n) => Array.from(tf.mul(g.grads[n], w[t]).dataSync())))
      );
      const update = plain.surgery(rows, { losses: w.map((x, t) => x * losses[t]) });
      const applied = [
        { name: shared[0], tensor: tf.tensor(update.subarray(0, 6), [3, 2]) },
        { name: shared[1], tensor: tf.tensor(update.subarray(6), [2]) },
        ...b.heads.map((h, t) => ({ name: h.name, tensor: tf.mul(grads[t].grads[h.name], w[t]) })),
      ];
      inner.applyGradients(applied);
      if (weighting.needs.afterStep) {
        weighting.update(b.losses().map((l) => l.dataSync()[0]));
      }
      tf.dispose([grads, applied]);
      opt.stats!.weights.forEach((x, t) => {
        const want = plain.stats!.weights[t];
        assert.ok(Math.abs(x - want) <= 1e-12 * Math.abs(want), `step ${step}: ${x} vs ${want}`);
      });
    }
    const got = a.all.map((v) => v.dataSync());
    const want = b.all.map((v) => v.dataSync());
    got.forEach((g, k) =>
      g.forEach((x, i) => assert.ok(Math.abs(x - want[k][i]) < 1e-5, `${x} vs ${want[k][i]}`))
    );
    const state = opt.lossWeighting!.getState() as { tasks: number };
    assert.equal(state.tasks, 2);
    a.dispose();
    b.dispose();
    opt.dispose();
    inner.dispose();
  });
}

for (const name of ["famo", "dwa", "gradnorm"] as const) {
  Deno.test(`SurgeryOptimizer "${name}": getWeights → setWeights resumes bit for bit`, async () => {
    await tf.setBackend("cpu");
    const m = model(`lw-resume-${name}`);
    const make = () =>
      new SurgeryOptimizer(tf.train.adam(0.05), { method: "pcgrad", seed: 7, lossWeighting: name });
    const first = make();
    const at = 3;
    let saved: Awaited<ReturnType<typeof tf.io.encodeWeights>> | undefined;
    let start: Float32Array[] = [];
    const straight: number[][][] = [];
    for (let step = 0; step < STEPS; step++) {
      if (step === at) {
        const weights = await first.getWeights<tf.Tensor>();
        saved = await tf.io.encodeWeights(weights);
        tf.dispose(weights.at(-1)!.tensor);
        start = m.all.map((v) => (v.dataSync() as Float32Array).slice());
      }
      first.setEpoch(epochOf(step));
      first.minimize(m.losses);
      if (step >= at) straight.push(bits(m.all));
    }
    m.all.forEach((v, k) => v.assign(tf.tensor(start[k], v.shape)));
    const resumed = make();
    const decoded = tf.io.decodeWeights(saved!.data, saved!.specs);
    await resumed.setWeights(saved!.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] })));
    assert.deepEqual(
      resumed.lossWeighting!.getState(),
      JSON.parse(JSON.stringify(
        resumed.getSurgeryState().lossWeighting,
      )),
    );
    for (let step = at; step < STEPS; step++) {
      resumed.setEpoch(epochOf(step));
      resumed.minimize(m.losses);
      assert.deepEqual(bits(m.all), straight[step - at], `step ${step}`);
    }
    tf.dispose(Object.values(decoded));
    m.dispose();
    first.dispose();
    resumed.dispose();
  });
}

Deno.test("SurgeryOptimizer with uncertainty + pcgrad: a deterministic run that learns", async () => {
  await tf.setBackend("cpu");
  const trainOnce = (prefix: string) => {
    const m = model(prefix);
    const opt = new SurgeryOptimizer(tf.train.adam(0.02), {
      seed: 3,
      lossWeighting: { name: "uncertainty", lr: 0.05 },
    });
    const total = () => tf.tidy(() => m.losses().reduce((s, l) => s + l.dataSync()[0], 0));
    const before = total();
    opt.minimize(m.losses);
    const tensors = tf.memory().numTensors;
    for (let step = 1; step < 20; step++) opt.minimize(m.losses);
    assert.equal(tf.memory().numTensors, tensors); // every intermediate disposed
    const result = { before, after: total(), bits: bits(m.all), state: opt.getSurgeryState() };
    m.dispose();
    opt.dispose();
    return result;
  };
  const first = trainOnce("lw-train-1");
  const second = trainOnce("lw-train-2");
  assert.deepEqual(first.bits, second.bits);
  assert.deepEqual(first.state, second.state);
  assert.ok(first.after < first.before, `${first.after} < ${first.before}`);
  const s = first.state.lossWeighting!.state as { logVariances: number[] };
  assert.ok(s.logVariances.every((x) => x !== -0.5)); // the log-variances learnt
});

Deno.test("SurgeryOptimizer lossWeighting: what a scheme misses is an error naming it", async () => {
  await tf.setBackend("cpu");
  const m = model("lw-errors");
  const dwa = new SurgeryOptimizer(tf.train.sgd(0.1), { lossWeighting: "dwa" });
  const before = tf.memory().numTensors;
  assert.throws(
    () => dwa.minimize(m.losses),
    new RangeError(
      'Cannot minimize: loss weighting "dwa" needs the epoch; call setEpoch(epoch) at the start ' +
        "of each epoch",
    ),
  );
  assert.throws(
    () => dwa.setEpoch(-1),
    new RangeError("Cannot set the epoch: it must be a whole number ≥ 0, found -1"),
  );
  assert.equal(tf.memory().numTensors, before);
  const grads = [0, 1].map((t) => tf.variableGrads(() => m.losses()[t], m.all).grads);
  const famo = new SurgeryOptimizer(tf.train.sgd(0.1), { lossWeighting: "famo" });
  assert.throws(
    () => famo.applyGradients(grads),
    new RangeError(
      'Cannot apply gradients: loss weighting "famo" needs the task losses; pass them: ' +
        "applyGradients(taskGrads, losses)",
    ),
  );
  famo.applyGradients(grads, [1, 2]);
  assert.throws(
    () => famo.applyGradients(grads, [1, 2]),
    /"famo" has not learnt from the last step/,
  );
  famo.lossWeighting!.update([0.9, 2]); // the after-step losses, by the caller
  famo.applyGradients(grads, tf.tensor1d([1, 2]));
  famo.lossWeighting!.update([0.8, 1.9]);
  assert.throws(
    () => new SurgeryOptimizer(tf.train.sgd(0.1)).setSurgeryState(famo.getSurgeryState()),
    new RangeError(
      "Cannot restore the surgery state: the state holds a loss weighting's state, and this " +
        "surgery has no lossWeighting",
    ),
  );
  const gls = new SurgeryOptimizer(tf.train.sgd(0.1), { lossWeighting: "gls" });
  assert.throws(
    () => gls.setSurgeryState(famo.getSurgeryState()),
    new RangeError(
      'Cannot restore the surgery state: the state is of loss weighting "famo", this one is "gls"',
    ),
  );
  assert.throws(
    () => gls.setSurgeryState(new SurgeryOptimizer(tf.train.sgd(0.1)).getSurgeryState()),
    new RangeError(
      'Cannot restore the surgery state: this surgery\'s loss weighting "gls" has no ' +
        "state in it (the state was saved without a lossWeighting)",
    ),
  );
  assert.throws(
    () => new SurgeryOptimizer(tf.train.sgd(0.1), { lossWeighting: "uw" as never }),
    /Cannot create a loss weighting: name must be one of "gradnorm"/,
  );
  const entry = (await famo.getWeights<tf.Tensor>()).at(-1)!;
  assert.equal(entry.name, SURGERY_STATE_WEIGHT);
  entry.tensor.dispose();
  tf.dispose(grads);
  m.dispose();
  for (const o of [dwa, famo, gls]) o.dispose();
});

Deno.test("SurgeryOptimizer lossWeighting: minimizeAsync and applyGradientsAsync = sync", async () => {
  await tf.setBackend("cpu");
  for (const name of ["famo", "gradnorm", "gls"] as const) {
    const a = model(`lw-async-a-${name}`);
    const b = model(`lw-async-b-${name}`);
    const c = model(`lw-async-c-${name}`);
    const make = () => new SurgeryOptimizer(tf.train.sgd(0.05), { lossWeighting: name });
    const [sync, async, apply] = [make(), make(), make()];
    for (let step = 0; step < 3; step++) {
      sync.minimize(a.losses);
      (await async.minimizeAsync(b.losses, true))?.dispose();
      const g = [0, 1].map((t) => tf.variableGrads(() => c.losses()[t], c.all));
      await apply.applyGradientsAsync(g.map((x) => x.grads), tf.stack(g.map((x) => x.value)));
      if (name === "famo") apply.lossWeighting!.update(c.losses().map((l) => l.dataSync()[0]));
      tf.dispose(g);
    }
    assert.deepEqual(bits(b.all), bits(a.all), name);
    assert.deepEqual(bits(c.all), bits(a.all), name);
    for (const x of [a, b, c]) x.dispose();
    for (const o of [sync, async, apply]) o.dispose();
  }
});

Deno.test("SurgeryOptimizer: a loss weighting scales the extra batches of SDMGrad like the tasks", async () => {
  await tf.setBackend("cpu");
  const shared = (name: string) => tf.variable(tf.tensor1d([0.5, -1, 2]), true, name);
  const grad = (values: number[]) => tf.tensor1d(values);
  const created: tf.Tensor[] = [];
  const mapsOf = (name: string, rows: number[][]) =>
    rows.map((r) => {
      const g = grad(r);
      created.push(g);
      return { [name]: g };
    });
  const rows = [[1, 0, 0], [0.2, 1, 0]];
  const batchRows = [[[1, 0.1, 0], [0.3, 1, 0]], [[0.9, 0, 0.1], [0.1, 1.1, 0]]];
  const losses = [2, 0.5];
  const w = createLossWeighting("gls").weights(losses);

  const a = shared("lw-batches/a");
  const weighted = new SurgeryOptimizer(tf.train.sgd(0.1), {
    method: "sdmgrad",
    seed: 1,
    lossWeighting: "gls",
  });
  weighted.applyGradients(mapsOf(a.name, rows), losses, batchRows.map((b) => mapsOf(a.name, b)));

  const b = shared("lw-batches/b");
  const byHand = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "sdmgrad", seed: 1 });
  const scale = (r: number[][]) => r.map((g, t) => g.map((x) => Math.fround(x * w[t])));
  byHand.applyGradients(
    mapsOf(b.name, scale(rows)),
    losses.map((l, t) => l * w[t]),
    batchRows.map((batch) => mapsOf(b.name, scale(batch))),
  );
  assert.deepEqual(bits([a]), bits([b]));

  // The batches matter: unweighted, they give another step.
  const c = shared("lw-batches/c");
  const unweighted = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "sdmgrad", seed: 1 });
  unweighted.applyGradients(
    mapsOf(c.name, scale(rows)),
    losses.map((l, t) => l * w[t]),
    batchRows.map((batch) => mapsOf(c.name, batch)),
  );
  assert.notDeepEqual(bits([a]), bits([c]));
  tf.dispose([a, b, c, ...created]);
  for (const o of [weighted, byHand, unweighted]) o.dispose();
});
