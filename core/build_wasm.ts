/**
 * Builds the WASM core from the AssemblyScript kernels in core/assembly/ and seals it into
 * core/_wasm_module.ts (base64, so it loads with no fs and no fetch: over https, on edge runtimes,
 * in browsers). Also builds the benchmark's floor kernels (bench/assembly/) into
 * bench/_floors_module.ts the same way. Each module is built twice: plain SIMD and relaxed SIMD.
 *
 *   deno task build:wasm    rebuild and rewrite core/_wasm_module.ts
 *   deno task check:wasm    fail when a generated module is stale: its recorded source hash
 *                           differs from the sources, or a fresh build gives different bytes
 *
 * The compiler is AssemblyScript from node_modules, run with Node (package.json installs both).
 * @module
 */

import { decodeBase64, encodeBase64 } from "./_base64.ts";

const root = new URL("../", import.meta.url);

/**
 * One generated module: its sources (every file of these folders, hashed) and its entry; `shared`
 * targets also get builds that import a shared memory (for gradient buffers read by threads).
 */
interface Target {
  entry: string;
  sourceDirs: string[];
  output: string;
  what: string;
  shared: boolean;
}

const TARGETS: Target[] = [
  {
    entry: "core/assembly/index.ts",
    sourceDirs: ["core/assembly/"],
    output: "core/_wasm_module.ts",
    what: "the kernels",
    shared: true,
  },
  {
    entry: "bench/assembly/floors.ts",
    sourceDirs: ["bench/assembly/", "core/assembly/"],
    output: "bench/_floors_module.ts",
    what: "the benchmark's floor kernels (not part of the library)",
    shared: false,
  },
];

/** Compiler flags: SIMD on, no managed runtime, no imports (abort removed), fully optimised. */
const ASC_FLAGS = [
  "--runtime",
  "stub",
  "--enable",
  "simd",
  "--use",
  "abort=",
  "-O3",
  "--noAssert",
];
/**
 * The second build adds relaxed SIMD: the kernels' multiply-adds become f32x4.relaxed_madd (one
 * fused multiply-add where the CPU has it; core/assembly/madd.ts). core/wasm.ts loads it where
 * the runtime validates it and falls back to the plain SIMD build elsewhere.
 */
const RELAXED_FLAGS = [...ASC_FLAGS, "--enable", "relaxed-simd"];
/**
 * Shared-memory builds: the same kernels importing `env.memory`, declared shared with room for the
 * whole 4 GiB, so that one gradient buffer's memory (core/gradient_buffer.ts, `shared: true`) is
 * read in place by an instance on every thread.
 */
const SHARED = [
  "--importMemory",
  "--sharedMemory",
  "--maximumMemory",
  "65536",
  "--enable",
  "threads",
];
const SHARED_FLAGS = [...ASC_FLAGS, ...SHARED];
const SHARED_RELAXED_FLAGS = [...RELAXED_FLAGS, ...SHARED];

/** The builds of a target: export name, flags, and what the doc comment says about it. */
function builds(target: Target): { name: string; flags: string[]; about: string }[] {
  const all = [
    {
      name: "WASM",
      flags: ASC_FLAGS,
      about: "The compiled SIMD module ({n} bytes), base64: the fallback.",
    },
    {
      name: "WASM_RELAXED",
      flags: RELAXED_FLAGS,
      about: "The same kernels with relaxed SIMD ({n} bytes), base64: used where it validates.",
    },
  ];
  if (!target.shared) return all;
  return [
    ...all,
    {
      name: "WASM_SHARED",
      flags: SHARED_FLAGS,
      about: "The SIMD build importing a shared memory ({n} bytes), base64.",
    },
    {
      name: "WASM_SHARED_RELAXED",
      flags: SHARED_RELAXED_FLAGS,
      about: "The relaxed SIMD build importing a shared memory ({n} bytes), base64.",
    },
  ];
}

async function ascVersion(): Promise<string> {
  const pkg = JSON.parse(
    await Deno.readTextFile(new URL("node_modules/assemblyscript/package.json", root)),
  );
  return String(pkg.version);
}

