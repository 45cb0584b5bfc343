/**
 * Entry of dist/edge/gradient-surgery.mjs: the library on the core imported as dist/edge/core.wasm,
 * for runtimes that refuse to compile WebAssembly from bytes (Cloudflare Workers, Vercel Edge).
 * @module
 */

import "./provide_core.ts";

export * from "../../mod.ts";
