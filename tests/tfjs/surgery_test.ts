// The tf.js surgery against the plain API on every backend (cpu, wasm, webgpu): same updates, same
// stats, same stream, every method; shared vs task-specific variables (Yu et al. 2020, Appendix C).

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { createSurgery, surgery, surgeryAsync } from "../../adapters/tfjs.ts";
import { createSurgery as plainCreate, surgery as plainSurgery } from "../../mod.ts";
import { resolveOptions } from "../../methods/options.ts";
import { registry } from "../../methods/registry.ts";
import { type Method, METHODS } from "../../vocabulary/methods.ts";
import { gradsArb } from "../_arbitraries.ts";
import { testOptionsFor } from "../_method_options.ts";
import { type BackendName, testEachBackend, values } from "./_backends.ts";
import { checkStages } from "./_check.ts";

/**
 * Every method that weights the Gramian (GradDrop, elementwise, and the methods that need more
 * than the Gramian have their own tests: tests/tfjs/vectors_test.ts).
 */
const WEIGHTED: Method[] = METHODS.filter((m) => registry[m].kind === "gram");

/** Lengths that hit the SIMD tails, the WGSL chunk edge (256) and a few chunks. */
const lengthArb = fc.constantFrom(0, 1, 3, 4, 7, 31, 255, 256, 257, 1000);

/** One step on `backend` against the plain API; leaves no tensor behind. */
async function checkAgainstPlain(
  backend: BackendName,
  rows: Float32Array[],
  options: { method: Method; seed: number } & Record<string, unknown>,
): Promise<void> {
  const tensors = rows.map((r) => tf.tensor1d(r));
  const before = tf.memory().numTensors;
  const s = createSurgery(options);
  const out = backend === "webgpu" ? await s.surgeryAsync(tensors) : s.surgery(tensors);
  const got = await values(out);
  out.dispose();
  tf.dispose(tensors);
  assert.equal(tf.memory().numTensors, before - rows.length, "every intermediate disposed");
  const plain = plainCreate(options);
  const want = plain.surgery(rows);
  if (backend === "webgpu") {
    const scale = resolveOptions(options, "test").reduction === "mean" ? 1 / rows.length : 1;
    checkStages(rows, got, s.stats!.gramian, s.stats!.weights, scale);
    assert.equal(s.stats!.kernel, "tfjs-webgpu-wgsl");
  } else {
    assert.deepEqual(got, want);
    assert.deepEqual({ ...s.stats, kernel: "" }, { ...plain.stats, kernel: "" });
  }
}

testEachBackend("one tensor per task: every method agrees with the plain API", async (backend) => {
  await fc.assert(
    fc.asyncProperty(
      gradsArb(1, 6, lengthArb),
      fc.constantFrom(...WEIGHTED),
      fc.integer(),
      async (rows, method, seed) => {
        const required = testOptionsFor(method, rows.length);
        if (required === null) return; // Krum on fewer than three tasks
        await checkAgainstPlain(backend, rows, { method, seed, ...required });
      },
    ),
    { numRuns: backend === "webgpu" ? 40 : 120 },
  );
});

/** Runs one step on any backend (the async form where sync reads do not exist). */
async function step<G extends tf.Tensor[] | tf.NamedTensorMap[]>(
  backend: BackendName,
  grads: G,
  options?: Parameters<typeof surgery>[1],
): Promise<G extends tf.Tensor[] ? tf.Tensor : tf.NamedTensorMap> {
  // deno-lint-ignore no-explicit-any
  const run = (backend === "webgpu" ? surgeryAsync : surgery) as any;
  return await run(grads, options);
}

testEachBackend(
  "maps: shared variables combine as one vector, task-specific ones pass through",
  async (backend) => {
    // Task 0: a, b, h0; task 1: a, b; task 2: a, h2. Shared: a (3 tasks), b (2 tasks, zero for task 2).
    const a = [[1, -2, 0.5, 3], [-1, 1, 2, 0], [0.5, 0.5, -3, 1]];
    const b = [[2, 1, -1], [-3, 0.5, 1]];
    const maps: tf.NamedTensorMap[] = [
      { a: tf.tensor2d(a[0], [2, 2]), b: tf.tensor1d(b[0]), h0: tf.tensor1d([7, 8]) },
      { a: tf.tensor2d(a[1], [2, 2]), b: tf.tensor1d(b[1]) },
      { h2: tf.scalar(9), a: tf.tensor2d(a[2], [2, 2]) },
    ];
    const before = tf.memory().numTensors;
    const update = await step(backend, maps, { seed: 5 });
    assert.deepEqual(Object.keys(update).sort(), ["a", "b", "h0", "h2"]);
    const rows = [[...a[0], ...b[0]], [...a[1], ...b[1]], [...a[2], 0, 0, 0]].map((r) =>
      Float32Array.from(r)
    );
    const want = plainSurgery(rows, { seed: 5 });
    const got = Float32Array.from([...(await values(update.a)), ...(await values(update.b))]);
    assert.ok(got.every((v, k) => Math.abs(v - want[k]) <= 1e-5 * 8), `${got} vs ${want}`);
    assert.deepEqual(update.a.shape, [2, 2]);
    assert.deepEqual(Array.from(await values(update.h0)), [7, 8]);
    assert.deepEqual(Array.from(await values(update.h2)), [9]);
    assert.ok(update.h0 !== maps[0].h0, "a task-specific update is a new tensor (a clone)");
    tf.dispose(update);
    assert.equal(tf.memory().numTensors, before, "every intermediate disposed");
    assert.ok(
      maps.every((m) => Object.values(m).every((x) => !x.isDisposed)),
      "inputs not disposed",
    );
    assert.deepEqual(Array.from(await values(maps[0].h0)), [7, 8]);
    tf.dispose(maps);
  },
);

