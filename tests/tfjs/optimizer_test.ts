// SurgeryOptimizer: the same step as doing it by hand (task gradients → surgery → inner optimizer),
// heads untouched by the surgery, losses returned, errors, and no tensor growth over thousands of
// steps (docs/architecture.md "Adapters own framework quirks").

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { createSurgery as plainCreate } from "../../mod.ts";
import { type BackendName, testEachBackend, values } from "./_backends.ts";

/** A two-task model: a shared trunk (w, b) and one head per task. */
function model(prefix: string) {
  const v = (name: string, values: number[], shape: number[]) =>
    tf.variable(tf.tensor(values, shape), true, `${prefix}/${name}`);
  const trunk = {
    w: v("w", [0.5, -0.3, 0.8, 0.1, -0.6, 0.4], [3, 2]),
    b: v("b", [0.1, -0.2], [2]),
  };
  const heads = [v("h0", [1, -1], [2, 1]), v("h1", [-0.5, 2], [2, 1])];
  const x = tf.tensor2d([1, 2, -1, 0.5, 0, 1, -2, 1, 3, 1, 1, -1], [4, 3]);
  const targets = [tf.tensor2d([1, 0, -1, 2], [4, 1]), tf.tensor2d([-1, 2, 0, 1], [4, 1])];
  const losses = () => {
    const z = tf.relu(tf.add(tf.matMul(x, trunk.w), trunk.b));
    return heads.map((h, t) =>
      tf.losses.meanSquaredError(targets[t], tf.matMul(z, h)) as tf.Scalar
    );
  };
  const all = [trunk.w, trunk.b, ...heads];
  const dispose = () => tf.dispose([...all, x, ...targets]);
  return { trunk, heads, all, losses, dispose };
}

async function snapshot(vars: tf.Variable[]): Promise<Float32Array[]> {
  return await Promise.all(vars.map((v) => values(v)));
}

function minimize(backend: BackendName, opt: SurgeryOptimizer, f: () => tf.Scalar[], cost = false) {
  return backend === "webgpu" ? opt.minimizeAsync(f, cost) : Promise.resolve(opt.minimize(f, cost));
}

