// The engine's step (surgery.ts) reads its gradients for validation once per step, whichever
// public entry point runs it: validateRows type-checks each row (`instanceof Float32Array`), and
// nothing else in a step does, so counting the type checks of each row counts the validations.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createSurgery,
  surgery,
} from "../mod.ts";
import { validateRows } from "../validate/grads.ts";

/**
 * How many times each of `rows` was type-checked as a Float32Array while `body` ran: a
 * Symbol.hasInstance on Float32Array for the call's duration, answering as the built-in does.
 */
function typeChecks(rows: readonly Float32Array[], body: () => unknown): number[] {
  const counts = rows.map(() => 0);
  const builtIn = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(Float32Array, Symbol.hasInstance, {
    configurable: true,
    value(x: unknown) {
      const t = rows.indexOf(x as Float32Array);
      if (t >= 0) counts[t]++;
      return builtIn.call(Float32Array, x);
    },
  });
  try {
    body();
  } finally {
    delete (Float32Array as unknown as Record<symbol, unknown>)[Symbol.hasInstance];
  }
  return counts;
}

/** Three conflicting task rows of d floats (d > 64, so the WASM kernels run where they exist). */
function conflicting(d: number): Float32Array[] {
  return [0, 1, 2].map((t) =>
    Float32Array.from({ length: d }, (_, k) => Math.sin(k + 2 * t) * (t === 1 ? -1 : 1))
  );
}

const once = [1, 1, 1];

Deno.test("rows validated once: the count is what validateRows itself does, and nothing leaks", () => {
  const rows = conflicting(100);
  assert.deepEqual(typeChecks(rows, () => validateRows(rows, "run surgery")), once);
  assert.equal(Object.hasOwn(Float32Array, Symbol.hasInstance), false, "the hook is removed");
  assert.equal(rows[0] instanceof Float32Array, true);
});

Deno.test("rows validated once per step: surgery, with and without out, every path", () => {
  const rows = conflicting(100);
  assert.deepEqual(typeChecks(rows, () => surgery(rows)), once, "no out");
  const out = new Float32Array(100);
  assert.deepEqual(typeChecks(rows, () => surgery(rows, { out })), once, "out");
  for (
    const options of [
      { method: "graddrop" },
      { method: "mgda", variant: "direction" },
      { method: "cagrad", reduction: "mean" },
    ] as const
  ) {
    assert.deepEqual(typeChecks(rows, () => surgery(rows, options)), once, options.method);
  }
  assert.deepEqual(typeChecks([rows[0]], () => surgery([rows[0]])), [1], "one task");
});

Deno.test("rows validated once per step: createSurgery().surgery over several steps", () => {
  const rows = conflicting(100);
  const pcgrad = createSurgery({ seed: 3 });
  for (let step = 0; step < 3; step++) {
    assert.deepEqual(typeChecks(rows, () => pcgrad.surgery(rows)), once, `step ${step}`);
  }
});

Deno.test("rows validated once per call: the split phase's accumulateGram and combineBlock", () => {
  const rows = conflicting(100);
  assert.deepEqual(typeChecks(rows, () => accumulateGram(rows)), once, "new gram");
  const gram = accumulateGram(rows);
  assert.deepEqual(typeChecks(rows, () => accumulateGram(rows, gram)), once, "given gram");
  assert.deepEqual(typeChecks(rows, () => combineBlock(rows, [1, 2, 3])), once, "combine");
  const out = new Float32Array(100);
  assert.deepEqual(typeChecks(rows, () => combineBlock(rows, [1, 2, 3], out)), once, "out");
});

Deno.test("rows validated once per step: gradient buffer rows read in place", () => {
  const buffer = createGradientBuffer(3, 100);
  conflicting(100).forEach((row, t) => buffer.rows[t].set(row));
  const run = () => surgery(buffer.rows, { out: buffer.output });
  assert.deepEqual(typeChecks(buffer.rows, run), once);
});
