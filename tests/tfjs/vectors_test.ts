// The methods that need more than the Gramian in tf.js: their step runs on the host over the shared
// variables laid end to end (zeros where a task has no gradient for one), so the update and stats
// are bitwise the plain API's on those vectors, on every backend; batches come in the gradients'
// form; SurgeryOptimizer takes the extra batches' loss functions; checkpoints move between the two
// APIs. Every intermediate tensor is disposed.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createSurgery, surgery, surgeryAsync, SurgeryOptimizer } from "../../adapters/tfjs.ts";
import { createSurgery as plainCreate } from "../../mod.ts";
import { type BackendName, testEachBackend, values } from "./_backends.ts";

const A = [[1, -2, 0.5, 3], [-1, 1, 2, 0], [0.5, 0.5, -3, 1]];
const B = [[2, 1, -1], [-3, 0.5, 1]];

/** Task t's map: a (2×2) in every task, b (3) in tasks 0 and 1, a head h0 in task 0. */
function maps(scale: number): tf.NamedTensorMap[] {
  return A.map((a, t) => ({
    a: tf.tensor2d(a.map((x) => x * scale), [2, 2]),
    ...(t < 2 ? { b: tf.tensor1d(B[t].map((x) => x * scale + t)) } : {}),
    ...(t === 0 ? { h0: tf.tensor1d([7, 8]) } : {}),
  }));
}

/** The same gradients as plain rows: a then b, zeros where a task has no b. */
function rows(scale: number): Float32Array[] {
  return A.map((a, t) =>
    Float32Array.from([
      ...a.map((x) => x * scale),
      ...(t < 2 ? B[t].map((x) => x * scale + t) : [0, 0, 0]),
    ])
  );
}

async function step(
  backend: BackendName,
  s: ReturnType<typeof createSurgery>,
  grads: tf.NamedTensorMap[],
  call: Parameters<typeof s.surgery>[1],
): Promise<tf.NamedTensorMap> {
  return backend === "webgpu" ? await s.surgeryAsync(grads, call) : s.surgery(grads, call);
}

testEachBackend(
  "db-mtl, excess-mtl, moco: maps step as the plain API, step after step",
  async (backend) => {
    const losses = [0.5, 2, 1];
    for (const method of ["db-mtl", "excess-mtl", "moco"] as const) {
      const s = createSurgery({ method });
      const plain = plainCreate({ method });
      for (let k = 0; k < 3; k++) {
        const before = tf.memory().numTensors;
        const grads = maps(1 + k);
        const lossTensor = tf.tensor1d(losses);
        const update = await step(backend, s, grads, { losses: lossTensor });
        const want = plain.surgery(rows(1 + k), { losses });
        const a = await values(update.a), b = await values(update.b);
        assert.deepEqual([...a, ...b], Array.from(want), `${method} step ${k}`);
        assert.deepEqual(await values(update.h0), Float32Array.of(7, 8));
        assert.deepEqual(s.stats, plain.stats);
        tf.dispose([update, ...grads, lossTensor]);
        assert.equal(tf.memory().numTensors, before, "every intermediate disposed");
      }
      // The state is the plain API's: a checkpoint moves between the two.
      assert.deepEqual(s.getState(), plain.getState());
    }
  },
);

testEachBackend("sdmgrad, modo: batches as tensors, one-shot and stateful", async (backend) => {
  const g = [[1, 0, 2], [-1, 1, 0]];
  const ba = [[1, 1, 0], [0, 1, 1]];
  const bb = [[2, 0, 1], [-1, 0, 1]];
  const f32 = (m: number[][]) => m.map((r) => Float32Array.from(r));
  const t1 = (m: number[][]) => m.map((r) => tf.tensor1d(r));
  for (const method of ["sdmgrad", "modo"] as const) {
    const before = tf.memory().numTensors;
    const grads = t1(g), batchA = t1(ba), batchB = t1(bb);
    const call = { batches: [batchA, batchB] };
    const plainCall = { batches: [f32(ba), f32(bb)] };
    const oneShot = backend === "webgpu"
      ? await surgeryAsync(grads, { method, ...call })
      : surgery(grads, { method, ...call });
    const plain = plainCreate({ method });
    assert.deepEqual(await values(oneShot), plain.surgery(f32(g), plainCall));
    const s = createSurgery({ method });
    for (let k = 0; k < 2; k++) {
      const update = backend === "webgpu"
        ? await s.surgeryAsync(grads, call)
        : s.surgery(grads, call);
      if (k === 1) assert.deepEqual(await values(update), plain.surgery(f32(g), plainCall));
      update.dispose();
    }
    tf.dispose([oneShot, ...grads, ...batchA, ...batchB]);
    assert.equal(tf.memory().numTensors, before, "every intermediate disposed");
  }
});

testEachBackend(
  "batches in the maps' form: laid out over grads' shared variables",
  async (backend) => {
    const before = tf.memory().numTensors;
    const grads = maps(1);
    const batchA = maps(2);
    // A batch where task 1 has no "b": it counts as zeros there, as in grads' layout.
    const batchB = maps(-1);
    tf.dispose(batchB[1].b);
    delete batchB[1].b;
    const s = createSurgery({ method: "modo" });
    const update = await step(backend, s, grads, { batches: [batchA, batchB] });
    const rowsB = rows(-1);
    rowsB[1].fill(0, 4);
    const want = plainCreate({ method: "modo" }).surgery(rows(1), { batches: [rows(2), rowsB] });
    assert.deepEqual([...await values(update.a), ...await values(update.b)], Array.from(want));
    tf.dispose([update, ...grads, ...batchA, ...batchB]);
    assert.equal(tf.memory().numTensors, before);
  },
);

