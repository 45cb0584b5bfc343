// Every TypeScript block in the docs runs as pasted: each ```ts block of README.md, CONTRIBUTING.md
// and docs/*.md (except those marked ```ts ignore, fragments that need the reader's own model) is
// type-checked and run with the package name pointing at this checkout. A block that needs the
// reader's tf.js finds the repository's node_modules.

import assert from "node:assert/strict";
import { docFiles, split } from "../docs/_markdown.ts";

const ROOT = new URL("../../", import.meta.url);
const OUT = new URL("out/docs_snippets/", ROOT);
/** The published names (package.json "name" and its "./tfjs" export) → this checkout's files. */
const PACKAGE = [
  [/(["'])(?:npm:)?gradient-surgery\/tfjs\1/g, new URL("adapters/tfjs.ts", ROOT).href],
  [/(["'])(?:npm:)?gradient-surgery\1/g, new URL("mod.ts", ROOT).href],
] as const;
/** Longest a snippet may run: the tf.js one trains a small model for a few hundred steps. */
const TIME_LIMIT_MS = 120_000;

interface Snippet {
  name: string;
  code: string;
}

async function snippets(): Promise<Snippet[]> {
  const out: Snippet[] = [];
  for (const file of await docFiles(ROOT)) {
    for (const { info, code, line } of split(await Deno.readTextFile(new URL(file, ROOT))).fences) {
      const [lang, ...flags] = info.split(/\s+/);
      if (!["ts", "typescript"].includes(lang) || flags.includes("ignore")) continue;
      out.push({ name: `${file}:${line}`, code });
    }
  }
  return out;
}

function localise(code: string): string {
  return PACKAGE.reduce((text, [pattern, url]) => text.replace(pattern, `"${url}"`), code);
}

const all = await snippets();

Deno.test("docs: the README has runnable snippets, the plain API's and tf.js's", () => {
  const readme = all.filter((s) => s.name.startsWith("README.md:"));
  assert.ok(readme.some((s) => s.code.includes('from "gradient-surgery"')), "plain example");
  assert.ok(readme.some((s) => s.code.includes('from "gradient-surgery/tfjs"')), "tf.js example");
});

for (const snippet of all) {
  Deno.test(`docs: ${snippet.name} runs as pasted`, async () => {
    await Deno.mkdir(OUT, { recursive: true });
    const file = new URL(`${snippet.name.replace(/[^a-z0-9]+/gi, "_")}.ts`, OUT);
    await Deno.writeTextFile(file, localise(snippet.code) + "\n");
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", `--allow-read=${ROOT.pathname}`, "--allow-env", file.pathname],
      cwd: ROOT.pathname,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(TIME_LIMIT_MS),
    }).output();
    const text = new TextDecoder();
    assert.equal(
      code,
      0,
      `${snippet.name} failed:\n${text.decode(stdout)}\n${text.decode(stderr)}`,
    );
  });
}
