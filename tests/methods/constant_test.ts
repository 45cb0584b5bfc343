// Constant weights: TorchJD's documented example, linearity in the gradients, independence from
// the Gramian, and the per-task check.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery } from "../../mod.ts";
import { constantWeights } from "../../methods/constant.ts";
import { close, combine } from "./_gram.ts";

const ACTION = "run surgery";

Deno.test("constant golden: TorchJD's example, weights (1, 2) on [[−4, 1, 1], [6, 1, 1]] give (8, 3, 3)", () => {
  const J = [[-4, 1, 1], [6, 1, 1]];
  assert.deepEqual(combine(J, constantWeights(2, [1, 2], ACTION)), [8, 3, 3]);
});

Deno.test("constant: the update is linear in the gradients (the weights never look at them)", () => {
  const rowsArb = (T: number) =>
    fc.array(fc.array(fc.integer({ min: -64, max: 64 }), { minLength: 4, maxLength: 4 }), {
      minLength: T,
      maxLength: T,
    });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }).chain((T) =>
        fc.tuple(
          rowsArb(T),
          rowsArb(T),
          fc.array(fc.integer({ min: -8, max: 8 }), { minLength: T, maxLength: T }),
          fc.integer({ min: -4, max: 4 }),
        )
      ),
      ([A, B, weights, s]) => {
        const w = constantWeights(A.length, weights, ACTION);
        const sum = A.map((row, t) => row.map((x, k) => s * x + B[t][k]));
        const expected = combine(A, w).map((x, k) => s * x + combine(B, w)[k]);
        close(combine(sum, w), expected, 0);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("constant: returns a copy; any real weights (negative, zero) are kept; T = 1", () => {
  const weights = [0.5, -2, 0];
  const w = constantWeights(3, weights, ACTION);
  assert.deepEqual(Array.from(w), [0.5, -2, 0]);
  w[0] = 9;
  assert.deepEqual(weights, [0.5, -2, 0]);
  assert.deepEqual(Array.from(constantWeights(1, [3], ACTION)), [3]);
});

Deno.test("constant: weights of the wrong length or non-finite are a RangeError naming them", () => {
  assert.throws(
    () => constantWeights(3, [1, 2], ACTION),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot run surgery: weights has 2 entries, expected 3 (one per task)",
  );
  assert.throws(
    () => constantWeights(2, [1, -Infinity], ACTION),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot run surgery: weights[1] must be a finite number, found -Infinity",
  );
  assert.throws(() => constantWeights(1, [NaN], ACTION), RangeError);
});

// Through the public API.

Deno.test("constant public API: TorchJD's example through surgery(), and its weights in the stats", () => {
  const grads = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  assert.deepEqual(Array.from(surgery(grads, { method: "constant", weights: [1, 2] })), [8, 3, 3]);
  const s = createSurgery({ method: "constant", weights: [1, 2] });
  s.surgery(grads);
  assert.deepEqual(s.stats!.weights, [1, 2]);
  // The "mean" reduction divides by T, as for every method.
  assert.deepEqual(
    Array.from(surgery(grads, { method: "constant", weights: [1, 2], reduction: "mean" })),
    [4, 1.5, 1.5],
  );
});

Deno.test("constant public API: option errors name the option, the method and the value", () => {
  const g = [new Float32Array([1, 0]), new Float32Array([0, 1])];
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { method: "constant" },
      "TypeError",
      'Cannot run surgery: method "constant" needs option weights (one finite number per task), found undefined',
    ],
    [
      { method: "constant", weights: [1, 2, 3] },
      "RangeError",
      "Cannot run surgery: weights has 3 entries, expected 2 (one per task)",
    ],
    [
      { method: "constant", weights: [1, NaN] },
      "RangeError",
      "Cannot run surgery: weights[1] must be a finite number, found number NaN",
    ],
    [
      { method: "constant", weights: 1 },
      "TypeError",
      "Cannot run surgery: weights must be an array of numbers (one per task), found number 1",
    ],
    [
      { method: "upgrad", weights: [1, 1] },
      "RangeError",
      'Cannot run surgery: option weights applies to method "constant", found method "upgrad"',
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => surgery(g, options), { name, message }, JSON.stringify(options));
  }
});
