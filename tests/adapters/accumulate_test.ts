// The plain API's gradient accumulation recipe (docs/api.md "Gradient accumulation"): each
// micro-batch's task gradients summed into a gradient buffer's rows, then one surgery, equals the
// surgery of the large batch's gradients; averaging per-micro-batch surgeries does not (PCGrad
// projects only where the gradients conflict, so it is not linear in them).

import assert from "node:assert/strict";
import { createGradientBuffer, createSurgery } from "../../mod.ts";

/** Micro-batch m's gradients of task t: per-example gradients e(t, i) summed over its examples. */
const example = (t: number, i: number) =>
  Float32Array.of(t === 0 ? 1 + i : -1 - 0.5 * i, i % 2 === 0 ? 1 : -2, t === 0 ? -i : i / 2);

Deno.test("summing micro-batch gradients into a buffer, then one surgery, is the large batch's", () => {
  const batches = [[0, 1], [2, 3], [4, 5]];
  const buffer = createGradientBuffer(2, 3);
  const pcgrad = createSurgery({ seed: 3 });
  for (const batch of batches) {
    for (const [t, row] of buffer.rows.entries()) {
      for (const i of batch) example(t, i).forEach((x, k) => (row[k] += x));
    }
  }
  const accumulated = pcgrad.surgery(buffer.rows, { out: buffer.output });
  const large = [0, 1].map((t) => {
    const g = new Float32Array(3);
    for (const i of batches.flat()) example(t, i).forEach((x, k) => (g[k] += x));
    return g;
  });
  assert.deepEqual(Array.from(accumulated), Array.from(createSurgery({ seed: 3 }).surgery(large)));
  assert.deepEqual(pcgrad.stats?.conflicts, [[0, 1]]);

  // Surgery per micro-batch, summed: another update, since PCGrad is nonlinear.
  const perBatch = createSurgery({ seed: 3 });
  const summed = new Float32Array(3);
  for (const batch of batches) {
    const grads = [0, 1].map((t) => {
      const g = new Float32Array(3);
      for (const i of batch) example(t, i).forEach((x, k) => (g[k] += x));
      return g;
    });
    perBatch.surgery(grads).forEach((x, k) => (summed[k] += x));
  }
  assert.ok(summed.some((x, k) => Math.abs(x - accumulated[k]) > 1e-3));
});
