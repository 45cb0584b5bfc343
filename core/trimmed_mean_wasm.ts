/**
 * TypeScript wrapper of the trimmed-mean WASM kernel (core/assembly/trimmed_mean.ts), with the
 * reference (core/trimmed_mean_reference.ts), which gives the same bits, as the fallback where
 * WebAssembly SIMD is missing or compiling it is refused. As GradDrop's wrapper
 * (core/graddrop_wasm.ts): the kernel is an export of the core module loaded by the one loader
 * (core/wasm.ts instantiateCore), in its own instance created on first use, and the rows are
 * staged a cache-sized chunk at a time, so d is not limited by WASM memory.
 * @module
 */

import { trimmedMeanReference } from "./trimmed_mean_reference.ts";
import { align16, instantiateCore, reserveMemory } from "./wasm.ts";

/** Floats of all T rows staged per chunk (256 KiB), as GradDrop's wrapper. */
const STAGE_FLOATS = 64 * 1024;

/** The parameters of one trimmed-mean call. */
export interface TrimmedMeanParams {
  /** How many of the smallest and of the largest values to drop per coordinate (T > 2·trim). */
  readonly trim: number;
}

/** A trimmed-mean backend: writes the trimmed mean of `rows` into `out` (the caller checked trim). */
export interface TrimmedMeanKernel {
  readonly name: "wasm-simd" | "typescript";
  run(rows: readonly Float32Array[], params: TrimmedMeanParams, out: Float32Array): void;
}

/**
 * The WASM backend, or null where WebAssembly SIMD is unavailable or the runtime refuses to compile
 * the embedded module (and none was handed in compiled: core/wasm.ts provideCoreModule).
 */
export function createTrimmedMeanWasm(): TrimmedMeanKernel | null {
  // The plain SIMD build: the one edge runtimes hand in compiled (provideCoreModule's default).
  const core = instantiateCore(["simd"]);
  if (core === null) return null;
  const wasm = core.exports;
  const base = align16(wasm.heapBase());
  return {
    name: "wasm-simd",
    run(rows, { trim }, out) {
      const T = rows.length;
      const d = out.length;
      const n = Math.max(4, Math.min(4096, Math.floor(STAGE_FLOATS / Math.max(T, 1))) & ~3);
      const scratchAt = base;
      const outAt = align16(scratchAt + wasm.trimmedMeanScratchBytes(T));
      const stageAt = align16(outAt + n * 4);
      reserveMemory(wasm.memory, stageAt + T * n * 4);
      const f32 = new Float32Array(wasm.memory.buffer);
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        for (let t = 0; t < T; t++) {
          f32.set(rows[t].subarray(from, from + m), (stageAt >> 2) + t * m);
        }
        wasm.trimmedMean(stageAt, T, m, trim, scratchAt, outAt);
        out.set(f32.subarray(outAt >> 2, (outAt >> 2) + m), from);
      }
    },
  };
}

let chosen: TrimmedMeanKernel | undefined;

/** The fastest trimmed-mean backend here, created on first use. */
export function trimmedMeanKernel(): TrimmedMeanKernel {
  chosen ??= createTrimmedMeanWasm() ?? {
    name: "typescript",
    run: (rows, { trim }, out) => trimmedMeanReference(rows, trim, out),
  };
  return chosen;
}
