// The tf.js-ops passes, which backends without a dedicated path use (webgl in browsers, tfjs-node):
// run here on cpu, wasm and webgpu through the same step, against the plain API.

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { driveAsync } from "../../adapters/tfjs/drive.ts";
import { opsPasses } from "../../adapters/tfjs/ops.ts";
import { surgeryStep } from "../../adapters/tfjs/pipeline.ts";
import { createSurgery as plainCreate } from "../../mod.ts";
import { StepState } from "../../state/step_state.ts";
import { resolveOptions } from "../../methods/options.ts";
import { registry } from "../../methods/registry.ts";
import { type Method, METHODS } from "../../vocabulary/methods.ts";
import { gradsArb } from "../_arbitraries.ts";
import { testOptionsFor } from "../_method_options.ts";
import { testEachBackend, values } from "./_backends.ts";
import { checkStages } from "./_check.ts";

const lengthArb = fc.constantFrom(0, 1, 5, 64, 300);

testEachBackend("the tf.js-ops passes agree with the plain API, every method", async (backend) => {
  await fc.assert(
    fc.asyncProperty(
      gradsArb(1, 5, lengthArb),
      // The methods that need more than the Gramian run on the host: tests/tfjs/vectors_test.ts.
      fc.constantFrom(...METHODS.filter((m: Method) => registry[m].kind !== "vectors")),
      fc.integer(),
      async (rows, method, seed) => {
        const required = testOptionsFor(method, rows.length);
        if (required === null) return; // Krum on fewer than three tasks
        const tensors = rows.map((r) => tf.tensor1d(r));
        const before = tf.memory().numTensors;
        const options = resolveOptions({ method, seed, ...required }, "test");
        const { update, stats } = await driveAsync(
          surgeryStep(tensors, options, new StepState(seed), "run surgery", undefined, opsPasses),
        );
        const got = await values(update as tf.Tensor);
        tf.dispose(update as tf.Tensor);
        assert.equal(tf.memory().numTensors, before);
        tf.dispose(tensors);
        const plain = plainCreate({ method, seed, ...required });
        const want = plain.surgery(rows);
        if (registry[method].kind === "elementwise") {
          // The method's own kernel on the host: the plain API's bits.
          got.forEach((v, k) => assert.equal(v, want[k]));
          return;
        }
        assert.equal(stats.kernel, "tfjs-ops");
        const scale = options.reduction === "mean" ? 1 / rows.length : 1;
        checkStages(rows, got, stats.gramian, stats.weights, scale);
      },
    ),
    { numRuns: backend === "webgpu" ? 25 : 80 },
  );
});
