/**
 * Entry of dist/edge/worker.mjs: the edge-worker example (examples/edge_worker/worker.ts) on the
 * core imported as dist/edge/core.wasm, for runtimes that refuse to compile WebAssembly from bytes.
 * @module
 */

import "./provide_core.ts";

export { default } from "../../examples/edge_worker/worker.ts";
