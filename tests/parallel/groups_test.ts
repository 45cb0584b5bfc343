// Grouped surgery on threads: createParallelSurgery({ groups }) runs each block as its own step
// (on the threads when the block is large enough) and matches createSurgery({ groups }) within
// float32 rounding, with the same per-group state, on plain, shared and gradient-buffer rows.
import assert from "node:assert/strict";
import { createGradientBuffer, createSurgery, sharedFloat32Array } from "../../mod.ts";
import { makeGrads } from "../../bench/inputs.ts";
import { d, maxRelDiff, T } from "./_fixtures.ts";
import { withParallel } from "./_with_parallel.ts";

/** A block large enough for the threads, a tiny one, and the rest (also above the threshold). */
const BOUNDS = [0, d, d + 3, 2 * d + 3];
const D = BOUNDS.at(-1)!;

Deno.test("parallel grouped gradvac matches createSurgery's groups step after step", async () => {
  const base = makeGrads(T, D, sharedFloat32Array);
  const buffer = createGradientBuffer(T, D, { shared: true });
  base.forEach((g, t) => buffer.rows[t].set(g));
  const options = { method: "gradvac", seed: 3, groups: BOUNDS } as const;
  const one = createSurgery(options);
  await withParallel({ ...options, threads: 2 }, async (p) => {
    for (let step = 0; step < 3; step++) {
      const rows = step === 1 ? buffer.rows : base;
      const out = step === 1 ? buffer.output : undefined;
      const update = await p.surgery(rows, { out });
      const expected = one.surgery(base);
      assert.ok(maxRelDiff(update, expected) < 1e-5, `step ${step}`);
      assert.equal(p.stats?.groups?.length, 3);
    }
    assert.deepEqual(Object.keys(p.getState().groups!), ["0", "1", "2"]);
  });
});

Deno.test("parallel grouped surgery: bad boundaries are errors", async () => {
  await withParallel({ threads: 1, groups: [0, 2, 4] }, async (p) => {
    await assert.rejects(
      () => p.surgery([Float32Array.of(1, 2, 3), Float32Array.of(0, 1, 0)]),
      /groups must end at the gradients' length 3, found groups\[2\] = 4/,
    );
  });
});

Deno.test("parallel groups: a method that takes extra batches gets them cut per group, as createSurgery", async () => {
  const bounds = [0, 3, 8];
  const row = (seed: number) => Float32Array.from({ length: 8 }, (_, k) => Math.sin(seed * 7 + k));
  const grads = [row(1), row(2)];
  const batches = [[row(3), row(4)], [row(5), row(6)]];
  await withParallel({ threads: 2, method: "sdmgrad", groups: bounds, seed: 3 }, async (p) => {
    const plain = createSurgery({ method: "sdmgrad", groups: bounds, seed: 3 });
    for (let step = 0; step < 2; step++) {
      assert.deepEqual(
        Array.from(await p.surgery(grads, { batches })),
        Array.from(plain.surgery(grads, { batches })),
        `step ${step}`,
      );
    }
  });
});
