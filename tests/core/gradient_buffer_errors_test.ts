// Bad values in gradient buffers (core/gradient_buffer.ts): non-finite input, an overflowing update,
// float32 squares that overflow, and `out` aliasing an input fail (or fall back to float64) exactly
// as for JS arrays.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createSurgery,
  surgery,
} from "../../mod.ts";
import { MAX_CHUNK_FLOATS } from "../../core/wasm.ts";
import { copyAll } from "../_arbitraries.ts";
import { fixedOrders, pcgradOracle, relativeError } from "../_oracle.ts";
import {
  assertClose,
  assertCombineClose,
  assertSameError,
  caught,
  combineOracle,
  filledBuffer,
  readsInPlace,
  SAME,
  someWeights,
} from "./_gradient_buffer.ts";

Deno.test("non-finite values in buffer rows: the same RangeError as for JS arrays", () => {
  // Indices in the kernel body, in the TypeScript tail, and in a later chunk.
  const cases: [number, number, number][] = [
    [3, 1003, 3],
    [3, 1003, 1001],
    [2, 40_003, MAX_CHUNK_FLOATS + 5],
    [2, 40_003, 40_002],
    [9, 9, 8],
  ];
  for (const [T, d, at] of cases) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const label = `T=${T} d=${d} [${at}] = ${bad}`;
      const buffer = filledBuffer(T, d, at);
      const t = T - 1;
      buffer.rows[t][at] = bad;
      const copies = copyAll(buffer.rows);
      const w = someWeights(T, 5);
      const pairs: [string, () => unknown, () => unknown][] = [
        ["surgery", () => surgery(buffer.rows), () => surgery(copies)],
        [
          "surgery into output",
          () => surgery(buffer.rows, { out: buffer.output }),
          () => surgery(copies, { out: new Float32Array(d) }),
        ],
        [
          "createSurgery",
          () => createSurgery().surgery(buffer.rows),
          () => createSurgery().surgery(copies),
        ],
        ["accumulateGram", () => accumulateGram(buffer.rows), () => accumulateGram(copies)],
        ["combineBlock", () => combineBlock(buffer.rows, w), () => combineBlock(copies, w)],
        [
          "combineBlock JS out",
          () => combineBlock(buffer.rows, w, new Float32Array(d)),
          () => combineBlock(copies, w, new Float32Array(d)),
        ],
        [
          "combineBlock into output",
          () => combineBlock(buffer.rows, w, buffer.output),
          () => combineBlock(copies, w, new Float32Array(d)),
        ],
      ];
      for (const [name, inPlace, staged] of pairs) {
        const message = assertSameError(inPlace, staged, `${label} ${name}`);
        assert.match(message, new RegExp(`task ${t} has a non-finite value at index ${at}: `));
        assert.ok(message.endsWith(String(bad)), message);
      }
    }
  }
});

Deno.test("combineBlock: an update that overflows float32 fails as for JS arrays; a finite one passes", () => {
  const T = 3;
  for (const d of [1003, 40_003]) {
    // Body, tail, and (for 40 003) a later chunk and the last tail column.
    const indices = d === 1003
      ? [0, 517, 1000, 1002]
      : [MAX_CHUNK_FLOATS - 1, 2 * MAX_CHUNK_FLOATS + 2, 40_002];
    for (const at of indices) {
      const label = `d=${d} [${at}]`;
      const buffer = filledBuffer(T, d, at);
      buffer.rows.forEach((row) => (row[at] = 3e38));
      assert.equal(readsInPlace(buffer.rows), true);
      const copies = copyAll(buffer.rows);
      const outs: [string, () => Float32Array | undefined][] = [
        ["no out", () => undefined],
        ["JS out", () => new Float32Array(d)],
        ["output row", () => buffer.output],
      ];
      for (const [name, out] of outs) {
        const message = assertSameError(
          () => combineBlock(buffer.rows, [1, 1, 0], out()),
          () => combineBlock(copies, [1, 1, 0], new Float32Array(d)),
          `${label} ${name}`,
        );
        assert.equal(
          message,
          `Cannot combine a block: the update overflows float32 at index ${at}: ${
            2 * Math.fround(3e38)
          } is beyond ` +
            `±3.4028234663852886e+38`,
        );
        // Weights that cancel: finite, and equal to the float64 sum.
        const w = [1, -1, 0.5];
        const got = combineBlock(buffer.rows, w, out());
        assertCombineClose(got, combineOracle(copies, w), copies, w, `${label} ${name} finite`);
      }
    }
  }
});

Deno.test("values whose float32 squares overflow still give the float64 answer in place", () => {
  const d = 41; // a one-float tail
  for (const at of [0, 40]) {
    const buffer = createGradientBuffer(2, d);
    const [g1, g2] = buffer.rows;
    g1[at] = 3e19;
    g1[(at + 1) % d] = 1;
    g2[at] = -3e19;
    g2[(at + 1) % d] = 2e19;
    assert.equal(readsInPlace(buffer.rows), true);
    const s = createSurgery();
    const out = s.surgery(buffer.rows, { out: buffer.output });
    assert.ok(Number.isFinite(s.stats!.gramian[0][0]));
    const copies = copyAll(buffer.rows);
    assert.ok(relativeError(out, pcgradOracle(copies, fixedOrders(2)), copies) < 1e-6);
    assertClose(out, surgery(copies), copies, SAME, `[${at}]: vs staged`);
  }
});

Deno.test("out sharing memory with an input row throws as for JS arrays", () => {
  const T = 3;
  const d = 1003;
  const buffer = filledBuffer(T, d, 51);
  const copies = copyAll(buffer.rows);
  const w = [1, 2, 3];
  const r = buffer.rows;
  const memory = buffer.output.buffer;
  // A view that starts inside row 1 and runs into row 2.
  const straddling = new Float32Array(memory, r[1].byteOffset + 4 * 500, d);
  const cases: [string, () => unknown, () => unknown][] = [
    [
      "surgery, out = row 0",
      () => surgery(r, { out: r[0] }),
      () => surgery(copies, { out: copies[0] }),
    ],
    [
      "createSurgery, out = row 2",
      () => createSurgery().surgery(r, { out: r[2] }),
      () => createSurgery().surgery(copies, { out: copies[2] }),
    ],
    [
      "combineBlock, out = row 1",
      () => combineBlock(r, w, r[1]),
      () => combineBlock(copies, w, copies[1]),
    ],
    [
      "surgery, out straddles rows 1 and 2",
      () => surgery(r, { out: straddling }),
      () => surgery(copies, { out: copies[1] }),
    ],
    [
      "surgery on a subset, out = a row of it",
      () => surgery([r[0], r[2]], { out: r[2] }),
      () => surgery([copies[0], copies[2]], { out: copies[2] }),
    ],
  ];
  for (const [label, inPlace, staged] of cases) {
    const message = assertSameError(inPlace, staged, label);
    assert.match(message, /out shares memory with task \d; inputs are never overwritten$/);
    assert.deepEqual(r, copies, `${label}: rows unchanged`);
  }
  // The one that straddles is reported against the first row it overlaps.
  assert.equal(
    caught(() => combineBlock(r, w, straddling)).message,
    "Cannot combine a block: out shares memory with task 1; inputs are never overwritten",
  );
});
