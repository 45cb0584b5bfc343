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

Deno.test("docs: deno doc --lint is clean for every entry point", async () => {
  const { code, stderr } = await deno(["doc", "--lint", ...await entryPoints()]);
  assert.equal(code, 0, stderr);
});
