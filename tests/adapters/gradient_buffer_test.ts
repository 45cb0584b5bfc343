// createGradientBuffer (adapters/gradient_buffer.ts): the buffer it allocates (T zero rows and an
// output row in one memory) and the errors naming a bad argument and the value found.

import assert from "node:assert/strict";
import { createGradientBuffer as createDirect } from "../../adapters/gradient_buffer.ts";
import { createGradientBuffer } from "../../mod.ts";
import { caught } from "../core/_gradient_buffer.ts";

Deno.test("createGradientBuffer: T zero rows and an output row, disjoint views of one memory", () => {
  assert.equal(createGradientBuffer, createDirect, "mod.ts re-exports it");
  for (const [T, d] of [[1, 1], [3, 5], [4, 1003], [9, 40_003]]) {
    const buffer = createGradientBuffer(T, d);
    assert.equal(buffer.tasks, T);
    assert.equal(buffer.length, d);
    assert.equal(buffer.rows.length, T);
    assert.ok(Object.isFrozen(buffer.rows));
    const views = [...buffer.rows, buffer.output];
    const memory = buffer.output.buffer;
    for (const view of views) {
      assert.ok(view instanceof Float32Array);
      assert.equal(view.length, d);
      assert.equal(view.buffer, memory, "one memory");
      assert.ok(view.every((x) => x === 0), "zero at creation");
      assert.equal(view.byteOffset % 16, 0, "f32x4-aligned");
    }
    const starts = views.map((v) => v.byteOffset).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      assert.ok(starts[i] - starts[i - 1] >= d * 4, "rows do not overlap");
    }
    // Two buffers never share memory.
    assert.notEqual(createGradientBuffer(T, d).output.buffer, memory);
  }
});

Deno.test("createGradientBuffer: RangeError naming the argument and the value found", () => {
  const action = "Cannot create gradient buffer";
  const cases: [unknown, unknown, string][] = [
    [0, 5, `${action}: tasks must be an integer from 1 to 4096, found number 0`],
    [2, 0, `${action}: length must be an integer ≥ 1, found number 0`],
    [1.5, 3, `${action}: tasks must be an integer from 1 to 4096, found number 1.5`],
    ["2", 3, `${action}: tasks must be an integer from 1 to 4096, found string "2"`],
    [NaN, 3, `${action}: tasks must be an integer from 1 to 4096, found number NaN`],
    [-1, 3, `${action}: tasks must be an integer from 1 to 4096, found number -1`],
    [3, Infinity, `${action}: length must be an integer ≥ 1, found number Infinity`],
    [3, 2.5, `${action}: length must be an integer ≥ 1, found number 2.5`],
    [3, null, `${action}: length must be an integer ≥ 1, found null`],
    [undefined, 3, `${action}: tasks must be an integer from 1 to 4096, found undefined`],
    [4097, 3, `${action}: tasks must be an integer from 1 to 4096, found number 4097`],
  ];
  for (const [tasks, length, message] of cases) {
    assert.throws(
      () => createGradientBuffer(tasks as number, length as number),
      new RangeError(message),
      `createGradientBuffer(${String(tasks)}, ${String(length)})`,
    );
  }
  // (1000 + 1) rows of 2e6 floats: 8 GB, beyond the 4 GiB a 32-bit module addresses.
  const error = caught(() => createGradientBuffer(1000, 2_000_000));
  assert.ok(error instanceof RangeError, `got ${error}`);
  const match = error.message.match(
    /^Cannot create gradient buffer: 1000 rows of 2000000 floats need (\d+) bytes of WebAssembly memory, more than the 4294967296 a 32-bit module can address$/,
  );
  assert.ok(match !== null, error.message);
  assert.ok(Number(match[1]) >= 1001 * 2_000_000 * 4, `needs ${match[1]} bytes`);
});

Deno.test("createGradientBuffer: options checked, a TypeError naming the value found", () => {
  for (
    const [options, message] of [
      [null, "Cannot create gradient buffer: options must be an object, found null"],
      [
        { shared: "yes" },
        'Cannot create gradient buffer: shared must be a boolean, found string "yes"',
      ],
      [3, "Cannot create gradient buffer: options must be an object, found number 3"],
    ] as const
  ) {
    assert.throws(
      () => createGradientBuffer(2, 2, options as never),
      new TypeError(message),
    );
  }
});
