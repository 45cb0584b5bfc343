// Gradient accumulation in SurgeryOptimizer: per-task gradients summed over micro-batches, then
// one surgery, equals one step on the large batch (summed losses as they are; mean losses with
// average: true); no tensor is leaked; errors name what is wrong. On cpu and wasm.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { type BackendName, testEachBackend, values } from "./_backends.ts";

const HOST: readonly BackendName[] = ["cpu", "wasm"];

/** 8 examples of 3 features and two tasks' targets that pull the shared weights apart. */
const X = [[1, 2, -1], [0.5, 0, 1], [-2, 1, 3], [1, 1, -1], [0, -1, 2], [3, 0.5, 1], [-1, -1, 0], [
  2,
  1,
  1,
]];
const Y = [[1, 0, -1, 2, 1, 0, 3, -2], [-1, 0.5, 1, -2, -1, 0.5, -3, 2]];

/** Task losses over examples [from, to): sums of squared errors, or their means. */
function losses(w: tf.Variable, from: number, to: number, mean: boolean) {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor2d(X.slice(from, to));
      const z = tf.squeeze(tf.matMul(x, tf.reshape(w, [3, 1])));
      return Y.map((y) => {
        const e = tf.sum(tf.square(tf.sub(z, tf.tensor1d(y.slice(from, to)))));
        return (mean ? tf.div(e, to - from) : e) as tf.Scalar;
      });
    });
}

async function close(a: tf.Tensor, b: tf.Tensor, label: string) {
  const [x, y] = [await values(a), await values(b)];
  x.forEach((v, k) =>
    assert.ok(Math.abs(v - y[k]) < 1e-5 * (1 + Math.abs(y[k])), `${label}[${k}]`)
  );
}

for (const mean of [false, true]) {
  testEachBackend(
    `accumulating micro-batches equals one large batch (${mean ? "mean" : "sum"} losses)`,
    async () => {
      const start = [0.05, -0.05, 0.02];
      const big = tf.variable(tf.tensor1d(start), true, `acc/big/${mean}`);
      const small = tf.variable(tf.tensor1d(start), true, `acc/small/${mean}`);
      const options = { method: "pcgrad", seed: 7 } as const;
      const one = new SurgeryOptimizer(tf.train.sgd(0.01), options);
      const acc = new SurgeryOptimizer(tf.train.sgd(0.01), options);
      for (let step = 0; step < 3; step++) {
        one.minimize(losses(big, 0, 8, mean));
        assert.equal(acc.accumulate(losses(small, 0, 4, mean)), 1);
        assert.equal(acc.accumulate(losses(small, 4, 8, mean)), 2);
        acc.applyAccumulated({ average: mean });
        assert.equal(acc.accumulatedMicroBatches, 0);
        await close(small, big, `step ${step}`);
        assert.deepEqual(acc.stats!.conflicts, [[0, 1]], "the tasks conflict: PCGrad projects");
        one.stats!.gramian.flat().forEach((g, k) =>
          assert.ok(Math.abs(g - acc.stats!.gramian.flat()[k]) < 1e-4 * (1 + Math.abs(g)))
        );
      }
      tf.dispose([big, small]);
      one.dispose();
      acc.dispose();
    },
    HOST,
  );
}

testEachBackend("accumulation leaks no tensor, even inside the caller's tidy", async () => {
  const w = tf.variable(tf.tensor1d([0.3, -0.2, 0.5]), true, "acc/leak");
  const opt = new SurgeryOptimizer(tf.train.sgd(0.01), { method: "mgda", normalization: "loss" });
  opt.minimize(losses(w, 0, 8, false)); // the inner optimizer's first-step tensors
  const before = tf.memory().numTensors;
  for (let step = 0; step < 3; step++) {
    tf.tidy(() => {
      opt.accumulate(losses(w, 0, 4, false));
      opt.accumulate(losses(w, 4, 8, false));
    });
    if (step === 1) await opt.applyAccumulatedAsync({ average: true });
    else opt.applyAccumulated();
    assert.equal(tf.memory().numTensors, before, `step ${step}`);
  }
  opt.accumulate(losses(w, 0, 4, false));
  opt.clearAccumulated();
  assert.equal(tf.memory().numTensors, before);
  opt.accumulate(losses(w, 0, 4, false));
  opt.dispose(); // disposes the sums too
  assert.ok(tf.memory().numTensors < before);
  w.dispose();
}, HOST);

testEachBackend("accumulation errors name what is wrong", () => {
  const w = tf.variable(tf.tensor1d([0.3, -0.2, 0.5]), true, "acc/errors");
  const opt = new SurgeryOptimizer(tf.train.sgd(0.01));
  assert.throws(
    () => opt.applyAccumulated(),
    /Cannot apply accumulated gradients: nothing accumulated; call accumulate\(f\)/,
  );
  opt.accumulate(losses(w, 0, 4, false));
  assert.throws(
    () => opt.accumulate(() => [tf.sum(w) as tf.Scalar]),
    /this micro-batch has 1 tasks, the accumulated ones 2/,
  );
  assert.throws(
    () => opt.applyAccumulated({ average: 1 } as never),
    /average must be a boolean, found number 1/,
  );
  assert.throws(() => opt.applyAccumulated({ mean: true } as never), /mean/);
  assert.equal(opt.accumulatedMicroBatches, 1, "a failed call keeps the sums");
  opt.applyAccumulated();
  opt.dispose();
  assert.throws(() => opt.accumulate(losses(w, 0, 4, false)), /is disposed/);
  w.dispose();
}, HOST);