testEachBackend(
  "the stream advances like the plain createSurgery, stats included",
  async (backend) => {
    const rows = Array.from(
      { length: 5 },
      (_, t) => Float32Array.from([t - 2, 1, ((t * 7) % 3) - 1, -t]),
    );
    const tensors = rows.map((r) => tf.tensor1d(r));
    const ours = createSurgery({ seed: 11 });
    const plain = plainCreate({ seed: 11 });
    for (let k = 0; k < 4; k++) {
      const out = backend === "webgpu" ? await ours.surgeryAsync(tensors) : ours.surgery(tensors);
      const want = plain.surgery(rows);
      const got = await values(out);
      out.dispose();
      assert.deepEqual(ours.stats!.orders, plain.stats!.orders);
      assert.deepEqual(ours.stats!.conflicts, plain.stats!.conflicts);
      assert.ok(got.every((v, i) => Math.abs(v - want[i]) < 1e-5 * 20));
    }
    ours.reset();
    assert.equal(ours.stats, null);
    tf.dispose(tensors);
  },
);

testEachBackend(
  "values whose float32 squares overflow: G is redone in float64, like the plain API",
  async (backend) => {
    const rows = [Float32Array.from([3e19, -1, 2]), Float32Array.from([-2e19, 4, 1])];
    const tensors = rows.map((r) => tf.tensor1d(r));
    const out = await step(backend, tensors);
    const want = plainSurgery(rows);
    const got = await values(out);
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 1e-6 * 3e19, `${v} vs ${want[k]}`));
    tf.dispose([out, ...tensors]);
  },
);

testEachBackend(
  "non-finite values: RangeError naming the task, variable and index; nothing leaks",
  async (backend) => {
    const maps = [
      { w: tf.tensor1d([1, 2, 3]), v: tf.tensor1d([1]) },
      { w: tf.tensor1d([1, NaN, 3]), v: tf.tensor1d([2]) },
    ];
    const before = tf.memory().numTensors;
    await assert.rejects(
      step(backend, maps),
      new RangeError(
        'Cannot run surgery: task 1\'s gradient for "w" has a non-finite value at index 1: NaN',
      ),
    );
    const tensors = [tf.tensor1d([1, 2]), tf.tensor1d([Infinity, 0])];
    await assert.rejects(
      step(backend, tensors),
      new RangeError("Cannot run surgery: task 1 has a non-finite value at index 0: Infinity"),
    );
    assert.equal(tf.memory().numTensors, before + 2);
    tf.dispose([...maps, ...tensors]);
  },
);

