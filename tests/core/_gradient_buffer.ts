// Shared by the gradient buffer tests (tests/core/gradient_buffer_*_test.ts,
// tests/adapters/gradient_buffer_test.ts): seeded fillers, the float64 oracles and the comparisons
// of in-place results against the same numbers staged from JS copies.

import assert from "node:assert/strict";
import {
  accumulateGram,
  combineBlock,
  createGradientBuffer,
  type GradientBuffer,
  surgery,
} from "../../mod.ts";
import { inPlaceKernelsFor } from "../../core/gradient_buffer.ts";
import { SMALL_BLOCK_FLOATS } from "../../core/kernels.ts";
import { copyAll } from "../_arbitraries.ts";
import { dot, fixedOrders, gramError, pcgradOracle, relativeError } from "../_oracle.ts";

/** In place or staged against the float64 oracle (as tests/adapters/plain_test.ts). */
export const TOL = 1e-4;
/** In place against staged: both are float32 kernels on the same numbers. */
export const SAME = 1e-5;

export const TASKS = [1, 2, 3, 5, 8, 9, 12] as const;
/** Tails of 1, 7, 1, 0, 3 and 3 floats; 40 003 floats span three 16384-float chunks. */
export const LENGTHS = [1, 7, 9, 64, 1003, 40_003] as const;

// ---------------------------------------------------------------------------------------------
// Helpers

/** A seeded uniform [0, 1) stream (mulberry32), so every case is reproducible. */
export function uniform(seed: number): () => number {
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
export function fillConflicting(rows: readonly Float32Array[], seed: number): void {
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
export function filledBuffer(T: number, d: number, seed: number, extra = 0): GradientBuffer {
  const buffer = createGradientBuffer(T + extra, d);
  fillConflicting(buffer.rows, seed);
  return buffer;
}

/** Whether the dispatcher would read these rows in place (a probe of the buffer's own kernel). */
export function readsInPlace(rows: readonly Float32Array[]): boolean {
  return inPlaceKernelsFor(rows)?.gram(rows, new Float64Array(rows.length ** 2)) === true;
}

/** The in-place path is taken for blocks above the TypeScript small-block threshold. */
export const aboveSmallBlock = (T: number, d: number) => T * d > SMALL_BLOCK_FLOATS;

export function assertClose(
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
export function everyOut(
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
export function gramOracle(rows: readonly Float32Array[]): Float64Array {
  const T = rows.length;
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) G[i * T + j] = dot(rows[i], rows[j]);
  return G;
}

export function assertGramClose(
  got: Float64Array,
  want: Float64Array,
  T: number,
  label: string,
): void {
  const err = gramError(got, want, T);
  assert.ok(err < SAME, `${label}: gram error ${err}`);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      assert.equal(got[i * T + j], got[j * T + i], `${label}: symmetric`);
    }
  }
}

/** Float64 Σ_t w[t] · rows[t]. */
export function combineOracle(rows: readonly Float32Array[], w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows[0].length);
  rows.forEach((row, t) => row.forEach((x, k) => (out[k] += w[t] * x)));
  return out;
}

/** Per value |got − want| ≤ 1e-5 · T · max|w_t g_t| (the kernels' float32 rounding). */
export function assertCombineClose(
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
export function someWeights(T: number, seed: number): number[] {
  const next = uniform(seed);
  return Array.from({ length: T }, () => 6 * next() - 3);
}

/** The error `fn` throws (it must throw). */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}

/** Both calls throw the same class of error with the same message; returns the message. */
export function assertSameError(
  inPlace: () => unknown,
  staged: () => unknown,
  label: string,
): string {
  const a = caught(inPlace);
  const b = caught(staged);
  assert.equal(a.constructor, b.constructor, `${label}: error class`);
  assert.equal(a.message, b.message, `${label}: message`);
  return a.message;
}

/** Every case of the T × d grid, each with its own filled buffer. */
export function eachCase(body: (buffer: GradientBuffer, T: number, d: number) => void): void {
  for (const T of TASKS) {
    for (const d of LENGTHS) {
      const buffer = filledBuffer(T, d, 1000 * T + d);
      assert.equal(readsInPlace(buffer.rows), true, `T=${T} d=${d}: buffer rows read in place`);
      body(buffer, T, d);
    }
  }
}

/** surgery, accumulateGram and combineBlock on `rows` equal the oracle and the staged copies. */
export function assertAllCorrect(
  rows: readonly Float32Array[],
  out: Float32Array,
  label: string,
): void {
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
