/**
 * The kernels the engine uses: the SIMD WASM core where WebAssembly SIMD exists, the
 * pure-TypeScript reference elsewhere.
 * @module
 */

import type { Kernels } from "./kernel_types.ts";
import { referenceKernels } from "./reference.ts";
import { createWasmKernels } from "./wasm.ts";

export type { Kernels } from "./kernel_types.ts";

/** The fastest backend this runtime supports, chosen once at load. */
export const kernels: Kernels = createWasmKernels() ?? referenceKernels;
