// Coordinate-wise trimmed mean (the TypeScript reference kernel): TorchJD's documented example,
// the plain mean at trim 0, the median, permutation invariance, robustness to `trim` outliers,
// float32 rounding, signed zeros, and the trim check.

import assert from "node:assert/strict";
import fc from "fast-check";
import { trimmedMeanReference } from "../../core/trimmed_mean_reference.ts";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";

const f32 = (rows: number[][]) => rows.map((r) => Float32Array.from(r));
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer));

function run64(rows: number[][], trim: number): number[] {
  const out = new Float64Array(rows[0].length);
  trimmedMeanReference(rows, trim, out);
  return Array.from(out);
}

function run32(rows: Float32Array[], trim: number): Float32Array {
  const out = new Float32Array(rows[0].length);
  trimmedMeanReference(rows, trim, out);
  return out;
}

/** T rows of length d (T in [minT, maxT]), float32-exact values on widely different scales. */
const rowsArb = (minT = 1, maxT = 9, maxD = 12) =>
  fc.tuple(fc.integer({ min: minT, max: maxT }), fc.integer({ min: 1, max: maxD })).chain((
    [T, d],
  ) =>
    fc.array(
      fc.array(
        fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(1, 1e-3, 1e3, 1e-20))
          .map(([k, s]) => Math.fround(k * s)),
        { minLength: d, maxLength: d },
      ),
      { minLength: T, maxLength: T },
    )
  );

Deno.test("trimmed-mean golden: TorchJD's example with trim 1 gives (1.5, 2.5)", () => {
  const J = [[1e11, 3], [1, -1e11], [-1e10, 1e10], [2, 2]];
  assert.deepEqual(run64(J, 1), [1.5, 2.5]);
  assert.deepEqual(Array.from(run32(f32(J), 1)), [1.5, 2.5]);
});

Deno.test("trimmed-mean by hand: T = 5, trim 2 is the median; trim 1 the mean of the middle three", () => {
  const J = [[5, -1], [1, -2], [4, 100], [2, -3], [3, 7]];
  assert.deepEqual(run64(J, 2), [3, -1]);
  assert.deepEqual(run64(J, 1), [3, 4 / 3]);
});

Deno.test("trimmed-mean: trim 0 is the plain mean", () => {
  fc.assert(
    fc.property(rowsArb(), (rows) => {
      const T = rows.length;
      const got = run64(rows, 0);
      got.forEach((x, k) => {
        let mean = 0;
        let size = 0;
        for (const r of rows) {
          mean += r[k] / T;
          size += Math.abs(r[k]);
        }
        assert.ok(Math.abs(x - mean) <= 1e-14 * size, `[${k}] ${x} vs ${mean}`);
      });
    }),
    { numRuns: 200 },
  );
});