testEachBackend(
  "bad input: TypeError or RangeError naming the parameter and the value",
  async (backend) => {
    const x = tf.tensor1d([1, 2]);
    const y = tf.tensor1d([1, 2, 3]);
    const ints = tf.tensor1d([1, 2], "int32");
    const gone = tf.tensor1d([1, 2]);
    gone.dispose();
    const cases: [unknown, unknown, Error][] = [
      [
        x,
        undefined,
        new TypeError(
          "Cannot run surgery: grads must be an array (one tf.Tensor or NamedTensorMap per task), found Tensor",
        ),
      ],
      [
        [],
        undefined,
        new RangeError("Cannot run surgery: grads must hold at least one task, found 0 tasks"),
      ],
      [[x, y], undefined, new TypeError("Cannot run surgery: task 1 has shape [3], expected [2]")],
      [
        [x, { w: x }],
        undefined,
        new TypeError("Cannot run surgery: task 1 must be a tf.Tensor like task 0, found Object"),
      ],
      [
        [{ w: x }, x],
        undefined,
        new TypeError(
          "Cannot run surgery: task 1 must be a NamedTensorMap like task 0, found Tensor",
        ),
      ],
      [
        [{ w: x }, { w: y }],
        undefined,
        new TypeError(
          "Cannot run surgery: task 1's gradient for \"w\" has shape [3], but task 0's has shape [2]",
        ),
      ],
      [
        [{ w: x }, { w: [1, 2] }],
        undefined,
        new TypeError(
          'Cannot run surgery: task 1\'s gradient for "w" must be a tf.Tensor, found an array of length 2',
        ),
      ],
      [
        [x, ints],
        undefined,
        new TypeError("Cannot run surgery: task 1's gradient must have dtype float32, found int32"),
      ],
      [[x, gone], undefined, new TypeError("Cannot run surgery: task 1's gradient is disposed")],
      [
        [x, x],
        { method: "nope" },
        new RangeError(
          "Cannot run surgery: method must be one of " + METHODS.map((m) => `"${m}"`).join(", ") +
            ', found string "nope"',
        ),
      ],
      [
        [x, x],
        { seed: NaN },
        new RangeError("Cannot run surgery: seed must be a finite number, found number NaN"),
      ],
    ];
    const before = tf.memory().numTensors;
    for (const [grads, options, error] of cases) {
      await assert.rejects(step(backend, grads as tf.Tensor[], options as undefined), error);
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y, ints]);
  },
);

testEachBackend("T = 1 and empty variables", async (backend) => {
  const one = await step(backend, [tf.tensor1d([3, -4])]);
  assert.deepEqual(Array.from(await values(one)), [3, -4]);
  const empty = await step(backend, [{ e: tf.tensor1d([]) }, { e: tf.tensor1d([]) }]);
  assert.deepEqual(empty.e.shape, [0]);
  tf.dispose([one, empty]);
});

testEachBackend(
  "GradDrop: elementwise over the shared variables as one vector, like the plain API",
  async (backend) => {
    // Task 2 has no "b": zeros there. Leak per task and both reductions.
    const r = [rowsOf(0, 700), rowsOf(1, 700), rowsOf(2, 700)];
    const maps = r.map((row, t) => {
      const m: tf.NamedTensorMap = { a: tf.tensor2d(row.subarray(0, 400), [20, 20]) };
      if (t < 2) m.b = tf.tensor1d(row.subarray(400));
      m[`head${t}`] = tf.tensor1d([t]);
      return m;
    });
    const flat = r.map((
      row,
      t,
    ) => (t < 2 ? row : Float32Array.from([...row.subarray(0, 400), ...new Float32Array(300)])));
    for (
      const options of [{ seed: 7 }, { seed: 8, leak: [0.25, 0, 1], reduction: "mean" as const }]
    ) {
      const ours = createSurgery({ method: "graddrop", ...options });
      const plain = plainCreate({ method: "graddrop", ...options });
      for (let k = 0; k < 2; k++) {
        const update = backend === "webgpu" ? await ours.surgeryAsync(maps) : ours.surgery(maps);
        const want = plain.surgery(flat);
        const got = Float32Array.from([...(await values(update.a)), ...(await values(update.b))]);
        const tolerance = backend === "webgpu" ? 1e-6 : 0; // the WASM kernel is the plain API's own
        got.forEach((v, i) =>
          assert.ok(Math.abs(v - want[i]) <= tolerance * 4, `[${i}] ${v} vs ${want[i]}`)
        );
        assert.deepEqual(Array.from(await values(update.head1)), [1]);
        ours.stats!.gramian.forEach((row, i) =>
          row.forEach((g, j) => assert.ok(Math.abs(g - plain.stats!.gramian[i][j]) < 1e-3))
        );
        assert.deepEqual(ours.stats!.weights, []);
        tf.dispose(update);
      }
    }
    tf.dispose(maps);
  },
);

testEachBackend(
  "trimmed mean: elementwise over the shared variables, a missing variable as zeros, like the plain API",
  async (backend) => {
    // Task 2 has no "b": its zeros are sorted with the others there. Both reductions.
    const r = [0, 1, 2, 3, 4].map((t) => rowsOf(t, 703));
    const maps = r.map((row, t) => {
      const m: tf.NamedTensorMap = { a: tf.tensor2d(row.subarray(0, 400), [20, 20]) };
      if (t !== 2) m.b = tf.tensor1d(row.subarray(400));
      m[`head${t}`] = tf.tensor1d([t]);
      return m;
    });
    const flat = r.map((row, t) =>
      t !== 2 ? row : Float32Array.from([...row.subarray(0, 400), ...new Float32Array(303)])
    );
    for (const options of [{ trim: 1 }, { trim: 2, reduction: "mean" as const }, { trim: 0 }]) {
      const ours = createSurgery({ method: "trimmed-mean", ...options });
      const update = backend === "webgpu" ? await ours.surgeryAsync(maps) : ours.surgery(maps);
      const want = plainSurgery(flat, { method: "trimmed-mean", ...options });
      const got = Float32Array.from([...(await values(update.a)), ...(await values(update.b))]);
      // Every backend runs the method's own kernel on the host: the plain API's bits.
      assert.deepEqual(got, want, JSON.stringify(options));
      assert.deepEqual(Array.from(await values(update.head4)), [4]);
      assert.deepEqual(ours.stats!.weights, []);
      tf.dispose(update);
    }
    await assert.rejects(step(backend, maps.map((m) => m.a), { method: "trimmed-mean", trim: 3 }), {
      name: "RangeError",
      message:
        "Cannot run surgery: trim must be below half the number of tasks 5 (T > 2·trim), found 3",
    });
    tf.dispose(maps);
  },
);