testEachBackend(
  "minimize = task gradients → plain surgery on the shared variables → inner step",
  async (backend) => {
    const a = model(`opt-a-${backend}`);
    const b = model(`opt-b-${backend}`);
    const opt = new SurgeryOptimizer(tf.train.adam(0.05), { seed: 4 });
    const inner = tf.train.adam(0.05);
    const plain = plainCreate({ seed: 4 });
    for (let step = 0; step < 5; step++) {
      await minimize(backend, opt, a.losses);
      // By hand: each task's gradients, the plain surgery on the concatenated trunk, heads untouched.
      const grads = [0, 1].map((t) => tf.variableGrads(() => b.losses()[t], b.all).grads);
      const names = [b.trunk.w.name, b.trunk.b.name];
      const rows = await Promise.all(
        grads.map(async (g) =>
          Float32Array.from([...(await values(g[names[0]])), ...(await values(g[names[1]]))])
        ),
      );
      const update = plain.surgery(rows);
      const applied: tf.NamedTensorMap = {
        [names[0]]: tf.tensor(update.subarray(0, 6), [3, 2]),
        [names[1]]: tf.tensor(update.subarray(6), [2]),
        [b.heads[0].name]: grads[0][b.heads[0].name],
        [b.heads[1].name]: grads[1][b.heads[1].name],
      };
      inner.applyGradients(Object.entries(applied).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([applied, grads]);
      assert.deepEqual(opt.stats!.orders, plain.stats!.orders);
    }
    const [got, want] = [await snapshot(a.all), await snapshot(b.all)];
    got.forEach((g, k) =>
      g.forEach((x, i) => assert.ok(Math.abs(x - want[k][i]) < 1e-5, `${x} vs ${want[k][i]}`))
    );
    a.dispose();
    b.dispose();
    opt.dispose();
    inner.dispose();
  },
);

testEachBackend("heads get exactly their own task's gradient (SGD, lr 1)", async (backend) => {
  const m = model(`opt-heads-${backend}`);
  const before = await snapshot(m.heads);
  const own = [0, 1].map((t) =>
    tf.variableGrads(() => m.losses()[t], [m.heads[t]]).grads[m.heads[t].name]
  );
  const expected = await Promise.all(own.map((g) => values(g)));
  tf.dispose(own);
  const opt = new SurgeryOptimizer(tf.train.sgd(1));
  await minimize(backend, opt, m.losses);
  const after = await snapshot(m.heads);
  after.forEach((h, t) =>
    h.forEach((x, i) => assert.ok(Math.abs(x - (before[t][i] - expected[t][i])) < 1e-6))
  );
  m.dispose();
  opt.dispose();
});

testEachBackend("returnCost gives the T losses; varList restricts the step", async (backend) => {
  const m = model(`opt-cost-${backend}`);
  const opt = new SurgeryOptimizer(tf.train.sgd(0.1));
  const want = await Promise.all(
    tf.tidy(() => m.losses().map((l) => tf.keep(l))).map(async (l) => {
      const v = (await values(l))[0];
      l.dispose();
      return v;
    }),
  );
  const cost = await minimize(backend, opt, m.losses, true);
  assert.deepEqual(cost!.shape, [2]);
  assert.deepEqual(Array.from(await values(cost!)), want);
  cost!.dispose();
  assert.equal(await minimize(backend, opt, m.losses), null);
  const trunk = await snapshot([m.trunk.w, m.trunk.b]);
  const step = backend === "webgpu"
    ? opt.minimizeAsync(m.losses, false, m.heads)
    : Promise.resolve(opt.minimize(m.losses, false, m.heads));
  await step;
  assert.deepEqual(
    await snapshot([m.trunk.w, m.trunk.b]),
    trunk,
    "variables outside varList untouched",
  );
  m.dispose();
  opt.dispose();
});

testEachBackend("tf.memory().numTensors does not grow over thousands of steps", async (backend) => {
  const m = model(`opt-memory-${backend}`);
  const opt = new SurgeryOptimizer(tf.train.adam(0.01), { seed: 2 });
  await minimize(backend, opt, m.losses); // the first step creates Adam's slot variables
  const base = tf.memory().numTensors;
  const steps = backend === "webgpu" ? 300 : 2000;
  for (let step = 0; step < steps; step++) {
    const cost = await minimize(backend, opt, m.losses, step % 2 === 0);
    cost?.dispose();
    if (step % 100 === 0) assert.equal(tf.memory().numTensors, base, `after step ${step}`);
  }
  assert.equal(tf.memory().numTensors, base);
  opt.dispose();
  assert.ok(tf.memory().numTensors < base, "dispose() frees the inner optimizer's slot variables");
  m.dispose();
}, ["cpu", "wasm", "webgpu"]);

testEachBackend("applyGradients leaves the caller's maps alone; getConfig", async (backend) => {
  const m = model(`opt-apply-${backend}`);
  const opt = new SurgeryOptimizer(tf.train.momentum(0.1, 0.9), { method: "mgda" });
  const grads = [0, 1].map((t) => tf.variableGrads(() => m.losses()[t], m.all).grads);
  if (backend === "webgpu") await opt.applyGradientsAsync(grads);
  else opt.applyGradients(grads);
  assert.ok(grads.every((g) => Object.values(g).every((x) => !x.isDisposed)));
  tf.dispose(grads);
  const config = opt.getConfig();
  assert.equal(config.optimizer, "Momentum");
  assert.equal(config.config.learningRate, 0.1);
  assert.equal(config.surgery.method, "mgda");
  assert.equal(config.surgery.normalization, "none");
  assert.ok(!("beta" in config.surgery), "only the method's own options");
  // The config recreates the optimizer (no option of another method, no unknown key).
  const again = new SurgeryOptimizer(tf.train.momentum(0.1, 0.9), config.surgery);
  assert.deepEqual(again.getConfig().surgery, config.surgery);
  again.dispose();
  assert.equal(opt.stats!.weights.length, 2);
  m.dispose();
  opt.dispose();
});

testEachBackend("bad losses and optimizers: clear errors, nothing leaks", (backend) => {
  if (backend !== "cpu") return;
  const m = model("opt-errors");
  const opt = new SurgeryOptimizer(tf.train.sgd(0.1));
  const before = tf.memory().numTensors;
  assert.throws(
    () => opt.minimize(() => m.losses()[0] as unknown as tf.Scalar[]),
    new TypeError("Cannot minimize: f must return an array of scalar losses, found Tensor"),
  );
  assert.throws(
    () => opt.minimize(() => []),
    new RangeError("Cannot minimize: f returned no losses"),
  );
  assert.throws(
    () => opt.minimize(() => [m.losses()[0], tf.ones([2]) as tf.Scalar]),
    new TypeError("Cannot minimize: loss 1 must be a scalar tensor, found shape [2]"),
  );
  let calls = 0;
  assert.throws(
    () => opt.minimize(() => (++calls === 1 ? m.losses() : [...m.losses(), m.losses()[0]])),
    new RangeError("Cannot minimize: f returned 3 losses, then 2"),
  );
  assert.throws(
    () => opt.minimize("f" as unknown as () => tf.Scalar[]),
    new TypeError('Cannot minimize: f must be a function, found string "f"'),
  );
  const boom = new Error("user code failed");
  assert.throws(() =>
    opt.minimize(() => {
      m.losses(); // tensors on the tape when f fails
      throw boom;
    }), boom);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => new SurgeryOptimizer({} as tf.Optimizer),
    new TypeError(
      "Cannot create a SurgeryOptimizer: inner must be a tf.train optimizer, found Object",
    ),
  );
  assert.throws(
    () => new SurgeryOptimizer(tf.train.sgd(1), { reduction: "max" as "sum" }),
    RangeError,
  );
  m.dispose();
  opt.dispose();
}, ["cpu"]);
