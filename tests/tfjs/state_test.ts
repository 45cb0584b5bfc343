// Checkpoints in the tf.js adapter: createSurgery's getState/setState through JSON, and
// SurgeryOptimizer's getWeights/setWeights (tf.js's optimizer contract) through tf.io's weight
// format, into a fresh optimizer and a fresh model: the following steps are bitwise those of the
// uninterrupted run. Stateful methods (gradvac, nash-mtl) and PCGrad's random orders.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createSurgery, SURGERY_STATE_WEIGHT, SurgeryOptimizer } from "../../adapters/tfjs.ts";
import type { Method, WeightOptions } from "../../mod.ts";
import { Prng } from "../../random/prng.ts";
import { type BackendName, testEachBackend } from "./_backends.ts";

const RUNS: [Method, WeightOptions][] = [
  ["pcgrad", {}],
  ["gradvac", { beta: 0.3 }],
  ["nash-mtl", { updateEvery: 2 }],
];
/** The backends the checkpoints are checked on (the surgery's state does not depend on them). */
const CPU_AND_WASM: BackendName[] = ["cpu", "wasm"];

/** Step k's task gradients: 4 tensors of 9 values from a seeded stream. */
function gradsAt(k: number): tf.Tensor1D[] {
  const rng = new Prng(100 + k);
  return Array.from(
    { length: 4 },
    () => tf.tensor1d(Array.from({ length: 9 }, () => rng.nextFloat() - 0.5)),
  );
}

/** A tensor's float32 bits. */
const bits = (x: tf.Tensor) =>
  Array.from(new Uint32Array((x.dataSync() as Float32Array).slice().buffer));

for (const [method, options] of RUNS) {
  testEachBackend(`tf.js createSurgery ${method}: resumed from JSON, the same bits`, () => {
    const steps = 6;
    const at = 3;
    const run = (s: ReturnType<typeof createSurgery>, k: number) => {
      const grads = gradsAt(k);
      const update = s.surgery(grads);
      const out = bits(update);
      tf.dispose([update, ...grads]);
      return out;
    };
    const whole = createSurgery({ method, seed: 5, ...options });
    const reference: number[][] = [];
    let checkpoint = "";
    for (let k = 0; k < steps; k++) {
      if (k === at) checkpoint = JSON.stringify(whole.getState());
      reference.push(run(whole, k));
    }
    const resumed = createSurgery({ method, seed: 999, ...options });
    resumed.setState(checkpoint);
    for (let k = at; k < steps; k++) assert.deepEqual(run(resumed, k), reference[k], `step ${k}`);
  }, CPU_AND_WASM);
}

/** A three-task model (shared trunk, one head each: PCGrad's order matters) from given values. */
function model(prefix: string, values?: Float32Array[]) {
  const init = values ?? [
    Float32Array.of(0.5, -0.3, 0.8, 0.1, -0.6, 0.4),
    Float32Array.of(0.1, -0.2),
    Float32Array.of(1, -1),
    Float32Array.of(-0.5, 2),
    Float32Array.of(0.7, 0.3),
  ];
  const shapes = [[3, 2], [2], [2, 1], [2, 1], [2, 1]];
  const names = ["w", "b", "h0", "h1", "h2"];
  const vars = names.map((name, i) =>
    tf.variable(tf.tensor(init[i], shapes[i]), true, `${prefix}/${name}`)
  );
  const [w, b, ...heads] = vars;
  const x = tf.tensor2d([1, 2, -1, 0.5, 0, 1, -2, 1, 3, 1, 1, -1], [4, 3]);
  const targets = [[1, 0, -1, 2], [-1, 2, 0, 1], [0.5, -1, 1, -2]].map((y) =>
    tf.tensor2d(y, [4, 1])
  );
  const losses = () => {
    const z = tf.relu(tf.add(tf.matMul(x, w), b));
    return heads.map((h, t) =>
      tf.losses.meanSquaredError(targets[t], tf.matMul(z, h)) as tf.Scalar
    );
  };
  const snapshot = () => vars.map((v) => (v.dataSync() as Float32Array).slice());
  const dispose = () => tf.dispose([...vars, x, ...targets]);
  return { losses, snapshot, dispose };
}

/** tf.io's weight format and back: what a saved checkpoint holds. */
async function throughTfIo(weights: { name: string; tensor: tf.Tensor }[]) {
  const { data, specs } = await tf.io.encodeWeights(weights);
  const decoded = tf.io.decodeWeights(data, specs);
  return specs.map((s) => ({ name: s.name, tensor: decoded[s.name] }));
}

