// The MultiMNIST demo's parts (examples/multimnist): the Conv2D filter gradient written with
// conv2d, the MultiMNIST construction from the real MNIST files, a short training run, the table
// and the learning-curve chart.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { lineChartSvg } from "../../examples/_shared/line_chart.ts";
import {
  conv2dFilterGrad,
  conv2dInputGrad,
  registerConv2dGradient,
} from "../../examples/multimnist/conv_grad.ts";
import {
  buildMultiMnist,
  CANVAS,
  OFFSET,
  overlay,
  parseIdx,
  readMnist,
} from "../../examples/multimnist/data.ts";
import {
  curveSeries,
  makeCheckpointFolder,
  paperReferences,
  resultTable,
} from "../../examples/multimnist/main.ts";
import { meanStd } from "../../examples/_shared/mean_std.ts";
import { type RunResult, train } from "../../examples/multimnist/train.ts";

tf.env().set("PROD", true);

/** dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh + kh, ow + kw, ci] · dy[n, oh, ow, co], by loops. */
function filterGradLoops(x: tf.Tensor4D, dy: tf.Tensor4D, k: number): Float64Array {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const xv = x.dataSync();
  const dv = dy.dataSync();
  const out = new Float64Array(k * k * ci * co);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < k; p++) {
          for (let q = 0; q < k; q++) {
            for (let c = 0; c < ci; c++) {
              const xs = xv[((b * h + i + p) * w + j + q) * ci + c];
              for (let o = 0; o < co; o++) {
                out[((p * k + q) * ci + c) * co + o] += xs * dv[((b * oh + i) * ow + j) * co + o];
              }
            }
          }
        }
      }
    }
  }
  return out;
}

