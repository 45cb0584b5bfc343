/**
 * TypeScript wrapper of the GradDrop WASM kernel (core/assembly/graddrop.ts), with the reference
 * (core/graddrop_reference.ts) as the fallback where WebAssembly SIMD is missing or compiling it is
 * refused. The kernel is an export of the core module, loaded by the one loader (core/wasm.ts
 * instantiateCore); it runs in its own instance, created on first use, so nothing is paid by
 * callers that never select "graddrop". Rows are staged a chunk at a time (core/staged_elementwise.ts).
 * @module
 */

import { type GradDropParams, graddropReference } from "./graddrop_reference.ts";
import { runStaged } from "./staged_elementwise.ts";
import { align16, instantiateCore } from "./wasm.ts";

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
      const leakAt = base;
      const offset = params.offset ?? 0;
      runStaged(wasm.memory, rows, out, leakAt + T * 4, (f32) => {
        for (let t = 0; t < T; t++) f32[(leakAt >> 2) + t] = params.leak[t];
      }, (stageAt, m, from, outAt) => {
        wasm.graddrop(stageAt, T, m, leakAt, params.key0, params.key1, offset + from, outAt);
      });
    },
  };
}

let chosen: GradDropKernel | undefined;

/** The fastest GradDrop backend here, created on first use. */
export function graddropKernel(): GradDropKernel {
  chosen ??= createGradDropWasm() ?? { name: "typescript", run: graddropReference };
  return chosen;
}
