// The parallel surgery against the single-threaded engine: same answer within float32 rounding,
// bitwise reproducible for a thread count, shared and plain memory alike, errors at the boundary,
// and no leaked workers (Deno's test sanitizers fail a test that leaves a worker running). Every
// step is raced against a time limit (_with_parallel.ts): a deadlock fails the test.

import assert from "node:assert/strict";
import {
  createGradientBuffer,
  createParallelSurgery,
  createSurgery,
  sharedFloat32Array,
} from "../../mod.ts";
import { d, maxRelDiff, T } from "./_fixtures.ts";
import { kernels } from "../../core/kernels.ts";
import { CHUNKS_PER_THREAD } from "../../parallel/_protocol.ts";
import { planChunks } from "../../parallel/chunk_plan.ts";
import { sliceBounds } from "../../parallel/shared_memory.ts";
import { makeGrads } from "../../bench/inputs.ts";
import { withParallel } from "./_with_parallel.ts";

Deno.test("parallel: equals the single-threaded surgery within float32 rounding, step after step", async () => {
  const plain = makeGrads(T, d);
  const shared = makeGrads(T, d, sharedFloat32Array);
  const single = createSurgery({ seed: 11 });
  for (const threads of [2, 3]) {
    await withParallel({ threads, seed: 11 }, async (p) => {
      assert.equal(p.threads, threads);
      single.reset();
      for (let s = 0; s < 3; s++) {
        const want = single.surgery(plain);
        const got = await p.surgery(s % 2 === 0 ? shared : plain);
        assert.ok(maxRelDiff(got, want) < 1e-5, `threads ${threads} step ${s}`);
        assert.deepEqual(p.stats!.orders, single.stats!.orders, "same stream");
      }
    });
  }
});

