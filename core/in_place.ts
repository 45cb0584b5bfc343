/**
 * In-place kernels: the Gram and combine passes over rows that already sit in a core instance's
 * memory (a gradient buffer's, core/gradient_buffer.ts), so nothing is staged. Rows must be evenly
 * spaced views of that memory, above its scratch; the last d mod 8 columns, which the unrolled
 * kernels do not take, run in TypeScript. Anything else returns "not handled" and is staged by
 * the caller (core/kernels.ts).
 * @module
 */

import { combineReference, gramReference } from "./reference.ts";
import {
  addUpperTriangle,
  type CoreExports,
  gramBlockFloats,
  MAX_CHUNK_FLOATS,
  PAD_FLOATS,
} from "./wasm.ts";

/** Kernels over rows that sit in one buffer's memory; false/null where a call does not fit. */
export interface InPlaceKernels {
  gram(rows: readonly Float32Array[], G: Float64Array): boolean;
  combine(rows: readonly Float32Array[], w: ArrayLike<number>, out: Float32Array): boolean | null;
}

/**
 * Byte offsets of the scratch area (core/wasm.ts kernelScratch: G, the Gram accumulators, weights,
 * an output chunk `out`) and of the first row: views that reach below it (built over the raw
 * memory) would overlap the scratch the kernels write, so they are staged instead.
 */
export interface Scratch {
  G: number;
  acc: number;
  w: number;
  out: number;
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

/** The in-place kernels of instance `k` for calls of at most `maxT` rows, using scratch `at`. */
export function inPlaceKernels(k: CoreExports, maxT: number, at: Scratch): InPlaceKernels {
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
      if (p.body < p.d) gramReference(rows.map((r) => r.subarray(p.body)), G);
      return true;
    },
    combine(rows, w, out) {
      const p = plan(rows);
      // An out over the scratch (a view built on the raw memory) is left to the staged kernels.
      if (p === null || (out.buffer === memory && out.byteOffset < at.first)) return null;
      const w32 = f32.subarray(at.w >> 2, (at.w >> 2) + p.T);
      for (let t = 0; t < p.T; t++) w32[t] = w[t];
      let finite = true;
      if (out.buffer === memory) {
        if (p.body > 0 && k.combine(p.p0, p.T, p.body, p.stride, at.w, out.byteOffset) !== 0) {
          finite = false;
        }
      } else {
        const c = at.out >> 2;
        for (let from = 0; from < p.body; from += MAX_CHUNK_FLOATS) {
          const m = Math.min(MAX_CHUNK_FLOATS, p.body - from);
          if (k.combine(p.p0 + from * 4, p.T, m, p.stride, at.w, at.out) !== 0) finite = false;
          out.set(f32.subarray(c, c + m), from);
        }
      }
      // The tail with the same float32 weights as the kernel, in float64.
      const tail = rows.map((r) => r.subarray(p.body));
      if (p.body < p.d && !combineReference(tail, w32, out.subarray(p.body))) finite = false;
      return finite;
    },
  };
}
