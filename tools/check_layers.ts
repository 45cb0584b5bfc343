/**
 * The layer and cycle check (`deno task check:layers`): reads every source file of the library,
 * takes its static imports and exports-from (not those inside comments, such as the `@example`
 * blocks of doc comments), and fails, one line per violation, on an import cycle between files or
 * an import the layer table below forbids. The table is the layering of docs/architecture.md
 * ("Layout"): a lower layer never reaches up, so each can be read and tested without the ones
 * above it.
 *
 *   deno run --allow-read tools/check_layers.ts
 * @module
 */

/** The pipeline surgery.ts runs and everything below it: what adapters/ and parallel/ may use. */
const PIPELINE: readonly string[] = [
  "core",
  "vocabulary",
  "random",
  "stats",
  "validate",
  "methods",
  "state",
  "surgery.ts",
];

/**
 * Lowest to highest: what each layer may import besides itself. A layer is a top-level folder, or a
 * top-level file (surgery.ts, mod.ts).
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  "core": [],
  "vocabulary": [],
  "random": [],
  "stats": ["vocabulary"],
  "validate": ["vocabulary", "core"],
  "methods": ["core", "validate", "vocabulary", "random"],
  "state": ["core", "methods", "validate", "vocabulary", "random", "stats"],
  "surgery.ts": PIPELINE.filter((layer) => layer !== "surgery.ts"),
  "adapters": PIPELINE,
  "parallel": PIPELINE,
  "mod.ts": [...PIPELINE, "adapters", "parallel"],
};

/** Generated files: not sources (core/build_wasm.ts and tools/_embed_worker.ts write them). */
export const GENERATED: readonly string[] = ["core/_wasm_module.ts", "parallel/_worker_source.ts"];

/** Folders under a layer that are not TypeScript of the library (AssemblyScript). */
const SKIPPED_FOLDERS: readonly string[] = ["core/assembly"];

/** The layer a repository path belongs to, or null when it is outside the library. */
export function layerOf(path: string): string | null {
  const top = path.split("/")[0];
  return Object.hasOwn(LAYERS, top) ? top : null;
}

/**
 * The source with comments blanked (newlines kept) and template literals emptied: what is left of
 * an import is only ever code. Strings and regular expressions are skipped whole, so a `//` or a
 * quote inside them starts nothing.
 */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  const n = source.length;
  /** Brace depths at which a `${…}` substitution returns to its template literal. */
  const templates: number[] = [];
  let depth = 0;
  /** Last significant code character: decides whether `/` starts a regular expression. */
  let last = "";
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  const template = () => {
    // From just after a backtick or a substitution's `}` to the closing backtick or the next `${`.
    const start = i;
    while (i < n) {
      if (source[i] === "\\") i += 2;
      else if (source[i] === "`") {
        i++;
        out += blank(source.slice(start, i - 1)) + "`";
        last = "`";
        return;
      } else if (source[i] === "$" && source[i + 1] === "{") {
        i += 2;
        out += blank(source.slice(start, i - 2)) + "${";
        templates.push(depth);
        depth++;
        last = "{";
        return;
      } else i++;
    }
    out += blank(source.slice(start));
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i++;
      while (i < n && source[i] !== c && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
      i++;
      out += source.slice(start, i);
      last = c;
    } else if (c === "`") {
      out += "`";
      i++;
      template();
    } else if (c === "/" && (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last))) {
      // A regular expression literal: up to the unescaped `/` outside a character class.
      const start = i++;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        else if (source[i] === "/" && !inClass) break;
        i++;
      }
      i++;
      out += source.slice(start, i);
      last = "/";
    } else {
      if (c === "{") depth++;
      if (c === "}") {
        depth--;
        if (templates.length > 0 && templates[templates.length - 1] === depth) {
          templates.pop();
          out += "}";
          i++;
          template();
          continue;
        }
      }
      out += c;
      if (!/\s/.test(c)) last = /[\w$]/.test(c) ? "a" : c;
      i++;
    }
  }
  return out;
}

/** Static import and export-from statements: `import … from "x"`, `import "x"`, `export … from "x"`. */
const IMPORT = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[^;"'`()]*?\bfrom\s*)?(["'])([^"']+)\1/gm;

/** The specifiers a module imports statically, in order, comments ignored. */
export function extractImports(source: string): string[] {
  return [...stripComments(source).matchAll(IMPORT)].map((m) => m[2]);
}

/** Resolves a relative specifier against the importing file's path; null for a bare or URL one. */
export function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Each file's imports of other library files (relative specifiers, resolved). */
export type ImportGraph = Map<string, string[]>;

/** The graph of in-memory sources (path → text). */
export function buildGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [path, text] of sources) {
    const targets = extractImports(text)
      .map((s) => resolve(path, s))
      .filter((p): p is string => p !== null);
    graph.set(path, [...new Set(targets)]);
  }
  return graph;
}

/** One line per import the layer table forbids: importer → imported, and the rule. */
export function layerViolations(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    if (layer === null) continue;
    const allowed = [layer, ...LAYERS[layer]];
    for (const to of targets) {
      const target = layerOf(to);
      if (target !== null && allowed.includes(target)) continue;
      const rule = target === null
        ? `${to} is outside the library's layers`
        : `${show(layer)} may import only ${allowed.map(show).join(", ")}`;
      found.push(`layer: ${from} → ${to}: ${rule}`);
    }
  }
  return found;
}

const show = (layer: string) => layer.endsWith(".ts") ? layer : `${layer}/`;

/**
 * One line per import cycle: each strongly connected component of more than one file (or a file
 * importing itself), shown as one closed path through it (Tarjan's algorithm, iterative).
 */
export function cycles(graph: ImportGraph): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const edges = (v: string) => (graph.get(v) ?? []).filter((w) => graph.has(w));
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { v: string; next: number }[] = [{ v: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = edges(frame.v);
      if (frame.next < out.length) {
        const w = out[frame.next++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.v)!));
      }
      if (low.get(frame.v) === index.get(frame.v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        if (component.length > 1 || edges(frame.v).includes(frame.v)) components.push(component);
      }
    }
  }
  return components.map((c) => `cycle: ${closedPath(graph, new Set(c)).join(" → ")}`);
}

/** A closed path inside a component, from its first file in sorted order (breadth-first). */
function closedPath(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = previous.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Every violation of the sources: cycles first, then layer breaks. */
export function checkSources(sources: ReadonlyMap<string, string>): string[] {
  const graph = buildGraph(sources);
  return [...cycles(graph), ...layerViolations(graph)];
}

/** The library's source files under `root`: the layers' folders and files that exist. */
export async function readSources(root: URL): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    if (SKIPPED_FOLDERS.includes(dir)) return;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(new URL(dir, root))];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // a layer not created yet
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && path.endsWith(".ts") && !GENERATED.includes(path)) {
        sources.set(path, await Deno.readTextFile(new URL(path, root)));
      }
    }
  }
  for (const layer of Object.keys(LAYERS)) {
    if (layer.endsWith(".ts")) {
      try {
        sources.set(layer, await Deno.readTextFile(new URL(layer, root)));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    } else await walk(layer);
  }
  return sources;
}

if (import.meta.main) {
  const sources = await readSources(new URL("../", import.meta.url));
  const violations = checkSources(sources);
  for (const line of violations) console.error(line);
  if (violations.length > 0) {
    console.error(`${violations.length} layer or cycle violation(s) in ${sources.size} files`);
    Deno.exit(1);
  }
  console.log(`layers and cycles: ${sources.size} files, no violations`);
}