testEachBackend("errors: batches of another shape or for another method", async (backend) => {
  const grads = [tf.tensor1d([1, 0]), tf.tensor1d([0, 1])];
  const long = [tf.tensor1d([1, 0, 0]), tf.tensor1d([0, 1, 0])];
  const run = async (options: Parameters<typeof surgery>[1]) =>
    backend === "webgpu" ? await surgeryAsync(grads, options) : surgery(grads, options);
  await assert.rejects(() => run({ method: "modo", batches: [grads, long] }), {
    name: "TypeError",
    message:
      "Cannot run surgery: batches[1]: each task's gradient has 3 values, expected 2 (as in grads)",
  });
  await assert.rejects(() => run({ method: "modo", batches: [grads, grads.slice(1)] }), {
    name: "RangeError",
    message:
      "Cannot run surgery: batches[1] holds 1 tasks of tensors, expected 2 tensors (as grads)",
  });
  await assert.rejects(() => run({ batches: [grads, grads] }), {
    name: "RangeError",
    message:
      `Cannot run surgery: batches apply to method "sdmgrad" or "modo", found method "pcgrad"`,
  });
  await assert.rejects(() => run({ method: "sdmgrad" }), {
    name: "RangeError",
    message:
      `Cannot run surgery: method "sdmgrad" needs batches: two more independent gradient batches [gradsA, gradsB], each 2 rows of length 2, found none`,
  });
  tf.dispose([...grads, ...long]);
});

testEachBackend(
  "SurgeryOptimizer: db-mtl from f's losses, modo with { batches: [fA, fB] }",
  async (backend) => {
    const targets = [[1, 0], [0, 1]];
    /** Task losses ‖w − c_t·s‖² on "mini-batch" s; gradients 2(w − c_t·s). */
    const lossesOn = (w: tf.Variable, s: number) => () =>
      targets.map((c) =>
        tf.sum(tf.square(tf.sub(w, tf.tensor1d(c.map((x) => x * s))))) as tf.Scalar
      );
    const gradsOn = (w: number[], s: number) =>
      targets.map((c) => Float32Array.from(w, (x, k) => 2 * (x - c[k] * s)));
    for (const method of ["db-mtl", "modo"] as const) {
      const w = tf.variable(tf.tensor1d([2, -1]), true, `vectors_test/${method}/${backend}`);
      const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { method });
      const before = tf.memory().numTensors;
      const extra = method === "modo"
        ? { batches: [lossesOn(w, 2), lossesOn(w, 0.5)] as const }
        : {};
      if (backend === "webgpu") {
        await optimizer.minimizeAsync(
          lossesOn(w, 1),
          false,
          undefined,
          extra,
        );
      } else optimizer.minimize(lossesOn(w, 1), false, undefined, extra);
      assert.equal(tf.memory().numTensors, before, "every intermediate disposed");
      const plain = plainCreate({ method });
      const update = plain.surgery(gradsOn([2, -1], 1), {
        losses: [2, 8], // ‖(2, −1) − c_t‖²
        ...(method === "modo" ? { batches: [gradsOn([2, -1], 2), gradsOn([2, -1], 0.5)] } : {}),
      });
      const got = await values(w);
      [2, -1].forEach((x, k) => assert.ok(Math.abs(got[k] - (x - 0.1 * update[k])) < 1e-6, method));
      assert.deepEqual(optimizer.stats?.weights, plain.stats?.weights);
      w.dispose();
      optimizer.dispose();
    }
  },
);

testEachBackend("SurgeryOptimizer: a method that needs batches says how to give them", () => {
  const w = tf.variable(tf.tensor1d([1, 1]), true, "vectors_test/needs-batches");
  const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { method: "sdmgrad" });
  const f = () => [tf.sum(w) as tf.Scalar, tf.sum(tf.neg(w)) as tf.Scalar];
  assert.throws(() => optimizer.minimize(f), {
    name: "RangeError",
    message:
      `Cannot minimize: method "sdmgrad" needs two more independent batches each step: minimize(f, returnCost, varList, { batches: [fA, fB] }) with fA and fB the task losses on two other mini-batches`,
  });
  // applyGradients takes the batches' gradients; without them the engine says what is missing.
  const grads = [{ w: tf.tensor1d([1, 1]) }, { w: tf.tensor1d([-1, -1]) }];
  assert.throws(() => optimizer.applyGradients(grads), {
    name: "RangeError",
    message:
      `Cannot run surgery: method "sdmgrad" needs batches: two more independent gradient batches [gradsA, gradsB], each 2 rows of length 2, found none`,
  });
  tf.dispose(grads);
  assert.throws(() => optimizer.minimize(f, false, undefined, { batches: [f] as never }), {
    name: "RangeError",
    message: /^Cannot minimize: batches must be two loss functions \[fA, fB\] like f, found /,
  });
  w.dispose();
  optimizer.dispose();
}, ["cpu"]);
