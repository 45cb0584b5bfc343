/**
 * Child process of wasm_refused_test.ts: loads the library in a runtime that refuses to compile
 * WebAssembly from bytes, as Cloudflare Workers and Vercel Edge do ("Wasm code generation
 * disallowed by embedder"), and prints what it computed on the edge tests' workload. With the
 * argument "provided" it first hands in a module compiled before the refusal, as the edge build
 * does with an imported core.wasm.
 * @module
 */

import { WASM_BASE64 } from "../../core/_wasm_module.ts";
import { decodeBase64 } from "../../core/_base64.ts";

const provided = Deno.args[0] === "provided"
  ? new WebAssembly.Module(decodeBase64(WASM_BASE64))
  : undefined;

function refuse(): never {
  throw new WebAssembly.CompileError(
    "WebAssembly.Module(): Wasm code generation disallowed by embedder",
  );
}
// Compiling is refused; instantiating a module compiled elsewhere is not.
const { Module, instantiate } = WebAssembly;
const wasm = WebAssembly as unknown as Record<string, unknown>;
const refused = function Module() {
  refuse();
};
refused.prototype = Module.prototype;
wasm.Module = refused;
wasm.compile = () => Promise.reject(refuse());
wasm.instantiate = (source: unknown, imports?: WebAssembly.Imports) =>
  source instanceof Module ? instantiate(source, imports) : Promise.reject(refuse());

if (provided !== undefined) {
  const { provideCoreModule } = await import("../../core/wasm.ts");
  provideCoreModule(provided);
}
const library = await import("../../mod.ts");
const { REFUSED_METHODS, sampleGrads } = await import("./_workload.ts");
const seed = Number(Deno.args[1]);
const result: Record<string, { kernel: string | undefined; update: number[] }> = {};
for (const [method, options] of Object.entries(REFUSED_METHODS)) {
  const step = library.createSurgery({ method: method as "pcgrad", seed, ...options });
  const update = step.surgery(sampleGrads());
  result[method] = { kernel: step.stats?.kernel, update: Array.from(update) };
}
console.log(JSON.stringify(result));
