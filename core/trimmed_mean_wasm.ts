/**
 * TypeScript wrapper of the trimmed-mean WASM kernel (core/assembly/trimmed_mean.ts), with the
 * reference (core/trimmed_mean_reference.ts), which gives the same bits, as the fallback where
 * WebAssembly SIMD is missing or compiling it is refused. As GradDrop's wrapper
 * (core/graddrop_wasm.ts): the kernel is an export of the core module loaded by the one loader
 * (core/wasm.ts instantiateCore), in its own instance created on first use, and the rows are
 * staged a chunk at a time (core/staged_elementwise.ts).
 * @module
 */

import { trimmedMeanReference } from "./trimmed_mean_reference.ts";
import { runStaged } from "./staged_elementwise.ts";
import { align16, instantiateCore } from "./wasm.ts";

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
      const scratchAt = base;
      runStaged(wasm.memory, rows, out, scratchAt + wasm.trimmedMeanScratchBytes(T), () => {
      }, (stageAt, m, _from, outAt) => {
        wasm.trimmedMean(stageAt, T, m, trim, scratchAt, outAt);
      });
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
