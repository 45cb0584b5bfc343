// Gradient buffers (core/gradient_buffer.ts): task rows in a WASM core's own memory, read in place
// by that core's kernels. Every in-place result is checked against the same numbers staged from JS
// copies (core/wasm.ts) and against float64 oracles, for every public entry point and every kind of
// `out`: lengths with a TypeScript tail (d mod 8 ≠ 0), lengths across the 16384-float chunks,
// subsets, shards, mixed buffers, non-finite input, creation errors, and views that must stay
// attached because the buffer's memory never grows.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  createSurgery,
  type GradientBuffer,
  surgery,
  surgeryWeights,
} from "../../mod.ts";
import {
  attachSharedBuffer,
  createGradientBuffer as createDirect,
  inPlaceKernelsFor,
  SHARED_SCRATCH_SLOTS,
  sharedBufferOf,
} from "../../core/gradient_buffer.ts";
import { SMALL_BLOCK_FLOATS } from "../../core/kernels.ts";
import { MAX_CHUNK_FLOATS, PAD_FLOATS } from "../../core/wasm.ts";
import { copyAll, gradsArb } from "../_arbitraries.ts";
import { dot, fixedOrders, gramError, pcgradOracle, relativeError } from "../_oracle.ts";

/** In place or staged against the float64 oracle (as tests/adapters/plain_test.ts). */
const TOL = 1e-4;
/** In place against staged: both are float32 kernels on the same numbers. */
const SAME = 1e-5;

const TASKS = [1, 2, 3, 5, 8, 9, 12] as const;
/** Tails of 1, 7, 1, 0, 3 and 3 floats; 40 003 floats span three 16384-float chunks. */
const LENGTHS = [1, 7, 9, 64, 1003, 40_003] as const;

// ---------------------------------------------------------------------------------------------
// Helpers

/** A seeded uniform [0, 1) stream (mulberry32), so every case is reproducible. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills the rows with conflicting gradients: a shared direction with alternating signs plus
 * noise, each task on its own scale, so PCGrad projects.
 */
function fillConflicting(rows: readonly Float32Array[], seed: number): void {
  const next = uniform(seed);
  const d = rows[0].length;
  const shared = Float64Array.from({ length: d }, () => 2 * next() - 1);
  rows.forEach((row, t) => {
    const c = (t % 2 === 0 ? 1 : -1) * (0.5 + next());
    const scale = [1, 10, 0.1][t % 3];
    for (let k = 0; k < d; k++) row[k] = scale * (c * shared[k] + 0.5 * (2 * next() - 1));
  });
}

/** A buffer of T rows (plus `extra` unused ones) of d floats, filled with conflicting rows. */
function filledBuffer(T: number, d: number, seed: number, extra = 0): GradientBuffer {
  const buffer = createGradientBuffer(T + extra, d);
  fillConflicting(buffer.rows, seed);
  return buffer;
}

/** Whether the dispatcher would read these rows in place (a probe of the buffer's own kernel). */
function readsInPlace(rows: readonly Float32Array[]): boolean {
  return inPlaceKernelsFor(rows)?.gram(rows, new Float64Array(rows.length ** 2)) === true;
}

/** The in-place path is taken for blocks above the TypeScript small-block threshold. */
const aboveSmallBlock = (T: number, d: number) => T * d > SMALL_BLOCK_FLOATS;

function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  grads: readonly Float32Array[],
  tol: number,
  label: string,
): void {
  assert.equal(got.length, want.length, `${label}: length`);
  const err = relativeError(got, want, grads);
  assert.ok(err < tol, `${label}: relative error ${err}`);
}

/**
 * The same call with no out (a new JS array), a JS out and the buffer's output row, each checked
 * to be what the call returns; the three results, named.
 */
function everyOut(
  buffer: GradientBuffer,
  run: (out?: Float32Array) => Float32Array,
): [string, Float32Array][] {
  const fresh = run();
  assert.notEqual(fresh.buffer, buffer.output.buffer, "no out: a new JS array");
  const jsOut = new Float32Array(buffer.length).fill(NaN);
  assert.equal(run(jsOut), jsOut);
  buffer.output.fill(NaN);
  assert.equal(run(buffer.output), buffer.output);
  return [["no out", fresh], ["JS out", jsOut], ["output", buffer.output]];
}

/** Float64 Gram of the rows. */
function gramOracle(rows: readonly Float32Array[]): Float64Array {
  const T = rows.length;
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) G[i * T + j] = dot(rows[i], rows[j]);
  return G;
}

function assertGramClose(got: Float64Array, want: Float64Array, T: number, label: string): void {
  const err = gramError(got, want, T);
  assert.ok(err < SAME, `${label}: gram error ${err}`);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      assert.equal(got[i * T + j], got[j * T + i], `${label}: symmetric`);
    }
  }
}

