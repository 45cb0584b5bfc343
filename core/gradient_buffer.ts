/**
 * Gradient buffers: task rows allocated in a WASM core's own memory, so the kernels read them in
 * place instead of staging a copy (core/wasm.ts). A copy costs about one more read of the input
 * per pass; engines that write their gradients straight into a buffer skip it (README
 * "Benchmarks": in place is the path that reaches the memory floor).
 *
 * Each buffer owns one core instance whose memory is sized once, at creation, for its rows, its
 * output row and the kernels' scratch (G, weights, an output chunk): it never grows afterwards,
 * because growing a WebAssembly memory detaches every view of it, the caller's rows included.
 * @module
 */

import {
  accBytes,
  addUpperTriangle,
  align16,
  type CoreExports,
  gramBlockFloats,
  instantiateCore,
  MAX_CHUNK_FLOATS,
  PAD_FLOATS,
  WASM_PAGE,
} from "./wasm.ts";
import { describe } from "../validate/grads.ts";

/** Pages a 32-bit WebAssembly memory can address: 65536 × 64 KiB = 4 GiB. */
const MAX_PAGES = 65536;

/**
 * T task rows of d floats in the WASM core's memory, plus an output row: write each task's
 * gradient into `rows[t]` and pass `rows` (and `output` as `out`) to `surgery`, `createSurgery`,
 * `accumulateGram` or `combineBlock`, which then read them where they are.
 *
 * @example An in-place step
 * ```ts
 * import { createGradientBuffer, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = createGradientBuffer(2, 3);
 * buffer.rows[0].set([1, 0, 2]);
 * buffer.rows[1].set([-1, 1, 0]);
 * const update = surgery(buffer.rows, { out: buffer.output });
 * assert.equal(update, buffer.output);
 * [-0.3, 1.5, 2.4].forEach((x, k) => assert.ok(Math.abs(update[k] - x) < 1e-6));
 * ```
 */
export interface GradientBuffer {
  /** The task rows: T Float32Arrays of `length` floats, zero at creation. */
  readonly rows: readonly Float32Array[];
  /** A row of `length` floats in the same memory, for the update (`out`). */
  readonly output: Float32Array;
  /** T, the number of rows. */
  readonly tasks: number;
  /** d, the floats per row. */
  readonly length: number;
}

/** Kernels over rows that sit in one buffer's memory; null/false where a call does not fit. */
interface InPlaceKernels {
  gram(rows: readonly Float32Array[], G: Float64Array): boolean;
  combine(rows: readonly Float32Array[], w: ArrayLike<number>, out: Float32Array): boolean | null;
}

/** Each live buffer's memory → its kernels (weak: a dropped buffer takes its instance along). */
const registry = new WeakMap<ArrayBufferLike, InPlaceKernels>();

function checkCount(value: unknown, name: string, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${what}: ${name} must be an integer ≥ 1, found ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Allocates a {@linkcode GradientBuffer} of T rows of d floats (and an output row). Rows are laid
 * out one after another, each padded to whole pairs of f32x4, in a WebAssembly memory of about
 * (T + 1) · d · 4 bytes; the whole must fit the 4 GiB a 32-bit module can address.
 *
 * @example Gradients written in place by an engine, surgery without a copy
 * ```ts
 * import { createGradientBuffer, createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = createGradientBuffer(3, 1000);
 * const pcgrad = createSurgery({ seed: 1 });
 * for (let step = 0; step < 2; step++) {
 *   buffer.rows.forEach((row, t) => row.fill(t === 1 ? -1 : 1)); // the engine's backward pass
 *   pcgrad.surgery(buffer.rows, { out: buffer.output });
 * }
 * assert.equal(buffer.output.length, 1000);
 * ```
 */
export function createGradientBuffer(tasks: number, length: number): GradientBuffer {
  const what = "create gradient buffer";
  const T = checkCount(tasks, "tasks", what);
  const d = checkCount(length, "length", what);
  const core = instantiateCore();
  if (core === null) {
    throw new Error(`Cannot ${what}: this runtime has no WebAssembly SIMD`);
  }
  const k = core.exports;
  const pitch = Math.ceil(d / PAD_FLOATS) * PAD_FLOATS;
  const G = align16(k.heapBase());
  const acc = align16(G + T * T * 8);
  const w = align16(acc + accBytes(T));
  const chunk = align16(w + T * 4);
  const first = align16(chunk + MAX_CHUNK_FLOATS * 4);
  const end = first + (T + 1) * pitch * 4;
  const pages = Math.ceil(end / WASM_PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `Cannot ${what}: ${T} rows of ${d} floats need ${end} bytes of WebAssembly memory, ` +
        `more than the ${MAX_PAGES * WASM_PAGE} a 32-bit module can address`,
    );
  }
  const have = k.memory.buffer.byteLength / WASM_PAGE;
  try {
    if (pages > have) k.memory.grow(pages - have);
  } catch (error) {
    throw new RangeError(
      `Cannot ${what}: the runtime refused ${end} bytes of WebAssembly memory for ${T} rows of ` +
        `${d} floats (${(error as Error).message})`,
    );
  }
  const memory = k.memory.buffer;
  const row = (i: number) => new Float32Array(memory, first + i * pitch * 4, d);
  const rows = Array.from({ length: T }, (_, t) => row(t));
  registry.set(memory, inPlaceKernels(k, T, { G, acc, w, chunk, first }));
  return { rows: Object.freeze(rows), output: row(T), tasks: T, length: d };
}

