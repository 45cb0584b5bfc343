// Which rows of a gradient buffer (core/gradient_buffer.ts) are read in place and which staged:
// subsets, shards, rows of two buffers, views reaching the kernels' scratch; the views stay
// attached because the buffer's memory never grows; a row's tail never reads past the row.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createSurgery,
  surgery,
  surgeryWeights,
} from "../../mod.ts";
import { inPlaceKernelsFor } from "../../core/gradient_buffer.ts";
import { PAD_FLOATS } from "../../core/wasm.ts";
import { copyAll } from "../_arbitraries.ts";
import { pcgradOracle } from "../_oracle.ts";
import {
  aboveSmallBlock,
  assertAllCorrect,
  assertClose,
  assertGramClose,
  fillConflicting,
  filledBuffer,
  gramOracle,
  readsInPlace,
  SAME,
  TOL,
} from "./_gradient_buffer.ts";

Deno.test("subsets at an even stride are read in place and are oracle-correct", () => {
  const d = 1003;
  const buffer = filledBuffer(5, d, 21);
  const r = buffer.rows;
  const subsets: [string, Float32Array[]][] = [
    ["[0, 2]", [r[0], r[2]]],
    ["[1, 3]", [r[1], r[3]]],
    ["[0, 2, 4]", [r[0], r[2], r[4]]],
    ["[1, 2, 3, 4]", [r[1], r[2], r[3], r[4]]],
    ["[4]", [r[4]]],
    ["[0, 0] (stride 0)", [r[0], r[0]]],
    ["overlapping views (stride 8 < d)", [0, 8, 16].map((o) => r[0].subarray(o, o + 900))],
    ["overlapping views (stride 1, unaligned)", [1, 2, 3].map((o) => r[0].subarray(o, o + 900))],
    ["a row and the output row", [r[3], buffer.output]],
  ];
  for (const [label, rows] of subsets) {
    assert.equal(readsInPlace(rows), true, `${label}: read in place`);
    const n = rows[0].length;
    const out = rows.includes(buffer.output) ? new Float32Array(n) : buffer.output.subarray(0, n);
    assertAllCorrect(rows, out, label);
    assertAllCorrect(rows, new Float32Array(rows[0].length), `${label}, JS out`);
  }
  // A subset written into an unread row of the same buffer.
  assertAllCorrect([r[0], r[2]], r[1], "[0, 2] into row 1");
});

Deno.test("uneven selections and T above the buffer's fall back to staging and are oracle-correct", () => {
  const d = 1003;
  const buffer = filledBuffer(4, d, 22);
  const r = buffer.rows;
  const selections: [string, Float32Array[]][] = [
    ["[2, 0] (negative stride)", [r[2], r[0]]],
    ["[0, 1, 3]", [r[0], r[1], r[3]]],
    ["[3, 1, 0]", [r[3], r[1], r[0]]],
    ["[0, 1, 2, 3, 0] (T = 5 > 4)", [r[0], r[1], r[2], r[3], r[0]]],
    ["[0, 0, 0, 0, 0] (stride 0, T = 5 > 4)", [r[0], r[0], r[0], r[0], r[0]]],
    ["[1, JS row]", [r[1], r[2].slice()]],
  ];
  for (const [label, rows] of selections) {
    assert.equal(readsInPlace(rows), false, `${label}: staged`);
    assertAllCorrect(rows, buffer.output, label);
    assertAllCorrect(rows, new Float32Array(d), `${label}, JS out`);
  }
});

Deno.test("shards: column slices are read in place; shard Grams sum to the whole; shard combines equal the whole update", () => {
  const T = 5;
  const d = 40_003;
  const buffer = filledBuffer(T, d, 23);
  const copies = copyAll(buffer.rows);
  // A cut that is not a multiple of 4 floats: the second shard starts off f32x4 alignment.
  for (const cut of [16_387, 8, 39_999]) {
    const label = `cut at ${cut}`;
    const shardA = buffer.rows.map((row) => row.subarray(0, cut));
    const shardB = buffer.rows.map((row) => row.subarray(cut));
    // Accepted by the buffer's kernels (the dispatcher uses them above the small-block size).
    assert.equal(readsInPlace(shardA), true, `${label}: shard A in place`);
    assert.equal(readsInPlace(shardB), true, `${label}: shard B in place`);
    const whole = accumulateGram(buffer.rows);
    const summed = accumulateGram(shardA);
    accumulateGram(shardB, summed);
    const partials = [accumulateGram(shardA), accumulateGram(shardB)];
    assertGramClose(summed, whole, T, `${label}: A + B vs whole`);
    assertGramClose(partials[0].map((x, k) => x + partials[1][k]), whole, T, label);
    assertGramClose(summed, gramOracle(copies), T, `${label}: A + B vs oracle`);

    const { weights, stats } = surgeryWeights(summed, { seed: 4 });
    buffer.output.fill(NaN);
    combineBlock(shardA, weights, buffer.output.subarray(0, cut));
    combineBlock(shardB, weights, buffer.output.subarray(cut));
    const oneShot = surgery(copies, { seed: 4 });
    assertClose(buffer.output, oneShot, copies, SAME, `${label}: shards vs one-shot staged`);
    assertClose(buffer.output, pcgradOracle(copies, stats.orders), copies, TOL, label);
  }
  // A shard of an even subset, and surgery on a shard (the same columns of each task).
  const middle = [buffer.rows[0], buffer.rows[2], buffer.rows[4]].map((row) =>
    row.subarray(3, 1003)
  );
  assert.equal(readsInPlace(middle), true);
  assertAllCorrect(middle, buffer.output.subarray(3, 1003), "shard of [0, 2, 4]");
  assertAllCorrect(middle, new Float32Array(1000), "shard of [0, 2, 4], JS out");
  assert.deepEqual(buffer.rows, copies, "rows unchanged");
});

