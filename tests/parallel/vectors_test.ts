// The methods that need more than the Gramian in a parallel surgery: they run their whole step on
// the calling thread (their d-sized state and passes), so each step is bitwise the plain
// createSurgery's, checkpoints carry over between the two, and batches reach them.

import assert from "node:assert/strict";
import { createSurgery, sharedFloat32Array } from "../../mod.ts";
import { makeGrads } from "../../bench/inputs.ts";
import { d, T } from "./_fixtures.ts";
import { withParallel } from "./_with_parallel.ts";

Deno.test("parallel: db-mtl and sdmgrad step on the calling thread, bitwise as createSurgery", async () => {
  const grads = makeGrads(T, d, sharedFloat32Array);
  const batches = [makeGrads(T, d), makeGrads(T, d).map((g) => g.map((x) => -0.5 * x))];
  const losses = Array.from({ length: T }, (_, t) => 1 + t);
  for (const method of ["db-mtl", "sdmgrad"] as const) {
    const call = method === "db-mtl" ? { losses } : { batches };
    const single = createSurgery({ method });
    await withParallel({ threads: 2, method }, async (p) => {
      for (let step = 0; step < 2; step++) {
        assert.deepEqual(await p.surgery(grads, call), single.surgery(grads, call), method);
        assert.deepEqual(p.stats, single.stats);
      }
      // A checkpoint of one resumes in the other.
      const resumed = createSurgery({ method });
      resumed.setState(JSON.stringify(p.getState()));
      assert.deepEqual(resumed.surgery(grads, call), await p.surgery(grads, call));
    });
  }
});

Deno.test("parallel: batches are refused on the threaded path of the other methods", async () => {
  const grads = makeGrads(T, d);
  await withParallel({ threads: 2 }, async (p) => {
    await assert.rejects(() => p.surgery(grads, { batches: [grads, grads] }), {
      name: "RangeError",
      message:
        `Cannot run surgery: batches apply to method "sdmgrad" or "modo", found method "pcgrad"`,
    });
  });
});
