// Gradient buffers (core/gradient_buffer.ts): an in-place call is deterministic, never writes its
// inputs, and writes the output row only when it is passed as `out`.

import assert from "node:assert/strict";
import { accumulateGram, combineBlock, createSurgery, surgery } from "../../mod.ts";
import { copyAll } from "../_arbitraries.ts";
import { assertClose, filledBuffer, SAME, someWeights } from "./_gradient_buffer.ts";

Deno.test("determinism: the same in-place call twice gives bitwise identical output", () => {
  for (const [T, d] of [[5, 40_003], [9, 1003], [2, 9]]) {
    const buffer = filledBuffer(T, d, T * d);
    const w = someWeights(T, d);
    assert.deepEqual(surgery(buffer.rows, { seed: 3 }), surgery(buffer.rows, { seed: 3 }));
    assert.deepEqual(accumulateGram(buffer.rows), accumulateGram(buffer.rows));
    assert.deepEqual(combineBlock(buffer.rows, w), combineBlock(buffer.rows, w));
    surgery(buffer.rows, { seed: 3, out: buffer.output });
    const first = buffer.output.slice();
    buffer.output.fill(0);
    surgery(buffer.rows, { seed: 3, out: buffer.output });
    assert.deepEqual(buffer.output.slice(), first, `T=${T} d=${d}: output row`);
    combineBlock(buffer.rows, w, buffer.output);
    const combined = buffer.output.slice();
    combineBlock(buffer.rows, w, buffer.output);
    assert.deepEqual(buffer.output.slice(), combined);
    // Two surgeries from one seed step for step.
    const a = createSurgery({ seed: 11 });
    const b = createSurgery({ seed: 11 });
    for (let step = 0; step < 3; step++) {
      assert.deepEqual(a.surgery(buffer.rows), b.surgery(buffer.rows, { out: buffer.output }));
    }
  }
});

Deno.test("inputs are never mutated; the output row is written only when passed as out", () => {
  const T = 4;
  const d = 20_005;
  const buffer = filledBuffer(T, d, 7);
  const before = copyAll(buffer.rows);
  const sentinel = () => buffer.output.fill(123);
  const untouched = () => buffer.output.every((x) => x === 123);
  const w = someWeights(T, 1);
  const gram = new Float64Array(T * T);
  const calls: [string, () => unknown][] = [
    ["surgery", () => surgery(buffer.rows)],
    ["surgery JS out", () => surgery(buffer.rows, { out: new Float32Array(d) })],
    ["mean direction", () => surgery(buffer.rows, { reduction: "mean", variant: "direction" })],
    ["createSurgery", () => createSurgery({ seed: 2 }).surgery(buffer.rows)],
    ["accumulateGram", () => accumulateGram(buffer.rows, gram)],
    ["combineBlock", () => combineBlock(buffer.rows, w)],
    ["combineBlock JS out", () => combineBlock(buffer.rows, w, new Float32Array(d))],
    ["graddrop", () => surgery(buffer.rows, { method: "graddrop", seed: 1 })],
  ];
  for (const [name, call] of calls) {
    sentinel();
    call();
    assert.deepEqual(buffer.rows, before, `${name}: rows unchanged`);
    assert.ok(untouched(), `${name}: output row untouched`);
  }
  // Written when it is out, the rows still unchanged.
  sentinel();
  surgery(buffer.rows, { out: buffer.output });
  assert.ok(!untouched(), "output row written");
  assert.deepEqual(buffer.rows, before);
  sentinel();
  combineBlock(buffer.rows, w, buffer.output);
  assert.ok(!untouched(), "output row written by combineBlock");
  assert.deepEqual(buffer.rows, before);
  // A subset written into a row it does not read: only that row changes.
  const subset = [buffer.rows[0], buffer.rows[2]];
  sentinel();
  const update = surgery(subset, { seed: 5, out: buffer.rows[1] });
  assert.equal(update, buffer.rows[1]);
  const subsetCopies = copyAll(subset);
  assertClose(update, surgery(subsetCopies, { seed: 5 }), subsetCopies, SAME, "subset vs staged");
  assert.deepEqual([0, 2, 3].map((t) => buffer.rows[t]), [0, 2, 3].map((t) => before[t]));
  assert.ok(untouched(), "output row untouched");
  // Errors leave out untouched as well.
  buffer.rows[3][17] = NaN;
  sentinel();
  assert.throws(() => surgery(buffer.rows, { out: buffer.output }), RangeError);
  assert.ok(untouched(), "output row untouched after an error");
});
