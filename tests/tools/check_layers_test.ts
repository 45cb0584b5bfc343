import assert from "node:assert/strict";
import {
  buildGraph,
  checkSources,
  cycles,
  extractImports,
  layerViolations,
  resolve,
  stripComments,
} from "../../tools/check_layers.ts";

const sources = (files: Record<string, string>) => new Map(Object.entries(files));

Deno.test("check_layers: a cycle between files is found, named once as a closed path", () => {
  const graph = buildGraph(sources({
    "methods/a.ts": `import { b } from "./b.ts";\nexport const a = 1;`,
    "methods/b.ts": `import { c } from "./c.ts";\nexport const b = 2;`,
    "methods/c.ts": `export { a } from "./a.ts";`,
    "methods/d.ts": `import { a } from "./a.ts";`,
  }));
  assert.deepEqual(cycles(graph), [
    "cycle: methods/a.ts → methods/b.ts → methods/c.ts → methods/a.ts",
  ]);
});

Deno.test("check_layers: a file importing itself is a cycle; an acyclic graph has none", () => {
  assert.deepEqual(cycles(buildGraph(sources({ "core/x.ts": `import "./x.ts";` }))), [
    "cycle: core/x.ts → core/x.ts",
  ]);
  const chain = buildGraph(sources({
    "core/x.ts": `import { y } from "./y.ts";`,
    "core/y.ts": `import { z } from "./z.ts";`,
    "core/z.ts": `export const z = 0;`,
  }));
  assert.deepEqual(cycles(chain), []);
});

Deno.test("check_layers: an import up the layers is a violation naming both files and the rule", () => {
  const graph = buildGraph(sources({
    "validate/gram.ts": `import { symmetricEigen } from "../methods/solvers/linalg.ts";`,
    "methods/solvers/linalg.ts": `import type { Method } from "../../vocabulary/methods.ts";`,
    "vocabulary/methods.ts": `export type Method = "pcgrad";`,
    "core/kernels.ts": `import { describe } from "../validate/grads.ts";`,
    "surgery.ts": `import { kernels } from "./core/kernels.ts";`,
    "adapters/plain.ts": `import { runSurgery } from "../surgery.ts";\nimport "../parallel/x.ts";`,
    "mod.ts": `export * from "./adapters/plain.ts";\nimport "./tools/bundle.ts";`,
  }));
  assert.deepEqual(layerViolations(graph), [
    "layer: validate/gram.ts → methods/solvers/linalg.ts: validate/ may import only validate/, vocabulary/, core/",
    "layer: core/kernels.ts → validate/grads.ts: core/ may import only core/",
    "layer: adapters/plain.ts → parallel/x.ts: adapters/ may import only adapters/, core/, vocabulary/, random/, stats/, validate/, methods/, state/, surgery.ts",
    "layer: mod.ts → tools/bundle.ts: tools/bundle.ts is outside the library's layers",
  ]);
});

Deno.test("check_layers: imports inside comments (doc @example blocks) do not count", () => {
  const text = [
    "/**",
    " * @example",
    " * ```ts",
    ' * import { surgery } from "../mod.ts";',
    " * ```",
    " */",
    '// import { x } from "../adapters/x.ts";',
    "/* export { y } from '../parallel/y.ts'; */",
    'import { prng } from "./prng.ts";',
    'export const s = `import { z } from "../methods/z.ts"`;',
    'export const url = "https://example.com/a//b";',
    "import {",
    "  type A,",
    "  b,",
    '} from "./types.ts";',
    'export { c } from "./c.ts";',
    'export type { D } from "./d.ts";',
    'import "./side_effect.ts";',
    'import assert from "node:assert/strict";',
  ].join("\n");
  assert.deepEqual(extractImports(text), [
    "./prng.ts",
    "./types.ts",
    "./c.ts",
    "./d.ts",
    "./side_effect.ts",
    "node:assert/strict",
  ]);
  assert.deepEqual(checkSources(sources({ "random/step.ts": text })), []);
});

Deno.test("check_layers: strings, regular expressions and templates start no comment", () => {
  const text =
    'const a = "//"; const r = /\\/\\*[/]/g; const t = `${a}//${"}"}`;\nimport "./x.ts";';
  assert.equal(stripComments(text).split("\n").length, 2);
  assert.deepEqual(extractImports(text), ["./x.ts"]);
  assert.ok(stripComments("a /* x\ny */ b").startsWith("a     \n"));
});

Deno.test("check_layers: relative specifiers resolve against the importer; bare ones are outside", () => {
  assert.equal(resolve("adapters/tfjs/pipeline.ts", "../../core/kernels.ts"), "core/kernels.ts");
  assert.equal(resolve("mod.ts", "./adapters/plain.ts"), "adapters/plain.ts");
  assert.equal(resolve("core/wasm.ts", "@tensorflow/tfjs"), null);
  assert.equal(resolve("core/wasm.ts", "node:fs"), null);
});
