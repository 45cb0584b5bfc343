// The tf.js adapter accepts nothing silently: non-finite head gradients, misspelt options, disposed
// losses and a disposed optimizer are TypeError or RangeError naming what is wrong, on every
// backend, and nothing leaks.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createSurgery, surgery, surgeryAsync, SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { MAX_TASKS } from "../../validate/grads.ts";
import { type BackendName, testEachBackend } from "./_backends.ts";

/** Runs one step on any backend (the async form where sync reads do not exist). */
async function step(
  backend: BackendName,
  grads: tf.NamedTensorMap[] | tf.Tensor[],
  options?: Parameters<typeof surgery>[1],
): Promise<tf.NamedTensorMap | tf.Tensor> {
  // deno-lint-ignore no-explicit-any
  const run = (backend === "webgpu" ? surgeryAsync : surgery) as any;
  return await run(grads, options);
}

testEachBackend(
  "a non-finite head gradient: RangeError naming task, head and index",
  async (backend) => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const maps: tf.NamedTensorMap[] = [
        { w: tf.tensor1d([1, 0]), h0: tf.tensor1d([3, 1]) },
        { w: tf.tensor1d([-1, 1]), h1: tf.tensor1d([4, 5, bad]) },
      ];
      const before = tf.memory().numTensors;
      const s = createSurgery();
      const run = backend === "webgpu"
        ? s.surgeryAsync(maps)
        : Promise.resolve().then(() => s.surgery(maps));
      await assert.rejects(
        run,
        new RangeError(
          `Cannot run surgery: task 1's gradient for "h1" has a non-finite value at index 2: ${bad}`,
        ),
      );
      assert.equal(s.stats, null, "no step taken");
      assert.equal(tf.memory().numTensors, before, "nothing leaks");
      tf.dispose(maps);
    }
    // Large finite heads pass through unchanged (the check never overflows).
    const maps: tf.NamedTensorMap[] = [
      { w: tf.tensor1d([1]), h0: tf.tensor1d([3e38, -3e38]) },
      { w: tf.tensor1d([2]) },
    ];
    const out = await step(backend, maps) as tf.NamedTensorMap;
    assert.deepEqual(Array.from(await out.h0.data()), [3e38, -3e38].map(Math.fround));
    tf.dispose([out, ...maps]);
  },
);

testEachBackend(
  "a misspelt option: RangeError naming it and the closest valid one",
  async (backend) => {
    const grads = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
    const before = tf.memory().numTensors;
    await assert.rejects(
      step(backend, grads, { reducton: "mean" } as never),
      new RangeError('Cannot run surgery: unknown option "reducton"; did you mean "reduction"?'),
    );
    assert.throws(
      () => createSurgery({ sead: 1 } as never),
      new RangeError('Cannot create surgery: unknown option "sead"; did you mean "seed"?'),
    );
    const s = createSurgery();
    await assert.rejects(
      () => s.surgeryAsync(grads, { loses: [1, 2] } as never),
      new RangeError('Cannot run surgery: unknown option "loses"; did you mean "losses"?'),
    );
    assert.throws(
      () => s.surgery(grads, { method: "mgda" } as never),
      new RangeError(
        'Cannot run surgery: option "method" does not belong here: set it when creating: ' +
          "createSurgery({ method })",
      ),
    );
    const sgd = tf.train.sgd(0.1);
    assert.throws(
      () => new SurgeryOptimizer(sgd, { metod: "mgda" } as never),
      new RangeError(
        'Cannot create a SurgeryOptimizer: unknown option "metod"; did you mean "method"?',
      ),
    );
    sgd.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(grads);
  },
);

testEachBackend(
  "a disposed losses tensor: TypeError, in the sync and the async form",
  async (backend) => {
    const grads = [tf.tensor1d([1, 0]), tf.tensor1d([0, 1])];
    const losses = tf.tensor1d([1, 2]);
    losses.dispose();
    const before = tf.memory().numTensors;
    const s = createSurgery({ method: "mgda", normalization: "loss" });
    const error = new TypeError("Cannot run surgery: losses is a disposed tensor");
    if (backend !== "webgpu") assert.throws(() => s.surgery(grads, { losses }), error);
    await assert.rejects(() => s.surgeryAsync(grads, { losses }), error);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(grads);
  },
);

testEachBackend("more tasks than MAX_TASKS: the plain API's RangeError", async (backend) => {
  const x = tf.tensor1d([1]);
  await assert.rejects(
    step(backend, Array.from({ length: MAX_TASKS + 1 }, () => x)),
    new RangeError(
      `Cannot run surgery: grads holds ${MAX_TASKS + 1} tasks, more than the ${MAX_TASKS} the ` +
        "library takes",
    ),
  );
  x.dispose();
});

testEachBackend(
  "SurgeryOptimizer: a loss disposed in f, a step after dispose()",
  async (backend) => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, `inputs-test/w/${backend}`);
    const h = tf.variable(tf.tensor1d([3]), true, `inputs-test/h/${backend}`);
    const opt = new SurgeryOptimizer(tf.train.adam(0.1));
    const f = () => [tf.sum(tf.square(w)) as tf.Scalar, tf.neg(tf.sum(tf.mul(w, h))) as tf.Scalar];
    const before = tf.memory().numTensors;
    const disposing = () => {
      const losses = f();
      losses[1].dispose();
      return losses;
    };
    const lossError = new TypeError(
      "Cannot minimize: loss 1 is a disposed tensor (f must return live ones)",
    );
    if (backend !== "webgpu") assert.throws(() => opt.minimize(disposing), lossError);
    await assert.rejects(() => opt.minimizeAsync(disposing), lossError);
    assert.equal(tf.memory().numTensors, before, "nothing leaks");
    // A non-finite head gradient never reaches the head: d/dh √(h − 3) at h = 3 is Infinity,
    // while w's gradient stays finite.
    const steep = () => [tf.sum(w) as tf.Scalar, tf.sum(tf.sqrt(tf.sub(h, 3))) as tf.Scalar];
    await assert.rejects(
      () => opt.minimizeAsync(steep),
      new RangeError(
        `Cannot run surgery: task 1's gradient for "${h.name}" has a non-finite value at index 0: ` +
          "Infinity",
      ),
    );
    assert.deepEqual(Array.from(await h.data()), [3]);

    await opt.minimizeAsync(f);
    opt.dispose();
    opt.dispose(); // a second call does nothing
    const gone = (action: string) =>
      new TypeError(`Cannot ${action}: this SurgeryOptimizer is disposed`);
    assert.throws(() => opt.minimize(f), gone("minimize"));
    await assert.rejects(() => opt.minimizeAsync(f), gone("minimize"));
    const maps = [{ [w.name]: tf.tensor1d([1, 0]) }, { [w.name]: tf.tensor1d([0, 1]) }];
    assert.throws(() => opt.applyGradients(maps), gone("apply gradients"));
    await assert.rejects(() => opt.applyGradientsAsync(maps), gone("apply gradients"));
    tf.dispose([w, h, ...maps]);
  },
);
