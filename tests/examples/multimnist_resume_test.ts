// MultiMNIST runs stopped and resumed from their checkpoints end bitwise where an uninterrupted run
// ends: the model's weights, Adam's slots, the surgery's stream, the data order and the dropout
// masks all come back.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import {
  readCheckpoint,
  restoreAdam,
  saveAdam,
  writeCheckpoint,
} from "../../examples/multimnist/checkpoint.ts";
import { registerConv2dGradient } from "../../examples/multimnist/conv_grad.ts";
import { buildMultiMnist, readMnist } from "../../examples/multimnist/data.ts";
import {
  checkpointStatus,
  resolveRunSettings,
  type RunResult,
  type RunSettings,
  train,
} from "../../examples/multimnist/train.ts";

tf.env().set("PROD", true);

/** A scratch folder under out/ (the one place the test task may write). */
async function scratch(prefix: string): Promise<string> {
  await Deno.mkdir("out", { recursive: true });
  return await Deno.makeTempDir({ dir: "out", prefix });
}

/** The result without its wall time (which a resume cannot reproduce). */
function comparable(r: RunResult) {
  const { trainSeconds: _, ...rest } = r;
  return rest;
}

Deno.test("a run stopped at any step and resumed ends bitwise like an uninterrupted one", async () => {
  await tf.setBackend("wasm");
  registerConv2dGradient();
  const mnist = await readMnist("train");
  const trainSet = buildMultiMnist(mnist, 256, 1); // batch 64: 4 steps per epoch
  const testSet = buildMultiMnist(mnist, 128, 2);
  const dir = await scratch("multimnist-resume-");
  try {
    const cases: [RunSettings, number][] = [
      // Every setting that touches the state: surgery stream, variant, dropout, decay, inputs.
      [{
        method: "pcgrad",
        variant: "direction",
        seed: 3,
        epochs: 2,
        batch: 64,
        learningRate: 3e-3,
        evalsPerEpoch: 2,
        lrDecay: { every: 1, factor: 0.5 },
        normalizeInputs: true,
        dropout: true,
      }, 3], // stopped mid-epoch, one step after a checkpoint
      [{
        method: "sum",
        seed: 1,
        epochs: 2,
        batch: 64,
        learningRate: 3e-3,
        evalsPerEpoch: 1,
        dropout: true,
      }, 5], // stopped one step into the second epoch
      [{
        method: "mgda-ub",
        normalization: "loss+",
        seed: 2,
        epochs: 2,
        batch: 64,
        learningRate: 3e-3,
        evalsPerEpoch: 1,
        dropout: true,
      }, 7],
    ];
    for (const [settings, stopAfter] of cases) {
      const straight = await train(settings, trainSet, testSet);
      const path = `${dir}/${settings.method}.json`;
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      await assert.rejects(
        train(
          settings,
          trainSet,
          testSet,
          (done) => {
            if (done === stopAfter) controller.abort();
          },
          { path, everySteps: 2, resume: true },
          controller.signal,
        ),
      );
      assert.equal(tf.memory().numTensors, before, "a stopped run frees its tensors");
      const saved = await readCheckpoint(path);
      assert.equal(saved!.position.done, stopAfter - 1, "the last checkpoint is before the stop");
      // Gathering without training sees a run part-way, then (below) the finished result.
      assert.deepEqual(await checkpointStatus(settings, 4, path), {
        state: "running",
        done: stopAfter - 1,
        total: 4 * settings.epochs,
      });
      assert.deepEqual(await checkpointStatus(settings, 4, `${dir}/none.json`), { state: "none" });
      const resumed = await train(settings, trainSet, testSet, undefined, {
        path,
        everySteps: 2,
        resume: true,
      });
      assert.deepEqual(comparable(resumed), comparable(straight), settings.method);
      const gathered = await checkpointStatus(settings, 4, path);
      assert.equal(gathered.state, "finished");
      assert.deepEqual(gathered.state === "finished" && gathered.result, resumed);
      await assert.rejects(
        checkpointStatus({ ...settings, seed: 99 }, 4, path),
        /seed is \d in the checkpoint, 99 now/,
      );
      // A finished run's checkpoint resumes to the same result without training again.
      assert.deepEqual(
        comparable(
          await train(settings, trainSet, testSet, () => assert.fail("no step expected"), {
            path,
            everySteps: 2,
            resume: true,
          }),
        ),
        comparable(straight),
      );
      // Resuming under other settings is refused, naming the setting.
      await assert.rejects(
        train({ ...settings, learningRate: 1e-3 }, trainSet, testSet, undefined, {
          path,
          everySteps: 2,
          resume: true,
        }),
        /learningRate is 0.003 in the checkpoint, 0.001 now/,
      );
      assert.equal(tf.memory().numTensors, before);
    }
    // A finished run extended to more epochs ends as the longer run would have.
    const short = { ...cases[1][0], epochs: 1 };
    const path = `${dir}/extended.json`;
    const options = { path, everySteps: 2, resume: true };
    await train(short, trainSet, testSet, undefined, options);
    const extended = await train(cases[1][0], trainSet, testSet, undefined, options);
    assert.deepEqual(
      comparable(extended),
      comparable(await train(cases[1][0], trainSet, testSet)),
    );
    await assert.rejects(
      train(short, trainSet, testSet, undefined, options),
      /epochs is 2 in the checkpoint, 1 now \(a run can only be extended\)/,
    );
    // The variant is part of the recorded settings.
    assert.equal(resolveRunSettings(cases[1][0]).variant, "full");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Adam's state round-trips exactly, bias-correction accumulators included", async () => {
  await tf.setBackend("wasm");
  const x = tf.variable(tf.tensor1d([1, -2, 3]), true, "resume/adam/x");
  const loss = () => tf.sum(tf.square(tf.sub(x, tf.tensor1d([0.3, 0.1, -0.2])))) as tf.Scalar;
  const a = tf.train.adam(0.05);
  for (let i = 0; i < 37; i++) a.minimize(loss);
  const state = await saveAdam(a);
  const start = x.dataSync().slice();
  for (let i = 0; i < 5; i++) a.minimize(loss);
  const straight = x.dataSync().slice();
  x.assign(tf.tensor1d(start));
  const b = tf.train.adam(0.05);
  await restoreAdam(b, JSON.parse(JSON.stringify(state)));
  for (let i = 0; i < 5; i++) b.minimize(loss);
  assert.deepEqual(x.dataSync(), straight);
  assert.equal(state.iterations, 37);
  tf.dispose([x]);
  a.dispose();
  b.dispose();
});

Deno.test("checkpoints are replaced atomically and checked on reading", async () => {
  const dir = await scratch("multimnist-ckpt-");
  try {
    const path = `${dir}/c.json`;
    assert.equal(await readCheckpoint(path), null);
    await writeCheckpoint(path, { format: "multimnist-checkpoint/1", n: 1 });
    await writeCheckpoint(path, { format: "multimnist-checkpoint/1", n: 2 });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["c.json"]);
    assert.equal(((await readCheckpoint(path)) as unknown as { n: number }).n, 2);
    await Deno.writeTextFile(path, JSON.stringify({ format: "other" }));
    await assert.rejects(readCheckpoint(path), /format "other", expected multimnist-checkpoint\/1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
