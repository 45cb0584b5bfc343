// The WebGPU path: the WGSL Gram kernel for every T (12, 16 and 32 included, where tf.js's
// matMul(X, X, false, true) is wrong on the software adapter), column windows below
// maxStorageBufferBindingSize, the host route for a gradient larger than a binding, and a real
// input above the adapter's limit.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { surgery, surgeryAsync } from "../../adapters/tfjs.ts";
import { driveAsync } from "../../adapters/tfjs/drive.ts";
import { surgeryStep } from "../../adapters/tfjs/pipeline.ts";
import { webgpuPasses, windowColumns } from "../../adapters/tfjs/webgpu.ts";
import {
  gramTiles,
  unpackGram,
  type WebGpuBackendLike,
} from "../../adapters/tfjs/webgpu_programs.ts";
import { surgery as plainSurgery } from "../../mod.ts";
import { StepState } from "../../state/step_state.ts";
import { resolveOptions } from "../../methods/options.ts";
import type { WeightOptions } from "../../vocabulary/options.ts";
import { gramOf } from "../methods/_gram.ts";
import { testEachBackend, values, withWarnings } from "./_backends.ts";

const webgpu = (name: string, fn: () => Promise<void>) => testEachBackend(name, fn, ["webgpu"]);

/** Deterministic rows: task t, column k. */
function rows(T: number, n: number, seed = 1): Float32Array[] {
  return Array.from(
    { length: T },
    (_, t) =>
      Float32Array.from(
        { length: n },
        (_, k) => Math.sin((k + 1) * (t + seed) * 0.7311) * (1 + t / 3),
      ),
  );
}

webgpu("the Gram kernel matches float64 for T = 1…33 and chunk edges", async () => {
  for (const T of [1, 2, 3, 5, 8, 9, 10, 12, 13, 16, 17, 32, 33]) {
    for (const n of [1, 255, 256, 257, 3001]) {
      const r = rows(T, n);
      const x = tf.tensor2d(r.flatMap((row) => Array.from(row)), [T, n]);
      const tiles = tf.tidy(() => tf.sum(gramTiles(x), 0));
      const G = unpackGram(await values(tiles), T);
      tf.dispose([x, tiles]);
      const want = gramOf(r.map((row) => Array.from(row)));
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const scale = Math.sqrt(want[i * T + i] * want[j * T + j]);
          assert.ok(
            Math.abs(G[i * T + j] - want[i * T + j]) <= 1e-6 * scale,
            `T ${T} n ${n} G[${i}][${j}]`,
          );
        }
      }
    }
  }
});

/** One step through the webgpu passes with a lowered binding limit. */
async function stepWithLimit(
  grads: tf.NamedTensorMap[],
  limitBytes: number,
  options: WeightOptions = { seed: 3 },
) {
  const resolved = resolveOptions(options, "test");
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const passes = () => webgpuPasses(backend, limitBytes);
  const state = new StepState(resolved.seed);
  return await driveAsync(surgeryStep(grads, resolved, state, "run surgery", undefined, passes));
}

webgpu(
  "column windows under a lowered limit, and the host route for a gradient above it",
  async () => {
    const T = 3;
    const r = rows(T, 1000 + 1200 + 7);
    const maps = r.map((row) => ({
      a: tf.tensor2d(row.subarray(0, 1000), [25, 40]),
      b: tf.tensor1d(row.subarray(1000, 2200)),
      c: tf.tensor1d(row.subarray(2200)),
    }));
    const before = tf.memory().numTensors;
    // 4 KiB: windows of 341 columns (a: 3, c: 1); b (4800 bytes) is above the limit: host route.
    assert.equal(windowColumns(T, 4096), 341);
    for (const options of [{ seed: 3 }, { seed: 3, method: "graddrop" as const, leak: 0.5 }]) {
      const want = plainSurgery(r, options);
      for (const limit of [4096, 1 << 20]) {
        const { update, stats } = await stepWithLimit(maps, limit, options);
        const m = update as tf.NamedTensorMap;
        const got = [...(await values(m.a)), ...(await values(m.b)), ...(await values(m.c))];
        got.forEach((v, k) =>
          assert.ok(Math.abs(v - want[k]) < 1e-5 * 6, `limit ${limit}, [${k}] ${v} vs ${want[k]}`)
        );
        assert.deepEqual(m.a.shape, [25, 40]);
        assert.equal(stats.kernel, "tfjs-webgpu-wgsl");
        tf.dispose(m);
      }
    }
    assert.equal(tf.memory().numTensors, before, "windows and staging disposed");
    tf.dispose(maps);
  },
);

webgpu("an input above the adapter's maxStorageBufferBindingSize stays correct", async () => {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const limit = backend.device.limits.maxStorageBufferBindingSize;
  const T = 4;
  // Each gradient fits in a binding, the stacked T × n matrix does not.
  const n = Math.ceil((limit / 4 / T) * 1.25);
  const r = rows(T, n, 2);
  const tensors = r.map((row) => tf.tensor1d(row));
  const out = await surgeryAsync(tensors, { seed: 1 });
  const got = await values(out);
  const want = plainSurgery(r, { seed: 1 });
  let err = 0;
  for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(got[k] - want[k]));
  assert.ok(err < 1e-4, `max error ${err} over ${n} values (limit ${limit} bytes)`);
  tf.dispose([out, ...tensors]);
});

webgpu(
  "the synchronous form says to use the async one where tf.js cannot read synchronously",
  async () => {
    const probe = tf.tensor1d([1]);
    // tf.js runs small ops on the CPU; a custom kernel always runs on the GPU.
    const onDevice = tf.tidy(() => gramTiles(tf.reshape(probe, [1, 1])));
    let syncReads = true;
    // Where tf.js can read synchronously, it warns that this is slow: expected here.
    const { warnings } = withWarnings(() => {
      try {
        onDevice.dataSync();
      } catch {
        syncReads = false;
      }
    });
    for (const warning of warnings) assert.match(warning, /synchronously reading data .* is poor/);
    tf.dispose([probe, onDevice]);
    const grads = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
    const before = tf.memory().numTensors;
    if (syncReads) {
      const out = surgery(grads);
      assert.deepEqual(Array.from(await values(out)), [0.5, 1.5]);
      out.dispose();
    } else {
      assert.throws(() => surgery(grads), (error: Error) => {
        assert.match(
          error.message,
          /^Cannot run surgery synchronously: the webgpu backend cannot read a tensor here .*use the async form/,
        );
        return true;
      });
    }
    assert.equal(tf.memory().numTensors, before, "the failed step freed what it kept");
    tf.dispose(grads);
  },
);
