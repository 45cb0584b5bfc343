// The published surface reads well: every symbol exported by every entry in deno.json's "exports"
// has a doc comment with an @example (the examples themselves run under `deno test --doc`, in the
// test task), and `deno doc --lint` has nothing to say.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

interface DocSymbol {
  name: string;
  declarations: { jsDoc?: { doc?: string; tags?: { kind: string }[] } }[];
}

async function deno(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** The entry points the package publishes, from deno.json. */
async function entryPoints(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  return Object.values(config.exports as Record<string, string>);
}

Deno.test("docs: every export of every entry point has a doc comment with an @example", async () => {
  const entries = await entryPoints();
  assert.ok(entries.includes("./mod.ts"));
  const missing: string[] = [];
  let count = 0;
  for (const entry of entries) {
    const { code, stdout, stderr } = await deno(["doc", "--json", entry]);
    assert.equal(code, 0, stderr);
    const nodes = JSON.parse(stdout).nodes as Record<string, { symbols: DocSymbol[] }>;
    const symbols = nodes[new URL(entry, ROOT).href].symbols;
    for (const { name, declarations } of symbols) {
      count++;
      const documented = declarations.some(({ jsDoc }) =>
        (jsDoc?.doc ?? "").trim() !== "" &&
        (jsDoc?.tags ?? []).some((tag) => tag.kind === "example")
      );
      if (!documented) missing.push(`${entry}: ${name}`);
    }
  }
  assert.ok(count >= 10, `found only ${count} exports`);
  assert.deepEqual(missing, [], "exports without a doc comment and an @example");
});

/**
 * Packages whose types the published API uses. `deno doc --lint` flags every such type as private
 * (denoland/deno#27364: packages resolved through node_modules count as local files), so a
 * private-type-ref to a type the package itself exports is not ours to fix.
 */
const TYPE_PACKAGES = ["@tensorflow/tfjs-core"];

/** Names a package's own type entry exports. */
async function packageExports(name: string): Promise<Set<string>> {
  const dir = new URL(`node_modules/${name}/`, ROOT);
  const manifest = JSON.parse(await Deno.readTextFile(new URL("package.json", dir)));
  const types = new URL(manifest.types ?? manifest.typings, dir);
  const { code, stdout, stderr } = await deno(["doc", "--json", types.pathname]);
  assert.equal(code, 0, stderr);
  const nodes = JSON.parse(stdout).nodes as Record<string, { symbols: DocSymbol[] }>;
  return new Set(Object.values(nodes).flatMap((n) => n.symbols.map((s) => s.name)));
}

Deno.test("docs: deno doc --lint is clean for every entry point", async () => {
  const { code, stderr } = await deno(["doc", "--lint", ...await entryPoints()]);
  if (code === 0) return;
  const external = new Set<string>();
  for (const name of TYPE_PACKAGES) (await packageExports(name)).forEach((n) => external.add(n));
  const findings = [...stderr.matchAll(/^error\[([a-z-]+)\]: (.*)$/gm)];
  assert.ok(findings.length > 0, stderr);
  const ours = findings.filter(([, kind, message]) => {
    const referenced = message.match(/references private type '([^']+)'$/)?.[1];
    return !(kind === "private-type-ref" && referenced !== undefined && external.has(referenced));
  });
  assert.deepEqual(ours.map(([line]) => line), [], stderr);
});
