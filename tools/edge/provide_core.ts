/**
 * The edge build's first module: hands the library the core compiled by the runtime, from the
 * `.wasm` module beside the bundle, before the kernels load. Cloudflare Workers and Vercel Edge
 * refuse to compile WebAssembly from bytes but give `import core from "./core.wasm"` as a compiled
 * `WebAssembly.Module`. tools/bundle.ts writes that import at the top of the bundled file, binding
 * the name declared here (tools/_edge_core.ts CORE_WASM_BINDING); this module only runs bundled.
 * @module
 */

import { provideCoreModule } from "../../core/wasm.ts";

declare const __gradientSurgeryCoreWasm: unknown;

// Bun gives a `.wasm` import as the file's path, not a module; it compiles the embedded bytes.
if (__gradientSurgeryCoreWasm instanceof WebAssembly.Module) {
  provideCoreModule(__gradientSurgeryCoreWasm);
}