testEachBackend(
  "losses reach MGDA's loss normalisation, as numbers or as a tensor",
  async (backend) => {
    const rows = [Float32Array.from([1, 2, -1]), Float32Array.from([-2, 1, 0.5])];
    const tensors = rows.map((r) => tf.tensor1d(r));
    const lossTensor = tf.tensor1d([0.5, 2]);
    const options = { method: "mgda" as const, normalization: "loss+" as const };
    const want = plainSurgery(rows, { ...options, losses: [0.5, 2] });
    for (const losses of [[0.5, 2], lossTensor]) {
      const out = await step(backend, tensors, { ...options, losses });
      const got = await values(out);
      got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-5, `${v} vs ${want[k]}`));
      out.dispose();
    }
    await assert.rejects(
      step(backend, tensors, options),
      /normalization "loss\+" needs the task losses/,
    );
    assert.ok(!lossTensor.isDisposed, "the losses tensor is the caller's");
    tf.dispose([lossTensor, ...tensors]);
  },
);

/** Deterministic values for task t. */
function rowsOf(t: number, n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, k) => Math.sin((k + 1) * (t + 1) * 1.37) * (t + 1) - 0.2 * t,
  );
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};
const len = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

testEachBackend(
  "variants: norms from the vectors (near-opposite tasks, tiny and huge values) as in the plain API",
  async (backend) => {
    const x = (k: number) => Math.sin(k + 1);
    for (const scale of [1, 1e-25, 1e36]) {
      const rows = [
        Float32Array.from({ length: 300 }, (_, k) => scale * x(k)),
        Float32Array.from({ length: 300 }, (_, k) => scale * (x(k) + 1e-4 * Math.cos(3 * k))),
        Float32Array.from({ length: 300 }, (_, k) => scale * (-x(k) + 1e-4 * Math.sin(7 * k))),
      ];
      // Two variables: the norms span both.
      const maps = rows.map((r) => ({
        a: tf.tensor1d(r.subarray(0, 100)),
        b: tf.tensor1d(r.subarray(100)),
      }));
      for (const variant of ["direction", "magnitude"] as const) {
        const options = { variant, order: [[1, 2], [0, 2], [0, 1]] };
        const out = await step(backend, maps, options);
        const got = [...(await values(out.a)), ...(await values(out.b))];
        const want = plainSurgery(rows, options);
        const label = `${backend} ${variant} scale ${scale}`;
        // The weights come from each engine's own float32 Gramian, which cancellation amplifies;
        // the variant's defining length and direction hold to float32 rounding all the same.
        const sum = rows[0].map((_, k) => rows[0][k] + rows[1][k] + rows[2][k]);
        const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => dot(a, b) / (len(a) * len(b));
        if (variant === "direction") {
          assert.ok(Math.abs(len(got) / len(sum) - 1) < 1e-5, `${label} length`);
          assert.ok(cos(got, want) > 1 - 1e-5, `${label} direction ${cos(got, want)}`);
        } else {
          assert.ok(cos(got, sum) > 1 - 1e-6, `${label} direction`);
          assert.ok(Math.abs(len(got) / len(want) - 1) < 1e-2, `${label} length`);
        }
        tf.dispose(out);
      }
      tf.dispose(maps);
    }
  },
);

testEachBackend(
  "an update beyond float32 is a RangeError naming the variable and index; nothing leaks",
  async (backend) => {
    const maps = [
      { w: tf.tensor1d([1, 2, 3e38]), v: tf.tensor1d([1]) },
      { w: tf.tensor1d([1, 2, 3e38]), v: tf.tensor1d([2]) },
    ];
    const before = tf.memory().numTensors;
    for (const variant of ["full", "direction"] as const) {
      await assert.rejects(step(backend, maps, { variant }), (e) =>
        e instanceof RangeError &&
        e.message.startsWith('Cannot run surgery: the update overflows float32 at index 2 of "w"'));
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(maps);
  },
);