/** Float64 Σ_t w[t] · rows[t]. */
function combineOracle(rows: readonly Float32Array[], w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows[0].length);
  rows.forEach((row, t) => row.forEach((x, k) => (out[k] += w[t] * x)));
  return out;
}

/** Per value |got − want| ≤ 1e-5 · T · max|w_t g_t| (the kernels' float32 rounding). */
function assertCombineClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rows: readonly Float32Array[],
  w: ArrayLike<number>,
  label: string,
): void {
  let scale = 1e-30;
  rows.forEach((g, t) => g.forEach((x) => (scale = Math.max(scale, Math.abs(w[t] * x)))));
  for (let k = 0; k < want.length; k++) {
    assert.ok(
      Math.abs(got[k] - want[k]) <= SAME * scale * rows.length,
      `${label}: index ${k}: ${got[k]} vs ${want[k]}`,
    );
  }
}

/** Weights in [−3, 3] for T tasks. */
function someWeights(T: number, seed: number): number[] {
  const next = uniform(seed);
  return Array.from({ length: T }, () => 6 * next() - 3);
}

/** The error `fn` throws (it must throw). */
function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}

/** Both calls throw the same class of error with the same message; returns the message. */
function assertSameError(inPlace: () => unknown, staged: () => unknown, label: string): string {
  const a = caught(inPlace);
  const b = caught(staged);
  assert.equal(a.constructor, b.constructor, `${label}: error class`);
  assert.equal(a.message, b.message, `${label}: message`);
  return a.message;
}

/** Every case of the T × d grid, each with its own filled buffer. */
function eachCase(body: (buffer: GradientBuffer, T: number, d: number) => void): void {
  for (const T of TASKS) {
    for (const d of LENGTHS) {
      const buffer = filledBuffer(T, d, 1000 * T + d);
      assert.equal(readsInPlace(buffer.rows), true, `T=${T} d=${d}: buffer rows read in place`);
      body(buffer, T, d);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Creation

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

// ---------------------------------------------------------------------------------------------
// In place equals staged equals the oracle

Deno.test("surgery: in place equals staged and the oracle, for no out, a JS out and the output row", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const order = fixedOrders(T);
    const want = pcgradOracle(copies, order);
    const staged = surgery(copies, { order });
    assertClose(staged, want, copies, TOL, `${label} staged vs oracle`);

    const results = everyOut(buffer, (out) => surgery(buffer.rows, { order, out }));
    const [[, fresh], [, jsOut]] = results;
    for (const [name, got] of results) {
      assertClose(got, want, copies, TOL, `${label} ${name} vs oracle`);
      assertClose(got, staged, copies, SAME, `${label} ${name} vs staged`);
    }
    // One path, three destinations: bitwise the same numbers.
    assert.deepEqual(jsOut, fresh, `${label}: JS out`);
    assert.deepEqual(buffer.output.slice(), fresh, `${label}: output row`);
  });
});

Deno.test("createSurgery().surgery: in place equals staged step by step; oracle on the orders drawn", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const inPlace = createSurgery({ seed: T + d });
    const staged = createSurgery({ seed: T + d });
    const jsOut = new Float32Array(d);
    for (let step = 0; step < 3; step++) {
      // Alternate destinations: the output row, a JS array, a new array.
      const out = [buffer.output, jsOut, undefined][step];
      const got = inPlace.surgery(buffer.rows, { out });
      if (out !== undefined) assert.equal(got, out, `${label} step ${step}: returns out`);
      const ref = staged.surgery(copies);
      assert.deepEqual(inPlace.stats!.orders, staged.stats!.orders, `${label}: same orders`);
      assertClose(got, ref, copies, SAME, `${label} step ${step} vs staged`);
      const want = pcgradOracle(copies, inPlace.stats!.orders);
      assertClose(got, want, copies, TOL, `${label} step ${step} vs oracle`);
    }
  });
});

Deno.test("accumulateGram: in place equals staged and the float64 Gram, and adds into a given one", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const want = gramOracle(copies);
    const got = accumulateGram(buffer.rows);
    assertGramClose(got, want, T, `${label} vs oracle`);
    assertGramClose(got, accumulateGram(copies), T, `${label} vs staged`);
    const given = Float64Array.from(got);
    assert.equal(accumulateGram(buffer.rows, given), given, `${label}: returns the given gram`);
    given.forEach((x, k) => assert.ok(Math.abs(x - 2 * got[k]) <= 1e-12 * Math.abs(x), label));
  });
});

