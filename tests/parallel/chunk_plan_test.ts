import assert from "node:assert/strict";
import fc from "fast-check";
import { CHUNKS_PER_THREAD } from "../../parallel/_protocol.ts";
import { planChunks, STAGE_MAX_BYTES } from "../../parallel/chunk_plan.ts";
import { sliceBounds } from "../../parallel/shared_memory.ts";

Deno.test("planChunks: shared rows and output — every thread owns an equal run, may take any", () => {
  const plan = planChunks(1e7, 8, 3, true, true);
  assert.deepEqual(plan.bounds, sliceBounds(1e7, 3 * CHUNKS_PER_THREAD));
  assert.deepEqual(plan.queues, [[0, 16], [16, 32], [32, 48]]);
  assert.equal(plan.from, plan.bounds[16]);
  assert.deepEqual(plan.workersTakeMain, { gram: true, combine: true });
});

Deno.test("planChunks: staging stays within STAGE_MAX_BYTES; the calling thread owns the rest", () => {
  // plain rows and out at T = 8, d = 1e7: 36 bytes a column, so 12 MiB holds 349 525 columns
  const plan = planChunks(1e7, 8, 2, false, false);
  const staged = (1e7 - plan.from) * 36;
  assert.ok(staged <= STAGE_MAX_BYTES, `${staged} bytes staged`);
  assert.deepEqual(plan.queues, [[0, 31], [31, 32]]); // one chunk of 312 500 columns fits
  assert.deepEqual(plan.workersTakeMain, { gram: false, combine: false });
  // shared rows, plain out: only the output is staged
  const outOnly = planChunks(1e7, 8, 2, true, false);
  assert.deepEqual(outOnly.queues, [[0, 22], [22, 32]]);
  assert.deepEqual(outOnly.workersTakeMain, { gram: true, combine: false });
});

Deno.test("planChunks: property — chunks cover 0..d once, queues partition them, staging bounded", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3e8 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 2, max: 16 }),
      fc.boolean(),
      fc.boolean(),
      (d, T, threads, rowsShared, outShared) => {
        const plan = planChunks(d, T, threads, rowsShared, outShared);
        const K = threads * CHUNKS_PER_THREAD;
        assert.equal(plan.bounds.length, K + 1);
        assert.equal(plan.bounds[0], 0);
        assert.equal(plan.bounds[K], d);
        assert.equal(plan.queues.length, threads);
        let next = 0;
        for (const [first, end] of plan.queues) {
          assert.equal(first, next);
          assert.ok(end >= first);
          next = end;
        }
        assert.equal(next, K);
        const perColumn = (rowsShared ? 0 : 4 * T) + (outShared ? 0 : 4);
        assert.ok((d - plan.from) * perColumn <= STAGE_MAX_BYTES);
        assert.equal(plan.from, plan.bounds[plan.queues[0][1]]);
      },
    ),
  );
});
