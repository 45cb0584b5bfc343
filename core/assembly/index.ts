// Entry point of the WASM core (AssemblyScript; compiled by core/build_wasm.ts).
// Pointer + length kernels only, no managed runtime (--runtime stub, --use abort=).

export { gram } from "./gram";
export { combine } from "./combine";
export { graddrop } from "./graddrop";
export { trimmedMean, trimmedMeanScratchBytes } from "./trimmed_mean";

/** First free byte after the module's static data: the TS wrapper's scratch area starts here. */
export function heapBase(): usize {
  return __heap_base;
}
