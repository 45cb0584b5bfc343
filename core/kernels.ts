/**
 * The kernels the engine uses: the SIMD WASM core where WebAssembly SIMD exists, the
 * pure-TypeScript reference elsewhere, and for tiny blocks everywhere (below SMALL_BLOCK_FLOATS the
 * fixed cost of staging a block into WASM memory exceeds the arithmetic). Rows that sit in a
 * gradient buffer (core/gradient_buffer.ts) are read in place by that buffer's core; other rows
 * are staged through the shared core's scratch area (core/wasm.ts).
 * @module
 */

import { inPlaceKernelsFor } from "./gradient_buffer.ts";
import type { Kernels } from "./kernel_types.ts";
import { referenceKernels } from "./reference.ts";
import { createWasmKernels } from "./wasm.ts";

export type { Kernels } from "./kernel_types.ts";

/**
 * Blocks of at most this many floats (T · d) run the TypeScript kernels: at T = 2, d = 2 one Gram
 * plus one combine took 0.05 µs in TypeScript against 1.5 µs through WASM; the two cross near
 * T · d = 64–128 (bench/call_overhead.ts).
 */
export const SMALL_BLOCK_FLOATS = 64;

function floats(rows: readonly Float32Array[]): number {
  return rows.length === 0 ? 0 : rows.length * rows[0].length;
}

/** The WASM kernels: tiny blocks to the TypeScript reference, buffer rows read in place. */
function dispatch(wasm: Kernels): Kernels {
  return {
    name: wasm.name,
    gram(rows, G) {
      if (floats(rows) <= SMALL_BLOCK_FLOATS) referenceKernels.gram(rows, G);
      else if (!inPlaceKernelsFor(rows)?.gram(rows, G)) wasm.gram(rows, G);
    },
    combine(rows, w, out) {
      if (floats(rows) <= SMALL_BLOCK_FLOATS) return referenceKernels.combine(rows, w, out);
      return inPlaceKernelsFor(rows)?.combine(rows, w, out) ?? wasm.combine(rows, w, out);
    },
  };
}

const wasm = createWasmKernels();

/** The fastest backend this runtime supports, chosen once at load. */
export const kernels: Kernels = wasm === null ? referenceKernels : dispatch(wasm);

/**
 * Bytes of WASM memory the kernels hold (static data plus the reused scratch area; 0 for the
 * TypeScript kernels): the library's working memory beyond inputs, output and T×T arrays.
 */
export function kernelMemoryBytes(): number {
  return wasm === null ? 0 : wasm.memoryBytes();
}

/** Which WASM build runs ("relaxed-simd" or "simd"), or null for the TypeScript kernels. */
export function kernelFlavor(): string | null {
  return wasm === null ? null : wasm.flavor;
}