/** SHA-256 over the compiler version, the flags and every source of the target, in name order. */
async function sourceHash(target: Target): Promise<string> {
  let text = `asc ${await ascVersion()}\n${ASC_FLAGS.join(" ")}\n${RELAXED_FLAGS.join(" ")}\n`;
  if (target.shared) text += `${SHARED_FLAGS.join(" ")}\n${SHARED_RELAXED_FLAGS.join(" ")}\n`;
  for (const dir of target.sourceDirs) {
    const names: string[] = [];
    for await (const e of Deno.readDir(new URL(dir, root))) if (e.isFile) names.push(e.name);
    names.sort();
    for (const name of names) {
      // Core sources keep their historical "--- name" header, so the core hash is unchanged.
      const label = dir === "core/assembly/" ? name : dir + name;
      text += `--- ${label}\n${await Deno.readTextFile(new URL(dir + name, root))}\n`;
    }
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function compile(entry: string, flags: readonly string[]): Promise<Uint8Array> {
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    const asc = new URL("node_modules/assemblyscript/bin/asc.js", root);
    const { code, stderr } = await new Deno.Command("node", {
      args: [asc.pathname, entry, ...flags, "--outFile", out],
      cwd: root.pathname,
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`asc failed (exit ${code}):\n${new TextDecoder().decode(stderr)}`);
    }
    return await Deno.readFile(out);
  } finally {
    await Deno.remove(out);
  }
}

/** `export const name = "value";`, wrapped the way deno fmt wraps it past 100 columns. */
function stringConst(name: string, value: string): string {
  const line = `export const ${name} = "${value}";`;
  return line.length <= 100 ? line : `export const ${name} =\n  "${value}";`;
}

function render(
  target: Target,
  hash: string,
  version: string,
  modules: readonly { name: string; flags: string[]; about: string; bytes: Uint8Array }[],
): string {
  const dirs = target.sourceDirs.map((d) => `${d}*.ts`).join(", ");
  const parts = modules.map((m) => `
/** How ${m.name}_BASE64 was compiled. */
${stringConst(m.name + "_BUILD", `asc ${version} ${m.flags.join(" ")}`)}

/** ${m.about.replace("{n}", String(m.bytes.length))} */
export const ${m.name}_BASE64 =
  "${encodeBase64(m.bytes)}";
`);
  return `// @generated by core/build_wasm.ts from ${dirs}. DO NOT EDIT.
// Rebuild with \`deno task build:wasm\`; \`deno task check:wasm\` fails when this file is stale.

/** SHA-256 of the AssemblyScript compiler version, its flags and the sources of ${target.what}. */
export const WASM_SOURCE_HASH = "${hash}";
${parts.join("")}`;
}

/** Builds one target; writes it, or returns what is stale about it when checking. */
async function buildTarget(target: Target, check: boolean): Promise<string[]> {
  const hash = await sourceHash(target);
  const modules = [];
  for (const b of builds(target)) {
    modules.push({ ...b, bytes: await compile(target.entry, b.flags) });
  }
  const file = new URL(target.output, root);
  if (!check) {
    await Deno.writeTextFile(file, render(target, hash, await ascVersion(), modules));
    console.log(
      `wrote ${target.output}: ${modules.map((m) => m.bytes.length).join(" + ")} bytes, ` +
        `source hash ${hash}`,
    );
    return [];
  }
  let current: Record<string, string> = {};
  try {
    current = await import(file.href);
  } catch {
    return [`${target.output} is missing or does not load`];
  }
  const problems: string[] = [];
  if (current.WASM_SOURCE_HASH !== hash) {
    problems.push(`source hash is ${current.WASM_SOURCE_HASH}, sources hash to ${hash}`);
  }
  for (const { name, bytes } of modules) {
    const embedded = decodeBase64(current[`${name}_BASE64`] ?? "");
    if (embedded.length !== bytes.length || embedded.some((b, i) => b !== bytes[i])) {
      problems.push(`${name}_BASE64 (${embedded.length} bytes) differs from a fresh build`);
    }
  }
  if (problems.length === 0) console.log(`${target.output} is current (source hash ${hash}).`);
  return problems.map((p) => `${target.output}: ${p}`);
}

async function main(check: boolean): Promise<void> {
  const problems: string[] = [];
  for (const target of TARGETS) problems.push(...await buildTarget(target, check));
  if (problems.length > 0) {
    console.error(`stale WASM: ${problems.join("; ")}. Run \`deno task build:wasm\`.`);
    Deno.exit(1);
  }
}

await main(Deno.args.includes("--check"));
