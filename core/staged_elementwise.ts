/**
 * The staging the elementwise kernels share (GradDrop's, the trimmed mean's): the rows are copied
 * into WASM memory a cache-sized chunk at a time, T rows of m floats back to back, as the
 * gram/combine wrapper does, so d is not limited by WASM memory; each chunk's m results are copied
 * out.
 * @module
 */

import { align16, reserveMemory } from "./wasm.ts";

/** Floats of all T rows staged per chunk (256 KiB). */
const STAGE_FLOATS = 64 * 1024;

/**
 * Runs `chunk` over `rows` staged chunk by chunk after the kernel's own data, which ends at byte
 * `dataEnd` and is written by `prepare` once memory is reserved; the chunk's output, m floats at
 * `outAt`, goes to `out` from `from` on.
 */
export function runStaged(
  memory: WebAssembly.Memory,
  rows: readonly Float32Array[],
  out: Float32Array,
  dataEnd: number,
  prepare: (f32: Float32Array) => void,
  chunk: (stageAt: number, m: number, from: number, outAt: number) => void,
): void {
  const T = rows.length;
  const d = out.length;
  const n = Math.max(4, Math.min(4096, Math.floor(STAGE_FLOATS / Math.max(T, 1))) & ~3);
  const outAt = align16(dataEnd);
  const stageAt = outAt + n * 4; // n is a multiple of 4: 16-byte aligned
  reserveMemory(memory, stageAt + T * n * 4);
  const f32 = new Float32Array(memory.buffer);
  prepare(f32);
  for (let from = 0; from < d; from += n) {
    const m = Math.min(n, d - from);
    for (let t = 0; t < T; t++) f32.set(rows[t].subarray(from, from + m), (stageAt >> 2) + t * m);
    chunk(stageAt, m, from, outAt);
    out.set(f32.subarray(outAt >> 2, (outAt >> 2) + m), from);
  }
}
