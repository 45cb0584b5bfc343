/**
 * The edge build's core: the plain SIMD build of the WASM module as a file, core.wasm, imported by
 * the bundle beside it. Runtimes that refuse to compile WebAssembly from bytes (Cloudflare Workers,
 * Vercel Edge) compile a `.wasm` module themselves and give it to `import core from "./core.wasm"`;
 * tools/edge/provide_core.ts hands it to the library. Plain SIMD, not relaxed: an import the
 * runtime cannot compile would stop the whole worker from loading, and SIMD is everywhere relaxed
 * SIMD is.
 * @module
 */

import { decodeBase64 } from "../core/_base64.ts";
import { WASM_BASE64 } from "../core/_wasm_module.ts";

/** The name tools/edge/provide_core.ts reads the imported module from. */
export const CORE_WASM_BINDING = "__gradientSurgeryCoreWasm";

/** The module file's name, beside the bundle. */
export const CORE_WASM_FILE = "core.wasm";

/** The bytes of core.wasm. */
export function coreWasmBytes(): Uint8Array {
  return decodeBase64(WASM_BASE64);
}

/**
 * `code` (bundled from an entry that imports tools/edge/provide_core.ts) with the import of
 * core.wasm on top, and how many times the bundle reads the binding (0 when the entry is wrong).
 */
export function importCoreWasm(code: string): { code: string; count: number } {
  const count = code.split(CORE_WASM_BINDING).length - 1;
  const line = `import ${CORE_WASM_BINDING} from "./${CORE_WASM_FILE}";`;
  return { code: `${line}\n${code}`, count };
}
