/**
 * TypeScript wrapper of the SIMD WASM core (core/assembly/, embedded in core/_wasm_module.ts).
 *
 * Gradients live in JS memory. Each kernel call stages them through one bounded scratch area in
 * WASM memory, a cache-sized chunk of every task row at a time, so d is not limited by WASM memory
 * and the scratch area is reused across calls: it grows only when T needs more room than any
 * earlier call, never with d.
 * @module
 */

import { decodeBase64 } from "./_base64.ts";
import { WASM_BASE64 } from "./_wasm_module.ts";
import type { Kernels } from "./kernel_types.ts";

/**
 * Floats of all T rows staged per chunk: 64 Ki floats = 256 KiB, about an L2 cache, so the Gram
 * kernel's T² row reads of a chunk hit cache. A row is at most MAX_CHUNK_FLOATS long, so each f32x4
 * lane sums at most 1 Ki products before the chunk's dot product is added in float64.
 * Chosen with bench/pcgrad_bench.ts.
 */
export const STAGE_FLOATS = 64 * 1024;
/** Longest row chunk, in floats. */
export const MAX_CHUNK_FLOATS = 4096;
const WASM_PAGE = 65536;

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gram(rows: number, T: number, n: number, G: number): void;
  combine(rows: number, T: number, n: number, w: number, out: number): void;
}

/** Row chunk length for T tasks: a multiple of 4 floats (whole f32x4 lanes), at least 4. */
export function chunkLength(T: number): number {
  const n = Math.min(MAX_CHUNK_FLOATS, Math.floor(STAGE_FLOATS / Math.max(T, 1)));
  return Math.max(4, n & ~3);
}

const align16 = (x: number) => (x + 15) & ~15;

/** Scratch layout: G (T² f64) | w (T f32) | out (n f32) | stage (T·n f32). */
function layout(base: number, T: number, n: number) {
  const G = align16(base);
  const w = align16(G + T * T * 8);
  const out = align16(w + T * 4);
  const stage = align16(out + n * 4);
  return { G, w, out, stage, end: stage + T * n * 4 };
}

/** The compiled module, or null where WebAssembly SIMD is missing (feature-detected). */
function instantiate(): Exports | null {
  if (typeof WebAssembly !== "object") return null;
  const bytes = decodeBase64(WASM_BASE64);
  // The module uses SIMD throughout, so it validates exactly where SIMD is supported.
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return instance.exports as unknown as Exports;
}

/** The WASM backend, with its memory size exposed for tests and benchmarks. */
export interface WasmKernels extends Kernels {
  /** Current size of the module's memory in bytes (static data + scratch area). */
  memoryBytes(): number;
}

/** Builds the WASM backend, or returns null where WebAssembly SIMD is unavailable. */
export function createWasmKernels(): WasmKernels | null {
  const wasm = instantiate();
  if (wasm === null) return null;
  const base = wasm.heapBase();
  let f32 = new Float32Array(wasm.memory.buffer);
  let f64 = new Float64Array(wasm.memory.buffer);

  function reserve(T: number, n: number) {
    const l = layout(base, T, n);
    const have = wasm!.memory.buffer.byteLength;
    if (l.end > have) {
      wasm!.memory.grow(Math.ceil((l.end - have) / WASM_PAGE));
      f32 = new Float32Array(wasm!.memory.buffer);
      f64 = new Float64Array(wasm!.memory.buffer);
    }
    return l;
  }

  /** Copies columns [from, from + m) of every row into the stage, rows m floats apart. */
  function stage(rows: readonly Float32Array[], from: number, m: number, at: number): void {
    const first = at >> 2;
    for (let t = 0; t < rows.length; t++) {
      f32.set(rows[t].subarray(from, from + m), first + t * m);
    }
  }

  return {
    name: "wasm-simd",
    memoryBytes: () => wasm.memory.buffer.byteLength,
    gram(rows, G) {
      const T = rows.length;
      const d = T === 0 ? 0 : rows[0].length;
      const n = chunkLength(T);
      const l = reserve(T, n);
      const g0 = l.G >> 3;
      f64.fill(0, g0, g0 + T * T);
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        stage(rows, from, m, l.stage);
        wasm.gram(l.stage, T, m, l.G);
      }
      for (let i = 0; i < T; i++) {
        for (let j = i; j < T; j++) {
          const s = f64[g0 + i * T + j];
          G[i * T + j] += s;
          if (j !== i) G[j * T + i] += s;
        }
      }
    },
    combine(rows, w, out) {
      const T = rows.length;
      const d = out.length;
      const n = chunkLength(T);
      const l = reserve(T, n);
      for (let t = 0; t < T; t++) f32[(l.w >> 2) + t] = w[t];
      const o = l.out >> 2;
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        stage(rows, from, m, l.stage);
        wasm.combine(l.stage, T, m, l.w, l.out);
        out.set(f32.subarray(o, o + m), from);
      }
    },
  };
}