Deno.test("parallel: bitwise reproducible for a thread count, shared or plain input and out", async () => {
  const plain = makeGrads(T, d);
  const shared = makeGrads(T, d, sharedFloat32Array);
  const results: Float32Array[] = [];
  for (
    const [input, out] of [[plain, undefined], [shared, sharedFloat32Array(d)], [
      plain,
      new Float32Array(d),
    ]] as const
  ) {
    await withParallel({ threads: 2, seed: 4 }, async (p) => {
      results.push(await p.surgery(input, { out }));
    });
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});

Deno.test("parallel: rows in a shared gradient buffer, read in place by every thread", async () => {
  const plain = makeGrads(T, d);
  const buffer = createGradientBuffer(T, d, { shared: true });
  buffer.rows.forEach((row, t) => row.set(plain[t]));
  const single = createSurgery({ seed: 3 });
  for (const threads of [2, 3]) {
    await withParallel({ threads, seed: 3 }, async (p) => {
      single.reset();
      const outs = [buffer.output, new Float32Array(d), sharedFloat32Array(d), undefined];
      for (const [s, out] of outs.entries()) {
        const want = single.surgery(plain);
        const got = await p.surgery(buffer.rows, { out });
        if (out !== undefined) assert.equal(got, out);
        assert.ok(maxRelDiff(got, want) < 1e-5, `threads ${threads} step ${s}`);
        assert.deepEqual(p.stats!.orders, single.stats!.orders, "same stream");
      }
      // The same step again: the same bits, whichever thread took which chunk.
      const runs: Float32Array[] = [];
      for (let r = 0; r < 3; r++) {
        p.reset();
        runs.push((await p.surgery(buffer.rows)).slice());
      }
      assert.deepEqual(runs[1], runs[0]);
      assert.deepEqual(runs[2], runs[0]);
      plain.forEach((g, t) => assert.deepEqual(buffer.rows[t], g, "rows not mutated"));
    });
  }
});

Deno.test("parallel: workers rung between steps — same shape, new shape, asleep, after an error", async () => {
  // Steps of the same shape only ring the idle worker; a new shape (other buffers) sends it a
  // message; after a pause it is asleep in Atomics.wait and must be woken; a failed step (NaN)
  // sends it back to its event loop. Every update must still equal the single-threaded one.
  const a = makeGrads(T, d);
  const b = makeGrads(T, d, sharedFloat32Array);
  const bad = a.map((g) => g.slice());
  bad[2][d - 3] = NaN;
  const single = createSurgery({ seed: 8 });
  await withParallel({ threads: 2, seed: 8 }, async (p) => {
    const plan = [a, a, a, b, b, a, "pause", a, b, "pause", b, "bad", a, a] as const;
    for (const [s, item] of plan.entries()) {
      if (item === "pause") {
        await new Promise((resolve) => setTimeout(resolve, 30));
        continue;
      }
      if (item === "bad") {
        await assert.rejects(p.surgery(bad), /non-finite value/);
        continue;
      }
      const want = single.surgery(item);
      const got = await p.surgery(item);
      assert.ok(maxRelDiff(got, want) < 1e-5, `step ${s}`);
    }
  });
});

Deno.test("parallel: inputs are never mutated; out is filled and returned", async () => {
  const grads = makeGrads(T, d);
  const copies = grads.map((g) => g.slice());
  await withParallel({ threads: 2 }, async (p) => {
    const out = new Float32Array(d);
    assert.equal(await p.surgery(grads, { out }), out);
    grads.forEach((g, t) => assert.deepEqual(g, copies[t], `task ${t}`));
  });
});

Deno.test("parallel: staging capped — plain inputs too large to stage give the same bits", async () => {
  // T = 4, d = 1.5e6, plain rows and out: 20 bytes a column would be staged for the worker's half
  // (15 MB); the plan caps it, the calling thread takes the rest, and the chunk grid is unchanged.
  const [bigT, bigD] = [4, 1_500_000];
  const plan = planChunks(bigD, bigT, 2, false, false);
  assert.ok(plan.queues[1][1] - plan.queues[1][0] < CHUNKS_PER_THREAD, "the cap applies");
  const plain = makeGrads(bigT, bigD);
  const shared = makeGrads(bigT, bigD, sharedFloat32Array);
  await withParallel({ threads: 2, seed: 6 }, async (p) => {
    const a = await p.surgery(plain, { out: new Float32Array(bigD) });
    p.reset();
    const b = await p.surgery(shared);
    assert.deepEqual(a, b);
    const want = createSurgery({ seed: 6 }).surgery(plain);
    assert.ok(maxRelDiff(a, want) < 1e-5);
  });
});

Deno.test("parallel: small steps and the elementwise methods run on the calling thread with the same result", async () => {
  const grads = makeGrads(3, 1000);
  await withParallel({ threads: 2, seed: 5 }, async (p) => {
    assert.deepEqual(await p.surgery(grads), createSurgery({ seed: 5 }).surgery(grads));
  });
  await withParallel({ threads: 2, seed: 5, method: "graddrop" }, async (p) => {
    const big = makeGrads(T, d);
    const want = createSurgery({ seed: 5, method: "graddrop" }).surgery(big);
    assert.deepEqual(await p.surgery(big), want);
  });
  await withParallel({ threads: 2, method: "trimmed-mean", trim: 2 }, async (p) => {
    const big = makeGrads(T, d);
    const want = createSurgery({ method: "trimmed-mean", trim: 2 }).surgery(big);
    assert.deepEqual(await p.surgery(big), want);
    assert.equal(p.stats!.weights.length, 0);
  });
});

Deno.test("parallel: a bad value fails the step with the usual message, and the next step works", async () => {
  const grads = makeGrads(T, d);
  const bad = grads.map((g) => g.slice());
  bad[3][d - 2] = NaN; // in the last worker's slice
  await withParallel({ threads: 2 }, async (p) => {
    await assert.rejects(p.surgery(bad), {
      name: "RangeError",
      message: `Cannot run surgery: task 3 has a non-finite value at index ${d - 2}: NaN`,
    });
    const ok = await p.surgery(grads);
    assert.ok(ok.every(Number.isFinite));
  });
});

Deno.test("parallel: a step failing on the calling thread before the weights frees the workers", async () => {
  // A kernel error on this thread mid-Gram, after the workers got the step: they wait for the
  // weights, and must be told the step is off, or the next step waits for them forever.
  const grads = makeGrads(T, d);
  await withParallel({ threads: 2, seed: 2 }, async (p) => {
    const gram = kernels.gram;
    kernels.gram = () => {
      throw new Error("injected kernel failure");
    };
    try {
      await assert.rejects(p.surgery(grads), { message: "injected kernel failure" });
    } finally {
      kernels.gram = gram;
    }
    const want = createSurgery({ seed: 2 }).surgery(grads);
    assert.ok(maxRelDiff(await p.surgery(grads), want) < 1e-5);
  });
});

Deno.test("parallel: bad thread counts, bad inputs, closed surgeries", async () => {
  for (const threads of [0, -1, 1.5, NaN, "2", 257]) {
    await assert.rejects(createParallelSurgery({ threads } as never), {
      name: "RangeError",
      message: new RegExp(
        `^Cannot create parallel surgery: threads must be an integer from 1 to 256, found ` +
          `(number|string)`,
      ),
    });
  }
  await assert.rejects(createParallelSurgery({ method: "nope" } as never), RangeError);
  await withParallel({ threads: 2 }, async (p) => {
    await assert.rejects(p.surgery("x" as never), TypeError);
    await assert.rejects(
      p.surgery([new Float32Array(3), new Float32Array(4)]),
      { name: "RangeError", message: "Cannot run surgery: task 1 has length 4, expected 3" },
    );
    await assert.rejects(
      p.surgery([new Float32Array(2)], { out: new Float32Array(3) }),
      RangeError,
    );
  });
  const p = await createParallelSurgery({ threads: 2 });
  p.close();
  await assert.rejects(p.surgery([new Float32Array(2)]), {
    message: "Cannot run surgery: this parallel surgery is closed",
  });
});

Deno.test("parallel: one thread runs without workers, same bits as createSurgery", async () => {
  const grads = makeGrads(T, d);
  await withParallel({ threads: 1, seed: 9 }, async (p) => {
    assert.equal(p.threads, 1);
    assert.deepEqual(await p.surgery(grads), createSurgery({ seed: 9 }).surgery(grads));
  });
});

Deno.test("sliceBounds: ascending, aligned, covering 0..d, fixed by d and the thread count", () => {
  for (const dd of [0, 1, 15, 16, 17, 1000, 1_000_003]) {
    for (const parts of [1, 2, 3, 8]) {
      const b = sliceBounds(dd, parts);
      assert.equal(b.length, parts + 1);
      assert.equal(b[0], 0);
      assert.equal(b[parts], dd);
      for (let p = 1; p <= parts; p++) assert.ok(b[p] >= b[p - 1]);
      for (let p = 1; p < parts; p++) assert.ok(b[p] % 16 === 0 || b[p] === dd);
    }
  }
});

Deno.test("sharedFloat32Array: zero-filled, on shared memory, length checked", () => {
  const a = sharedFloat32Array(5);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(Array.from(a), [0, 0, 0, 0, 0]);
  assert.throws(() => sharedFloat32Array(-1), RangeError);
});
