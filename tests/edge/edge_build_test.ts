// dist/edge/ (tools/bundle.ts): the library and the worker importing the core as the module
// core.wasm beside them, for runtimes that refuse to compile WebAssembly from bytes. That they run
// there is tests/edge/runtimes_test.ts; here, what the files hold.
import assert from "node:assert/strict";
import { WASM_BASE64 } from "../../core/_wasm_module.ts";
import { freshDist } from "./_dist.ts";

Deno.test("edge build: core.wasm is the plain SIMD core, imported once by each entry", async () => {
  const dist = await freshDist();
  const wasm = await Deno.readFile(new URL("edge/core.wasm", dist));
  assert.deepEqual(wasm, Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
  assert.ok(WebAssembly.validate(wasm));
  for (const file of ["edge/gradient-surgery.mjs", "edge/worker.mjs"]) {
    const code = await Deno.readTextFile(new URL(file, dist));
    const imports = code.match(/^\s*import\s.*$/gm) ?? [];
    assert.deepEqual(imports, ['import __gradientSurgeryCoreWasm from "./core.wasm";'], file);
    assert.doesNotMatch(code, /\bDeno\./, `${file} uses no Deno API`);
    assert.doesNotMatch(code, /import\.meta\.url/, `${file} needs nothing beside it but core.wasm`);
  }
  // A worker's main module exports its handler only: workerd takes every export for an entrypoint.
  const worker = await Deno.readTextFile(new URL("edge/worker.mjs", dist));
  assert.match(worker, /export \{\s*\w+ as default\s*\};\s*$/);
  const types = await Deno.readTextFile(new URL("edge/gradient-surgery.d.mts", dist));
  assert.match(types, /export declare function surgery\(/);
});