/**
 * Byte offsets of the scratch area (G (T² f64), the Gram accumulators, weights, an output chunk)
 * and of the first row: views that reach below it (built over the raw memory) would overlap the
 * scratch the kernels write, so they are staged instead.
 */
interface Scratch {
  G: number;
  acc: number;
  w: number;
  chunk: number;
  first: number;
}

/**
 * The byte stride between consecutive rows when every row is a view of `memory` and they are
 * evenly spaced (as a buffer's rows, any subset taken at even steps, or the same columns of
 * each: a shard); null otherwise.
 */
function evenStride(rows: readonly Float32Array[], memory: ArrayBufferLike): number | null {
  const p0 = rows[0].byteOffset;
  const s = rows.length > 1 ? rows[1].byteOffset - p0 : 0;
  if (s < 0) return null;
  for (let t = 0; t < rows.length; t++) {
    if (rows[t].buffer !== memory || rows[t].byteOffset !== p0 + t * s) return null;
  }
  return s;
}

function inPlaceKernels(k: CoreExports, maxT: number, at: Scratch): InPlaceKernels {
  const memory = k.memory.buffer;
  const f32 = new Float32Array(memory);
  const f64 = new Float64Array(memory);
  /** Row layout of a call, or null when it is not one the kernels can read in place. */
  const plan = (rows: readonly Float32Array[]) => {
    const T = rows.length;
    if (T === 0 || T > maxT) return null;
    const stride = evenStride(rows, memory);
    if (stride === null || rows[0].byteOffset < at.first) return null;
    const d = rows[0].length;
    return { T, d, p0: rows[0].byteOffset, stride: stride / 4, body: d - (d % PAD_FLOATS) };
  };
  return {
    gram(rows, G) {
      const p = plan(rows);
      if (p === null) return false;
      const g0 = at.G >> 3;
      f64.fill(0, g0, g0 + p.T * p.T);
      if (p.body > 0) k.gram(p.p0, p.T, p.body, p.stride, at.G, at.acc, gramBlockFloats(p.T));
      addUpperTriangle(f64, g0, p.T, G);
      // The last d mod 8 columns, which the unrolled kernel does not take, in float64.
      for (let i = 0; i < p.T; i++) {
        for (let j = i; j < p.T; j++) {
          let s = 0;
          for (let c = p.body; c < p.d; c++) s += rows[i][c] * rows[j][c];
          G[i * p.T + j] += s;
          if (j !== i) G[j * p.T + i] += s;
        }
      }
      return true;
    },
    combine(rows, w, out) {
      const p = plan(rows);
      // An out over the scratch (a view built on the raw memory) is left to the staged kernels.
      if (p === null || (out.buffer === memory && out.byteOffset < at.first)) return null;
      for (let t = 0; t < p.T; t++) f32[(at.w >> 2) + t] = w[t];
      let finite = true;
      if (out.buffer === memory) {
        if (p.body > 0 && k.combine(p.p0, p.T, p.body, p.stride, at.w, out.byteOffset) !== 0) {
          finite = false;
        }
      } else {
        const c = at.chunk >> 2;
        for (let from = 0; from < p.body; from += MAX_CHUNK_FLOATS) {
          const m = Math.min(MAX_CHUNK_FLOATS, p.body - from);
          if (k.combine(p.p0 + from * 4, p.T, m, p.stride, at.w, at.chunk) !== 0) finite = false;
          out.set(f32.subarray(c, c + m), from);
        }
      }
      for (let col = p.body; col < p.d; col++) {
        let s = 0;
        for (let t = 0; t < p.T; t++) s += f32[(at.w >> 2) + t] * rows[t][col];
        out[col] = s;
        if (!Number.isFinite(out[col])) finite = false;
      }
      return finite;
    },
  };
}

/**
 * The in-place kernels for rows that all sit in one gradient buffer's memory, or null (rows in JS
 * memory, or in several buffers).
 */
export function inPlaceKernelsFor(rows: readonly Float32Array[]): InPlaceKernels | null {
  return rows.length === 0 ? null : registry.get(rows[0].buffer) ?? null;
}