Deno.test("rows from two buffers in one call fall back to staging and stay correct", () => {
  const d = 1003;
  const a = filledBuffer(3, d, 31);
  const b = filledBuffer(3, d, 32);
  const mixed = [a.rows[0], b.rows[1], a.rows[2]];
  assert.equal(readsInPlace(mixed), false);
  assertAllCorrect(mixed, a.output, "mixed, out in buffer A");
  assertAllCorrect(mixed, b.output, "mixed, out in buffer B");
  assertAllCorrect(mixed, new Float32Array(d), "mixed, JS out");
  // Rows of A read in place, written into B's output row (through the scratch chunk).
  a.output.fill(123);
  assertAllCorrect(a.rows, b.output, "A's rows into B's output");
  assert.ok(a.output.every((x) => x === 123), "A's output row untouched");
  // And across chunk boundaries.
  const c = filledBuffer(2, 40_003, 33);
  const e = filledBuffer(2, 40_003, 34);
  assertAllCorrect([c.rows[0], e.rows[0]], c.output, "two buffers, d = 40 003");
  assertAllCorrect(c.rows, e.output, "C's rows into E's output, d = 40 003");
});

Deno.test("views stay attached: after calls of every T the buffer's rows keep their length and contents", () => {
  const T = 2;
  const d = 5000;
  const buffer = filledBuffer(T, d, 41);
  const memory = buffer.output.buffer;
  const bytes = memory.byteLength;
  const before = copyAll(buffer.rows);
  const js = (tasks: number, length: number) => {
    const rows = Array.from({ length: tasks }, () => new Float32Array(length));
    fillConflicting(rows, tasks + length);
    return rows;
  };
  const r = buffer.rows;
  for (let round = 0; round < 3; round++) {
    // Large T through JS arrays grows the shared staging core, never this buffer's memory.
    surgery(js(40, 20_000));
    accumulateGram(js(64, 3000));
    combineBlock(js(33, 70_000), new Array(33).fill(0.5));
    // T above the buffer's through its own rows (staged).
    surgery([r[0], r[1], r[0], r[1]], { out: buffer.output });
    accumulateGram([r[0], r[0], r[0]]);
    // In place at the buffer's T and below.
    surgery(r, { out: buffer.output });
    surgery([r[1]], { out: buffer.output });
    createSurgery({ seed: round }).surgery(r);
    combineBlock(r, [1, -1], buffer.output);
    // Another buffer of larger T and length.
    const other = filledBuffer(16, 50_000, round);
    surgery(other.rows, { out: other.output });
  }
  assert.equal(memory.byteLength, bytes, "the buffer's memory did not grow");
  for (const [t, row] of r.entries()) {
    assert.equal(row.length, d, `row ${t} length`);
    assert.equal(row.byteLength, d * 4, `row ${t} is attached`);
    assert.equal(row.buffer, memory);
  }
  assert.equal(buffer.output.byteLength, d * 4, "output row is attached");
  assert.deepEqual(r, before, "contents kept");
  // And the buffer still works in place.
  assert.equal(readsInPlace(r), true);
  assertAllCorrect(r, buffer.output, "after many calls");
  assert.equal(memory.byteLength, bytes);
});

Deno.test("exact on small integers: a row's tail never reads the padding or the next row", () => {
  // Row t's tail sits just before its padding and row t+1; a kernel that ran past d would read them.
  for (const d of [17, 23, 1001]) {
    assert.notEqual(d % PAD_FLOATS, 0, "a tail");
    assert.ok(aboveSmallBlock(4, d), "read in place, not by the small-block kernels");
    const buffer = createGradientBuffer(4, d);
    buffer.rows.forEach((row, t) => row.fill(t + 1));
    const w = [1, 1, 1, 1];
    const out = combineBlock(buffer.rows, w, buffer.output);
    assert.ok(out.every((x) => x === 10), `d=${d}: ${out.slice(-4)}`);
    const G = accumulateGram(buffer.rows);
    G.forEach((x, k) => assert.equal(x, d * (Math.floor(k / 4) + 1) * ((k % 4) + 1), `d=${d}`));
  }
});

Deno.test("views over the raw memory that reach the kernels' scratch are staged, never read in place", () => {
  const buffer = createGradientBuffer(2, 1000);
  const whole = new Float32Array(buffer.output.buffer);
  whole.fill(0.25);
  assert.equal(readsInPlace([whole]), false);
  const update = combineBlock([whole], [1]);
  assert.ok(update.every((x) => x === 0.25));
  assert.ok(whole.every((x) => x === 0.25));
  // An out over the scratch (below the first row) is left to the staged kernels.
  const other = createGradientBuffer(2, 1000);
  other.rows[0].fill(1);
  other.rows[1].fill(2);
  const low = new Float32Array(other.output.buffer, 0, 1000);
  assert.equal(inPlaceKernelsFor(other.rows)?.combine(other.rows, [1, 2], low), null);
  combineBlock(other.rows, [1, 2], low);
  assert.ok(low.every((x) => x === 5));
});