let runs = 0;
for (const [method, options] of RUNS) {
  testEachBackend(
    `SurgeryOptimizer ${method}: getWeights → tf.io → a fresh optimizer and model, the same bits`,
    async (backend) => {
      const steps = 6;
      const at = 3;
      const id = `${method}-${backend}-${runs++}`;
      const straight = model(`ckpt-a-${id}`);
      const first = new SurgeryOptimizer(tf.train.adam(0.05), { method, seed: 5, ...options });
      let saved: { name: string; tensor: tf.Tensor }[] = [];
      let params: Float32Array[] = [];
      for (let k = 0; k < steps; k++) {
        if (k === at) {
          const weights = await first.getWeights<tf.Tensor>();
          assert.equal(weights[0].name, "iter", "the inner optimizer's iteration count first");
          assert.equal(weights.at(-1)!.name, SURGERY_STATE_WEIGHT, "the surgery's state last");
          saved = await throughTfIo(weights);
          tf.dispose([weights[0].tensor, weights.at(-1)!.tensor]); // new tensors: ours
          params = straight.snapshot();
        }
        first.minimize(straight.losses);
      }
      const resumedModel = model(`ckpt-b-${id}`, params);
      const resumed = new SurgeryOptimizer(tf.train.adam(0.05), { method, seed: 999, ...options });
      await resumed.setWeights(saved);
      assert.equal((resumed.inner as unknown as tf.Optimizer).iterations, at);
      for (let k = at; k < steps; k++) resumed.minimize(resumedModel.losses);
      const [want, got] = [straight.snapshot(), resumedModel.snapshot()];
      got.forEach((g, i) =>
        assert.deepEqual(
          new Uint32Array(g.buffer),
          new Uint32Array(want[i].buffer),
          `variable ${i}`,
        )
      );
      assert.deepEqual(resumed.getSurgeryState(), first.getSurgeryState());
      tf.dispose(saved.map((w) => w.tensor));
      [straight, resumedModel].forEach((m) => m.dispose());
      [first, resumed].forEach((o) => o.dispose());
    },
    CPU_AND_WASM,
  );
}

testEachBackend(
  "SurgeryOptimizer setWeights: a missing, repeated or malformed surgery entry names what is wrong, and changes nothing",
  async () => {
    const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "gradvac", seed: 2 });
    const x = tf.variable(tf.tensor1d([1, 2]), true, "ckpt-errors/x");
    optimizer.minimize(
      () => [tf.sum(tf.mul(x, tf.tensor1d([1, 0]))), tf.sum(tf.mul(x, tf.tensor1d([-1, 1])))],
    );
    const before = optimizer.getSurgeryState();
    const weights = await optimizer.getWeights<tf.Tensor>();
    const [iter, state] = weights;
    const text = (s: string) => tf.scalar(s, "string");
    const owned: tf.Tensor[] = [];
    const entry = (
      tensor: tf.Tensor,
    ) => (owned.push(tensor), { name: SURGERY_STATE_WEIGHT, tensor });
    await assert.rejects(optimizer.setWeights([iter]), {
      name: "RangeError",
      message:
        `Cannot set the SurgeryOptimizer's weights: expected one entry named "${SURGERY_STATE_WEIGHT}" (the surgery's state, from SurgeryOptimizer.getWeights()), found 0`,
    });
    await assert.rejects(
      optimizer.setWeights([iter, state, state]),
      /expected one entry named .*, found 2/,
    );
    await assert.rejects(
      optimizer.setWeights("weights" as never),
      /expected an array of \{ name, tensor \}/,
    );
    await assert.rejects(optimizer.setWeights([iter, entry(tf.tensor1d([1, 2, 3]))]), {
      name: "TypeError",
      message:
        `Cannot set the SurgeryOptimizer's weights: "${SURGERY_STATE_WEIGHT}" must hold a string scalar tensor (the surgery state's JSON text), found a float32 tensor of shape [3]`,
    });
    await assert.rejects(
      optimizer.setWeights([iter, entry(text("{not json"))]),
      /Cannot restore the surgery state from weight "gradient-surgery\/state": the state is not JSON/,
    );
    await assert.rejects(
      optimizer.setWeights([
        iter,
        entry(
          text(JSON.stringify({ ...before, methods: { gradvac: { targets: [[0, 2], [0, 0]] } } })),
        ),
      ]),
      /Cannot restore the surgery state from weight "gradient-surgery\/state": the gradvac state must be/,
    );
    // The inner optimizer refuses its part (SGD has no slots): the surgery's state is put back.
    const other = JSON.stringify({ ...before, rng: [1, 2, 3, 4] });
    await assert.rejects(
      optimizer.setWeights([iter, iter, entry(text(other))]),
      /SGD optimizer does not have settable weights/,
    );
    assert.deepEqual(optimizer.getSurgeryState(), before);
    tf.dispose([iter.tensor, state.tensor, x, ...owned]);
    optimizer.dispose();
  },
  CPU_AND_WASM,
);
