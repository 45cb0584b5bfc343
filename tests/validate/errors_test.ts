// Every bad input of issue [1/5] §5: the right error class, a message naming the parameter and
// the value found, and nothing mutated.

import assert from "node:assert/strict";
import { accumulateGram, combineBlock, createSurgery, surgery, surgeryWeights } from "../../mod.ts";

const g = () => [new Float32Array([1, 2, 3]), new Float32Array([-1, 0, 2])];

// deno-lint-ignore no-explicit-any
const call = (grads: any, options?: any) => () => surgery(grads, options);

function throwsWith(fn: () => unknown, type: typeof TypeError, ...parts: string[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    for (const p of parts) {
      assert.ok((e as Error).message.includes(p), `"${(e as Error).message}" lacks "${p}"`);
    }
    return true;
  });
}

Deno.test("TypeError: grads not an array, or a task not a Float32Array", () => {
  throwsWith(call(new Float32Array(3)), TypeError, "grads must be an array", "Float32Array");
  throwsWith(call(null), TypeError, "grads", "null");
  throwsWith(call("abc"), TypeError, "grads", 'string "abc"');
  throwsWith(call([new Float32Array(2), [1, 2]]), TypeError, "task 1", "an array of length 2");
  throwsWith(call([new Float64Array(2)]), TypeError, "task 0", "Float64Array");
  throwsWith(call([new Float32Array(2)], 5), TypeError, "options", "number 5");
});

Deno.test("RangeError: zero tasks, length mismatch", () => {
  throwsWith(call([]), RangeError, "at least one task", "0 tasks");
  throwsWith(
    call([new Float32Array(12), new Float32Array(12), new Float32Array(10)]),
    RangeError,
    "Cannot run surgery: task 2 has length 10, expected 12",
  );
});

Deno.test("RangeError: unknown method, reduction, variant, order keyword", () => {
  throwsWith(call(g(), { method: "pcgrd" }), RangeError, "method", '"pcgrad"', 'string "pcgrd"');
  throwsWith(call(g(), { reduction: "avg" }), RangeError, "reduction", 'string "avg"');
  throwsWith(call(g(), { variant: 3 }), RangeError, "variant", "number 3");
  throwsWith(call(g(), { order: "shuffled" }), RangeError, "order", 'string "shuffled"');
  throwsWith(() => createSurgery({ method: "x" as "sum" }), RangeError, "method", 'string "x"');
});

Deno.test("RangeError: invalid explicit orders", () => {
  const three = [...g(), new Float32Array([0, 0, 1])];
  throwsWith(
    call(three, { order: [[1, 2], [0, 2]] }),
    RangeError,
    "one list per task (3)",
    "2 lists",
  );
  throwsWith(call(three, { order: [[1, 2], [0], [0, 1]] }), RangeError, "order[1]", "1 entries");
  throwsWith(
    call(three, { order: [[1, 2], [1, 2], [0, 1]] }),
    RangeError,
    "order[1] lists task 1 itself",
  );
  throwsWith(
    call(three, { order: [[1, 2], [0, 2], [0, 3]] }),
    RangeError,
    "order[2]",
    "number 3",
    "[0, 3)",
  );
  throwsWith(
    call(three, { order: [[1, 1], [0, 2], [0, 1]] }),
    RangeError,
    "order[0] lists task 1 twice",
  );
  throwsWith(call(three, { order: [[1, 2], [0, 2.5], [0, 1]] }), RangeError, "order[1]", "2.5");
  throwsWith(call(three, { order: [[1, 2], "02", [0, 1]] }), RangeError, "order[1]", 'string "02"');
});

Deno.test("RangeError: bad seed", () => {
  throwsWith(call(g(), { seed: NaN }), RangeError, "seed", "NaN");
  throwsWith(call(g(), { seed: Infinity }), RangeError, "seed", "Infinity");
  throwsWith(call(g(), { seed: "1" }), RangeError, "seed", 'string "1"');
});

Deno.test("out: wrong type, wrong length, aliasing an input", () => {
  throwsWith(call(g(), { out: new Float64Array(3) }), TypeError, "out", "Float64Array");
  throwsWith(call(g(), { out: new Float32Array(4) }), RangeError, "out has length 4, expected 3");
  const grads = g();
  throwsWith(call(grads, { out: grads[1] }), RangeError, "out shares memory with task 1");
  const s = createSurgery();
  throwsWith(() => s.surgery(g(), { out: new Float32Array(2) }), RangeError, "out has length 2");
});

Deno.test("RangeError: non-finite values name the task and the index", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const grads = [new Float32Array(50), new Float32Array(50)];
    grads[1][37] = bad;
    throwsWith(call(grads), RangeError, "task 1", "index 37", String(bad));
  }
});

Deno.test("errors leave inputs and out untouched", () => {
  const grads = [new Float32Array([1, 2]), new Float32Array([NaN, 1])];
  const out = new Float32Array([7, 7]);
  assert.throws(() => surgery(grads, { out }));
  assert.deepEqual(Array.from(out), [7, 7]);
  assert.deepEqual(Array.from(grads[0]), [1, 2]);
});

Deno.test("split phase: bad gram and weights", () => {
  throwsWith(
    () => accumulateGram(g(), new Float64Array(3)),
    RangeError,
    "gram has length 3, expected 4",
  );
  throwsWith(
    () => accumulateGram(g(), [0, 0, 0, 0] as unknown as Float64Array),
    TypeError,
    "gram",
    "an array of length 4",
  );
  throwsWith(() => surgeryWeights(new Float64Array(3)), RangeError, "T×T", "length 3");
  throwsWith(
    () => surgeryWeights(new Float64Array([1, 2, 3, 4])),
    RangeError,
    "symmetric",
    "2",
    "3",
  );
  throwsWith(() => surgeryWeights(new Float64Array([-1, 0, 0, 1])), RangeError, "gram[0][0]", "-1");
  throwsWith(
    () => surgeryWeights(new Float64Array([1, NaN, NaN, 1])),
    RangeError,
    "gram[0][1]",
    "NaN",
  );
  throwsWith(() => combineBlock(g(), [1]), RangeError, "weights has length 1, expected 2");
  throwsWith(() => combineBlock(g(), [1, NaN]), RangeError, "weights[1]", "NaN");
  throwsWith(() => combineBlock(g(), 3 as unknown as number[]), TypeError, "weights", "number 3");
  const bad = g();
  bad[0][2] = Infinity;
  throwsWith(() => combineBlock(bad, [1, 1]), RangeError, "task 0", "index 2");
  throwsWith(() => accumulateGram(bad), RangeError, "task 0", "index 2", "Infinity");
});

Deno.test("T = 1 and length 0 are valid", () => {
  assert.deepEqual(surgery([new Float32Array(0)]), new Float32Array(0));
  assert.deepEqual(surgery([new Float32Array([5])]), new Float32Array([5]));
});
