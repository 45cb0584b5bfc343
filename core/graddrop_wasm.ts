/**
 * TypeScript wrapper of the GradDrop WASM kernel (core/assembly/graddrop.ts), with the reference
 * (core/graddrop_reference.ts) as the fallback where WebAssembly SIMD is missing or compiling it is
 * refused. The kernel is an export of the core module, loaded by the one loader (core/wasm.ts
 * instantiateCore); it runs in its own instance, created on first use, so nothing is paid by
 * callers that never select "graddrop". Rows are staged a cache-sized chunk at a time, as
 * core/wasm.ts does, so d is not limited by WASM memory.
 * @module
 */

import { type GradDropParams, graddropReference } from "./graddrop_reference.ts";
import { align16, instantiateCore, reserveMemory } from "./wasm.ts";

/** Floats of all T rows staged per chunk (256 KiB), as the gram/combine wrapper. */
const STAGE_FLOATS = 64 * 1024;

/** A GradDrop backend: writes the update of `rows` into `out`. */
export interface GradDropKernel {
  readonly name: "wasm-simd" | "typescript";
  run(rows: readonly Float32Array[], params: GradDropParams, out: Float32Array): void;
}

/**
 * The WASM backend, or null where WebAssembly SIMD is unavailable or the runtime refuses to compile
 * the embedded module (and none was handed in compiled: core/wasm.ts provideCoreModule).
 */
export function createGradDropWasm(): GradDropKernel | null {
  // The plain SIMD build: the one edge runtimes hand in compiled (provideCoreModule's default).
  const core = instantiateCore(["simd"]);
  if (core === null) return null;
  const wasm = core.exports;
  const base = align16(wasm.heapBase());
  return {
    name: "wasm-simd",
    run(rows, params, out) {
      const T = rows.length;
      const d = out.length;
      const n = Math.max(4, Math.min(4096, Math.floor(STAGE_FLOATS / Math.max(T, 1))) & ~3);
      const leakAt = base;
      const outAt = align16(leakAt + T * 4);
      const stageAt = outAt + n * 4;
      reserveMemory(wasm.memory, stageAt + T * n * 4);
      const f32 = new Float32Array(wasm.memory.buffer);
      for (let t = 0; t < T; t++) f32[(leakAt >> 2) + t] = params.leak[t];
      const offset = params.offset ?? 0;
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        for (let t = 0; t < T; t++) {
          f32.set(rows[t].subarray(from, from + m), (stageAt >> 2) + t * m);
        }
        wasm.graddrop(stageAt, T, m, leakAt, params.key0, params.key1, offset + from, outAt);
        out.set(f32.subarray(outAt >> 2, (outAt >> 2) + m), from);
      }
    },
  };
}

let chosen: GradDropKernel | undefined;

/** The fastest GradDrop backend here, created on first use. */
export function graddropKernel(): GradDropKernel {
  chosen ??= createGradDropWasm() ?? { name: "typescript", run: graddropReference };
  return chosen;
}
