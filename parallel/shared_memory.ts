/**
 * Shared memory for the parallel surgery: feature detection, shared Float32Arrays for callers that
 * want their gradients readable by every thread without a copy, and slicing d across threads.
 * @module
 */

/**
 * A zero-filled Float32Array of `length` floats on a SharedArrayBuffer where the runtime has one
 * (else on a plain ArrayBuffer). Gradients written into such arrays reach the parallel surgery's
 * workers without a copy.
 *
 * @example
 * ```ts
 * import { sharedFloat32Array } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const g = sharedFloat32Array(4);
 * g.set([1, 2, 3, 4]);
 * assert.equal(g.length, 4);
 * ```
 */
export function sharedFloat32Array(length: number): Float32Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(
      `Cannot allocate a shared array: length must be an integer ≥ 0, found ${length}`,
    );
  }
  return typeof SharedArrayBuffer === "function"
    ? new Float32Array(new SharedArrayBuffer(length * 4))
    : new Float32Array(length);
}

/** Whether `a` lives on a SharedArrayBuffer. */
export function isShared(a: Float32Array): boolean {
  return typeof SharedArrayBuffer === "function" && a.buffer instanceof SharedArrayBuffer;
}

/**
 * Slice boundaries for `parts` threads over d parameters: parts + 1 ascending indices from 0 to d.
 * Inner boundaries are multiples of SLICE_ALIGN floats, so no two threads write one cache line
 * of the output; they depend only on d and parts, so a thread count always gives the same slices
 * (bitwise-reproducible results).
 */
export function sliceBounds(d: number, parts: number): number[] {
  const bounds = [0];
  for (let p = 1; p < parts; p++) {
    const b = Math.round((d * p) / parts / SLICE_ALIGN) * SLICE_ALIGN;
    bounds.push(Math.min(d, Math.max(bounds[p - 1], b)));
  }
  bounds.push(d);
  return bounds;
}

/** 16 floats = one 64-byte cache line. */
export const SLICE_ALIGN = 16;