Deno.test("conv2dFilterGrad equals the filter gradient computed by loops", async () => {
  await tf.setBackend("cpu");
  for (
    const [n, h, w, ci, co, k] of [[2, 7, 6, 3, 4, 3], [5, 12, 12, 1, 10, 5], [1, 5, 5, 2, 1, 5]]
  ) {
    tf.tidy(() => {
      const x = tf.randomNormal([n, h, w, ci], 0, 1, "float32", n) as tf.Tensor4D;
      const dy = tf.randomNormal([n, h - k + 1, w - k + 1, co], 0, 1, "float32", k) as tf.Tensor4D;
      const want = filterGradLoops(x, dy, k);
      const got = conv2dFilterGrad(x, dy).dataSync();
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${v} vs ${want[i]}`));
    });
  }
});

Deno.test("conv2dInputGrad is bitwise tf.conv2dTranspose on wasm (training unchanged), close on cpu", async () => {
  // The LeNet's second layer (the one whose input gradient training needs), and odd shapes.
  const cases: [number, number, number, number, number, number][] = [
    [256, 8, 8, 20, 10, 5],
    [3, 4, 6, 2, 3, 3],
    [2, 1, 1, 5, 1, 5],
  ];
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    for (const [n, oh, ow, co, ci, k] of cases) {
      tf.tidy(() => {
        const dy = tf.randomNormal([n, oh, ow, co], 0, 1, "float32", oh + co) as tf.Tensor4D;
        const filter = tf.randomNormal([k, k, ci, co], 0, 1, "float32", k + ci) as tf.Tensor4D;
        const want = tf.conv2dTranspose(dy, filter, [n, oh + k - 1, ow + k - 1, ci], 1, "valid");
        const got = conv2dInputGrad(dy, filter);
        assert.deepEqual(got.shape, want.shape);
        const a = Array.from(got.dataSync());
        const b = Array.from(want.dataSync());
        // cpu's transposed convolution sums in another order: equal to float32 rounding there.
        const tolerance = backend === "wasm" ? 0 : 1e-5 * Math.sqrt(k * k * co);
        const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
        assert.ok(worst <= tolerance, `${backend} ${[n, oh, ow, co, ci, k]}: differs by ${worst}`);
      });
    }
  }
});

Deno.test("the registered Conv2D gradient trains on wasm and equals cpu's native one", async () => {
  const shape: [number, number, number, number] = [3, 3, 2, 4];
  const filterValues = Array.from({ length: 72 }, (_, i) => Math.sin(i));
  const inputValues = Array.from({ length: 2 * 8 * 8 * 2 }, (_, i) => Math.cos(i * 0.3));
  const gradient = async (backend: string) => {
    await tf.setBackend(backend);
    const filter = tf.variable(tf.tensor4d(filterValues, shape), true, `conv-${backend}`);
    const x = tf.tensor4d(inputValues, [2, 8, 8, 2]);
    const { grads } = tf.variableGrads(() =>
      tf.sum(tf.square(tf.conv2d(x, filter, 1, "valid"))) as tf.Scalar
    );
    const values = await grads[filter.name].data();
    tf.dispose([filter, x, grads]);
    return values;
  };
  const native = await gradient("cpu");
  registerConv2dGradient();
  const ours = await gradient("wasm");
  ours.forEach((v, i) =>
    assert.ok(Math.abs(v - native[i]) < 1e-3 * Math.max(1, Math.abs(native[i])))
  );
  assert.throws(
    () => {
      const f = tf.variable(tf.ones([3, 3, 1, 1]), true, "conv-stride");
      try {
        tf.variableGrads(() =>
          tf.sum(
            tf.conv2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, f as tf.Tensor4D, 2, "valid"),
          ) as tf.Scalar
        );
      } finally {
        f.dispose();
      }
    },
    /Cannot differentiate conv2d: the example's gradient supports stride 1/,
  );
});

Deno.test("MultiMNIST: the real MNIST files, two digits overlapped as documented", async () => {
  const train = await readMnist("train");
  const test = await readMnist("test");
  assert.equal(train.n, 60000);
  assert.equal(test.n, 10000);
  const set = buildMultiMnist(train, 500, 1);
  assert.equal(set.images.length, 500 * 784);
  assert.deepEqual(set.left, train.labels.subarray(0, 500));
  assert.ok(set.images.every((v) => v >= 0 && v <= 1));
  // Same seed, same pairs; another seed, other pairs.
  assert.deepEqual(buildMultiMnist(train, 500, 1).right, set.right);
  assert.notDeepEqual(buildMultiMnist(train, 500, 2).right, set.right);
  // The area resize keeps the ink: Σ output = Σ canvas · (28/36)².
  const a = 3;
  const b = 7;
  const out = new Float32Array(784);
  const canvas = new Float32Array(CANVAS * CANVAS);
  overlay(train.images, a, b, out, canvas);
  const ink = canvas.reduce((s, v) => s + v, 0);
  const resized = out.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(resized - ink * (28 / 36) ** 2) < 1e-3 * ink);
  // The left digit sits at the top-left, the right one shifted by OFFSET pixels.
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const left = train.images[a * 784 + r * 28 + c] / 255;
      assert.ok(canvas[r * CANVAS + c] >= left);
      const right = train.images[b * 784 + r * 28 + c] / 255;
      assert.ok(canvas[(r + OFFSET) * CANVAS + c + OFFSET] >= right);
    }
  }
  assert.throws(() => parseIdx(new Uint8Array(16), "images"), /magic number 0, expected 2051/);
  assert.throws(
    () => buildMultiMnist(train, 0, 1),
    /n must be an integer in \[1, 60000\], found 0/,
  );
});

Deno.test("a short run trains, and the table and the chart come out", async () => {
  await tf.setBackend("wasm");
  registerConv2dGradient();
  const mnist = await readMnist("train");
  const trainSet = buildMultiMnist(mnist, 512, 1);
  const testSet = buildMultiMnist(mnist, 256, 2);
  const before = tf.memory().numTensors;
  const settings = { epochs: 1, batch: 128, learningRate: 3e-3, evalsPerEpoch: 2 };
  const results = [];
  for (const method of ["sum", "pcgrad"] as const) {
    results.push(await train({ ...settings, method, seed: 0 }, trainSet, testSet));
  }
  assert.equal(tf.memory().numTensors, before, "models, optimizers and batches disposed");
  for (const r of results) {
    assert.equal(r.curve.length, 2);
    assert.ok(r.curve[1].trainLoss.every((l) => l < 2.31), `losses ${r.curve[1].trainLoss}`);
  }
  assert.equal(results[0].conflictRate, null);
  assert.ok(results[1].conflictRate! >= 0 && results[1].conflictRate! <= 1);
  const table = resultTable(results);
  assert.match(table, /^\| method \| seeds \| left acc % \| right acc %/);
  assert.equal(table.split("\n").length, 4);
  assert.equal(meanStd([1, 2, 3]), "2.00 ± 1.00");
  assert.equal(meanStd([96.48]), "96.48", "one run has no spread to print");
  assert.throws(() => meanStd([]), /no values/);
  const svg = await lineChartSvg({
    title: "t",
    xLabel: "epoch",
    yLabel: "accuracy %",
    series: curveSeries(results),
  });
  assert.ok(svg.startsWith("<svg"));
});

Deno.test("the paper's final accuracy is drawn as dashed lines in its run's colour, per task", async () => {
  const run = (method: string, variant: string) =>
    ({
      settings: { method, variant },
      curve: [1, 2].map((epoch) => ({ epoch, testAccuracy: [95, 94] })),
    }) as unknown as RunResult;
  const results = [run("sum", "full"), run("pcgrad", "full"), run("pcgrad", "direction")];
  const references = paperReferences(results);
  // Only full PCGrad has a row in the paper: one line per task, at the paper's two numbers.
  assert.deepEqual(references.map((r) => [r.series, r.y]), [["pcgrad", 96.58], ["pcgrad", 95.5]]);
  const svg = await lineChartSvg({
    title: "t",
    xLabel: "epoch",
    yLabel: "accuracy %",
    series: curveSeries(results),
    references,
    yDomain: [92, 97.5],
  });
  const rules = svg.match(/<g class="mark-rule role-mark reference"[^>]*>.*?<\/g>/g) ?? [];
  assert.equal(rules.length, 2, "one reference group per panel");
  for (const group of rules) {
    assert.equal(group.match(/<line [^>]*stroke-dasharray="6,4"/g)?.length, 1, group);
    assert.match(group, /stroke="#d62728"/, "pcgrad's colour: the second run name");
  }
  await assert.rejects(
    () =>
      lineChartSvg({
        title: "t",
        xLabel: "epoch",
        yLabel: "accuracy %",
        series: curveSeries(results),
        references: [{ panel: "no such panel", series: "pcgrad", y: 96 }],
      }),
    /Cannot draw the reference line .*"no such panel".*its panel must be one of/,
  );
});

Deno.test("a checkpoint folder Deno may not write names the folder and the fix", async () => {
  // The tests may write only under out/, as `npm run multimnist` may write only under out/ and docs/.
  await assert.rejects(
    () => makeCheckpointFolder("not-writable-checkpoints"),
    /Cannot write checkpoints to --checkpoints=not-writable-checkpoints: no write permission there .*--checkpoints=out\/<name>/,
  );
  await makeCheckpointFolder("out/checkpoint-folder-test");
  assert.ok((await Deno.stat("out/checkpoint-folder-test")).isDirectory);
  await Deno.remove("out/checkpoint-folder-test");
});