Deno.test("combineBlock: in place equals staged and the float64 sum, for every kind of out", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const w = someWeights(T, T * d);
    const want = combineOracle(copies, w);
    const staged = combineBlock(copies, w);
    const results = everyOut(buffer, (out) => combineBlock(buffer.rows, w, out));
    const [[, fresh], [, jsOut]] = results;
    for (const [name, got] of results) {
      assertCombineClose(got, want, copies, w, `${label} ${name} vs oracle`);
      assertCombineClose(got, staged, copies, w, `${label} ${name} vs staged`);
    }
    // Weights as a Float64Array too (what surgeryWeights returns).
    assert.deepEqual(combineBlock(buffer.rows, Float64Array.from(w)), fresh, label);
    assert.deepEqual(jsOut, fresh, `${label}: JS out`);
    assert.deepEqual(buffer.output.slice(), fresh, `${label}: output row`);
  });
});

Deno.test("property: in-place surgery equals staged surgery and the oracle for random T, d, values", () => {
  const lengths = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 80 }) },
    { weight: 1, arbitrary: fc.constantFrom(2047, 2049, 4099, 9001, MAX_CHUNK_FLOATS + 3) },
  );
  fc.assert(
    fc.property(
      gradsArb(1, 10, lengths),
      fc.integer({ min: 0, max: 2 }),
      fc.integer(),
      fc.boolean(),
      (grads, extra, seed, intoOutput) => {
        const T = grads.length;
        const d = grads[0].length;
        const buffer = createGradientBuffer(T + extra, d);
        const rows = buffer.rows.slice(0, T);
        grads.forEach((g, t) => rows[t].set(g));
        assert.equal(readsInPlace(rows), true);
        const s = createSurgery({ seed });
        const got = s.surgery(rows, intoOutput ? { out: buffer.output } : undefined);
        const staged = surgery(grads, { seed });
        assertClose(got, staged, grads, SAME, "in place vs staged");
        assertClose(got, pcgradOracle(grads, s.stats!.orders), grads, TOL, "vs oracle");
        assert.deepEqual(rows, grads, "rows unchanged");
      },
    ),
    { numRuns: 60 },
  );
});

// ---------------------------------------------------------------------------------------------
// Determinism and no side effects

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

// ---------------------------------------------------------------------------------------------
// Subsets, shards, mixed buffers

/** surgery, accumulateGram and combineBlock on `rows` equal the oracle and the staged copies. */
function assertAllCorrect(rows: readonly Float32Array[], out: Float32Array, label: string): void {
  const T = rows.length;
  const copies = copyAll(rows);
  const order = fixedOrders(T);
  const got = surgery(rows, { order, out });
  assert.equal(got, out);
  assertClose(got, pcgradOracle(copies, order), copies, TOL, `${label}: surgery vs oracle`);
  assertClose(got, surgery(copies, { order }), copies, SAME, `${label}: surgery vs staged`);
  const G = accumulateGram(rows);
  assertGramClose(G, gramOracle(copies), T, `${label}: gram vs oracle`);
  assertGramClose(G, accumulateGram(copies), T, `${label}: gram vs staged`);
  const w = someWeights(T, T);
  combineBlock(rows, w, out);
  assertCombineClose(out, combineOracle(copies, w), copies, w, `${label}: combine vs oracle`);
  assert.deepEqual(rows, copies, `${label}: rows unchanged`);
}

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

// ---------------------------------------------------------------------------------------------
// The memory never grows: views stay attached

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

// ---------------------------------------------------------------------------------------------
// Non-finite input, overflow, aliasing

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

Deno.test("shared buffers: on a SharedArrayBuffer, read in place on this thread, options checked", () => {
  const buffer = createGradientBuffer(3, 1001, { shared: true });
  assert.equal(buffer.shared, true);
  assert.equal(createGradientBuffer(3, 5).shared, false);
  assert.ok(buffer.rows[0].buffer instanceof SharedArrayBuffer);
  assert.equal(readsInPlace(buffer.rows), true);
  buffer.rows.forEach((row, t) => row.forEach((_, k) => (row[k] = Math.sin(k + 7 * t))));
  const copies = buffer.rows.map((r) => r.slice());
  const want = surgery(copies, { seed: 2 });
  const got = surgery(buffer.rows, { seed: 2, out: buffer.output });
  assertClose(got, want, copies, 1e-5, "shared in place vs staged");
  const info = sharedBufferOf(buffer.rows)!;
  assert.equal(info.memory.buffer, buffer.rows[0].buffer);
  assert.equal(sharedBufferOf([buffer.rows[0], copies[1]]), null);
  assert.equal(sharedBufferOf(createGradientBuffer(2, 9).rows), null);
  assert.equal(attachSharedBuffer(info, SHARED_SCRATCH_SLOTS), false, "no slot beyond the last");
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
