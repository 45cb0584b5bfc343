// Sener & Koltun's MultiMNIST protocol as their released code has it (multi_mnist_loader.py,
// train_multi_task.py, multi_lenet.py): nearest-neighbour resize, step decay, MGDA with "loss+".

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerConv2dGradient } from "../../examples/multimnist/conv_grad.ts";
import { buildMultiMnist, CANVAS, overlay, readMnist } from "../../examples/multimnist/data.ts";
import {
  createModel,
  disposeModel,
  headLoss,
  trunkForward,
} from "../../examples/multimnist/model.ts";
import { createSurgery } from "../../mod.ts";
import {
  learningRateAt,
  mgdaUbWeights,
  resolveRunSettings,
  train,
} from "../../examples/multimnist/train.ts";
import { byRun, runLabel } from "../../examples/multimnist/run_label.ts";

tf.env().set("PROD", true);

Deno.test("nearest-neighbour resize takes the canvas pixel under each output pixel's centre", async () => {
  const mnist = await readMnist("test");
  const canvas = new Float32Array(CANVAS * CANVAS);
  const out = new Float32Array(784);
  overlay(mnist.images, 5, 9, out, canvas, "nearest");
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const src = (k: number) => Math.floor(((k + 0.5) * 36) / 28);
      assert.equal(out[r * 28 + c], canvas[src(r) * CANVAS + src(c)]);
    }
  }
  // The corners map to the canvas corners; the area resize gives other images.
  assert.equal(Math.floor((27.5 * 36) / 28), 35);
  const area = buildMultiMnist(mnist, 50, 2);
  const nearest = buildMultiMnist(mnist, 50, 2, "nearest");
  assert.deepEqual(area.right, nearest.right);
  assert.notDeepEqual(area.images, nearest.images);
});

Deno.test("Sener & Koltun's step decay: × 0.85 at epochs 9, 19, …", () => {
  const s = resolveRunSettings({
    method: "sum",
    seed: 0,
    epochs: 100,
    batch: 256,
    learningRate: 1e-3,
    evalsPerEpoch: 1,
    lrDecay: { every: 10, factor: 0.85 },
  });
  assert.equal(learningRateAt(s, 0), 1e-3);
  assert.equal(learningRateAt(s, 8), 1e-3);
  assert.equal(learningRateAt(s, 9), 1e-3 * 0.85);
  assert.equal(learningRateAt(s, 99), 1e-3 * 0.85 ** 10);
  assert.equal(learningRateAt({ ...s, lrDecay: null }, 99), 1e-3);
});

Deno.test("MGDA trains with the loss+ normalisation, and runs are labelled by variant", async () => {
  await tf.setBackend("wasm");
  registerConv2dGradient();
  const mnist = await readMnist("train");
  const set = buildMultiMnist(mnist, 128, 1, "nearest");
  const result = await train(
    {
      method: "mgda",
      normalization: "loss+",
      seed: 0,
      epochs: 1,
      batch: 64,
      learningRate: 1e-3,
      evalsPerEpoch: 1,
      normalizeInputs: true,
      dropout: true,
    },
    set,
    set,
  );
  assert.equal(result.settings.normalization, "loss+");
  assert.equal(result.curve.length, 1);
  assert.ok(result.curve[0].trainLoss.every((l) => l > 0 && l < 3));
  assert.equal(runLabel(result.settings), "mgda");
  assert.equal(
    runLabel({ ...result.settings, method: "pcgrad", variant: "magnitude" }),
    "pcgrad magnitude",
  );
});

Deno.test("runs are grouped by name in the order each name first appears", () => {
  const run = (method: string, variant: string | undefined, seed: number) => ({
    settings: { method, variant, seed },
  });
  const results = [
    run("sum", undefined, 0),
    run("pcgrad", "direction", 0),
    run("sum", "full", 1),
    run("pcgrad", "full", 0),
    run("pcgrad", "direction", 1),
  ];
  const groups = byRun(results);
  assert.deepEqual([...groups.keys()], ["sum", "pcgrad direction", "pcgrad"]);
  assert.deepEqual(groups.get("sum")!.map((r) => r.settings.seed), [0, 1]);
  assert.deepEqual(groups.get("pcgrad direction")!.map((r) => r.settings.seed), [0, 1]);
  assert.deepEqual(groups.get("pcgrad")!.map((r) => r.settings.seed), [0]);
  assert.equal(results.length, 5, "the input is left whole");
});

Deno.test("PyTorch's default initialisation: kernels and biases uniform in ±1/√fan-in", async () => {
  await tf.setBackend("cpu");
  const model = createModel("init-test", 4, "torch");
  const fanIns = [25, 25, 250, 250, 320, 320, 50, 50, 50, 50, 50, 50, 50, 50];
  model.all.forEach((v, i) => {
    const limit = 1 / Math.sqrt(fanIns[i]);
    const values = v.dataSync();
    assert.ok(values.every((x) => Math.abs(x) <= limit), v.name);
    // Spread over the range, not stuck near 0 (a bias of 10 draws still exceeds limit / 10).
    assert.ok(Math.max(...values.map(Math.abs)) > limit / 10, v.name);
  });
  disposeModel(model);
  const glorot = createModel("init-test", 4);
  assert.ok(glorot.trunk[1].dataSync().every((x) => x === 0), "Glorot: zero biases");
  disposeModel(glorot);
});

Deno.test("MGDA-UB: the min-norm point of the representation gradients, and it trains", async () => {
  await tf.setBackend("wasm");
  registerConv2dGradient();
  const mnist = await readMnist("train");
  const set = buildMultiMnist(mnist, 128, 3);
  const model = createModel("ub-test", 2);
  const batch = {
    x: tf.tensor4d(set.images.subarray(0, 64 * 784), [64, 28, 28, 1]),
    left: tf.tensor1d(set.left.subarray(0, 64), "int32"),
    right: tf.tensor1d(set.right.subarray(0, 64), "int32"),
  };
  const alpha = mgdaUbWeights(createSurgery({ method: "mgda" }), model, batch, undefined);
  assert.ok(Math.abs(alpha[0] + alpha[1] - 1) < 1e-12);
  // Interior here (about 0.49 / 0.51): d = Σ α_t ∇_z L_t, recomputed independently, is the
  // min-norm point of the segment between the two task gradients, so d·g_0 = d·g_1.
  assert.ok(alpha.every((a) => a > 0.01 && a < 0.99), `${alpha}`);
  const [g0, g1] = tf.tidy(() => {
    const z = trunkForward(model, batch.x);
    return [batch.left, batch.right].map((labels, k) =>
      tf.grad((zz: tf.Tensor) => headLoss(model.heads[k], zz as tf.Tensor2D, labels))(z)
        .dataSync()
    );
  });
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  const d = g0.map((v, i) => alpha[0] * v + alpha[1] * g1[i]);
  assert.ok(Math.abs(dot(d, g0) - dot(d, g1)) < 1e-4 * dot(d, d), `${dot(d, g0)} vs ${dot(d, g1)}`);
  tf.dispose([batch.x, batch.left, batch.right]);
  disposeModel(model);
  const before = tf.memory().numTensors;
  const result = await train(
    {
      method: "mgda-ub",
      normalization: "loss+",
      seed: 0,
      epochs: 2,
      batch: 64,
      learningRate: 3e-3,
      evalsPerEpoch: 1,
      dropout: true,
    },
    set,
    set,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.ok(result.conflictRate !== null && result.conflictRate >= 0 && result.conflictRate <= 1);
  assert.ok(result.curve[1].trainLoss.every((l) => l < 2.31), `${result.curve[1].trainLoss}`);
});