Deno.test("trimmed-mean: permuting the tasks changes no bit (float32 and float64)", () => {
  fc.assert(
    fc.property(
      rowsArb(),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      (rows, t, seed) => {
        const trim = Math.min(t, (rows.length - 1) >> 1);
        const shuffled = rows.slice();
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        assert.deepEqual(run64(shuffled, trim), run64(rows, trim));
        assert.deepEqual(bits(run32(f32(shuffled), trim)), bits(run32(f32(rows), trim)));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("trimmed-mean: with up to `trim` arbitrary outlier rows, each coordinate stays within the honest range", () => {
  fc.assert(
    fc.property(
      rowsArb(1, 6),
      fc.integer({ min: 0, max: 3 }),
      fc.array(fc.constantFrom(1e30, -1e30, 3e38, -3e38, Infinity, -Infinity), {
        minLength: 36,
        maxLength: 36,
      }),
      (honest, extra, outliers) => {
        const d = honest[0].length;
        const trim = Math.min(extra, honest.length - 1);
        const bad = Array.from({ length: trim }, (_, i) => outliers.slice(i * 12, i * 12 + d));
        const rows = [...bad, ...honest];
        const got = run64(rows, trim);
        got.forEach((x, k) => {
          const column = honest.map((r) => r[k]);
          assert.ok(x >= Math.min(...column) && x <= Math.max(...column), `[${k}] ${x}`);
        });
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("trimmed-mean float32: within one rounding per addition of the exact trimmed mean", () => {
  fc.assert(
    fc.property(rowsArb(), fc.integer({ min: 0, max: 4 }), (rows, t) => {
      const T = rows.length;
      const trim = Math.min(t, (T - 1) >> 1);
      const got = run32(f32(rows), trim);
      for (let k = 0; k < got.length; k++) {
        const column = rows.map((r) => r[k]).sort((a, b) => a - b).slice(trim, T - trim);
        const exact = column.reduce((a, b) => a + b, 0) / column.length;
        const size = column.reduce((a, b) => a + Math.abs(b), 0) / column.length;
        assert.ok(Math.abs(got[k] - exact) <= T * 2 ** -23 * size, `[${k}] ${got[k]} vs ${exact}`);
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("trimmed-mean: −0 sorts before +0, and a sum of −0 stays −0", () => {
  assert.ok(Object.is(run64([[-0], [-0], [-0]], 1)[0], -0));
  assert.ok(Object.is(run32(f32([[-0], [0], [-0]]), 1)[0], -0)); // sorted −0, −0, +0: keeps −0
  assert.ok(Object.is(run32(f32([[0], [-0], [0]]), 1)[0], 0)); // sorted −0, +0, +0: keeps +0
});

Deno.test("trimmed-mean: the rows are not mutated; T = 1 returns the row", () => {
  const rows = f32([[3, 1, 2], [1, 2, 3], [2, 3, 1]]);
  const before = rows.map((r) => r.slice());
  run32(rows, 1);
  assert.deepEqual(rows, before);
  assert.deepEqual(run64([[1.5, -2]], 0), [1.5, -2]);
});

Deno.test("trimmed-mean: trim must be a whole number with T > 2·trim (RangeError naming trim)", () => {
  const rows = f32([[1], [2], [3], [4]]);
  const out = new Float32Array(1);
  const fails = (trim: number, message: string) =>
    assert.throws(
      () => trimmedMeanReference(rows, trim, out),
      (e: Error) => e instanceof RangeError && e.message === `Cannot run surgery: ${message}`,
    );
  fails(2, "trim must be below half the number of tasks 4 (T > 2·trim), found 2");
  fails(-1, "trim must be a whole number ≥ 0, found -1");
  fails(0.5, "trim must be a whole number ≥ 0, found 0.5");
  fails(NaN, "trim must be a whole number ≥ 0, found NaN");
  assert.throws(() => trimmedMeanReference([], 0, out, "aggregate"), /Cannot aggregate: trim/);
});

// Through the public API (the WASM kernel, or the reference where WebAssembly SIMD is missing).

Deno.test("trimmed-mean public API: TorchJD's example through surgery(); stats carry no weights", () => {
  const grads = f32([[1e11, 3], [1, -1e11], [-1e10, 1e10], [2, 2]]);
  assert.deepEqual(Array.from(surgery(grads, { method: "trimmed-mean", trim: 1 })), [1.5, 2.5]);
  const s = createSurgery({ method: "trimmed-mean", trim: 1 });
  s.surgery(grads);
  assert.deepEqual(s.stats!.weights, []);
  // The "mean" reduction divides by T, as for every method.
  assert.deepEqual(
    Array.from(surgery(grads, { method: "trimmed-mean", trim: 1, reduction: "mean" })),
    [1.5 / 4, 2.5 / 4],
  );
  // trim 0 on one task: the task itself.
  assert.deepEqual(
    Array.from(surgery(f32([[1, -2, 3]]), { method: "trimmed-mean", trim: 0 })),
    [1, -2, 3],
  );
});

Deno.test("trimmed-mean public API: the same bits as the reference, into a given out", () => {
  fc.assert(
    fc.property(rowsArb(1, 12, 40), fc.integer({ min: 0, max: 5 }), (rows, t) => {
      const trim = Math.min(t, (rows.length - 1) >> 1);
      const grads = f32(rows);
      const out = new Float32Array(grads[0].length);
      surgery(grads, { method: "trimmed-mean", trim, out });
      assert.deepEqual(bits(out), bits(run32(grads, trim)));
    }),
    { numRuns: 200 },
  );
});

Deno.test("trimmed-mean public API: option errors name the option, the method and the value", () => {
  const g = f32([[1, 0], [0, 1], [2, 2]]);
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { method: "trimmed-mean" },
      "TypeError",
      'Cannot run surgery: method "trimmed-mean" needs option trim (a whole number ≥ 0), found undefined',
    ],
    [
      { method: "trimmed-mean", trim: -1 },
      "RangeError",
      "Cannot run surgery: trim must be a whole number ≥ 0, found number -1",
    ],
    [
      { method: "trimmed-mean", trim: 2 },
      "RangeError",
      "Cannot run surgery: trim must be below half the number of tasks 3 (T > 2·trim), found 2",
    ],
    [
      { method: "trimmed-mean", trim: 1, variant: "direction" },
      "RangeError",
      'Cannot run surgery: variant must be "full" for the elementwise method "trimmed-mean", found "direction"',
    ],
    [
      { method: "graddrop", trim: 1 },
      "RangeError",
      'Cannot run surgery: option trim applies to method "trimmed-mean", found method "graddrop"',
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => surgery(g, options), { name, message }, JSON.stringify(options));
  }
  assert.throws(
    () => surgeryWeights(new Float64Array([1, 0, 0, 1]), { method: "trimmed-mean", trim: 0 }),
    {
      name: "RangeError",
      message:
        'Cannot compute weights: method "trimmed-mean" is elementwise and has no weights; run surgery() on the gradients',
    },
  );
});
