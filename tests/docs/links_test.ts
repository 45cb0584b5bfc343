// Every relative link in the docs a reader meets (README.md, CONTRIBUTING.md, CHANGELOG.md,
// docs/*.md) points at a file the repository holds, and every #anchor at a heading of its target
// (GitHub's slug rules), so a moved section cannot leave a dead link behind.

import assert from "node:assert/strict";
import { anchors, docFiles, links, slug } from "./_markdown.ts";

const ROOT = new URL("../../", import.meta.url);

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("docs: GitHub slugs of headings", () => {
  assert.equal(slug("What and why"), "what-and-why");
  assert.equal(
    slug("Loss weightings: GradNorm, uncertainty weighting, DWA"),
    "loss-weightings-gradnorm-uncertainty-weighting-dwa",
  );
  assert.equal(
    slug("Split phase: chunked, multi-core and sharded training"),
    "split-phase-chunked-multi-core-and-sharded-training",
  );
  assert.equal(slug("`createGradientBuffer` and [links](x.md)"), "creategradientbuffer-and-links");
  assert.equal(slug("tf.js step cost"), "tfjs-step-cost");
  assert.equal(slug("UPGrad and DualProj"), "upgrad-and-dualproj");
});

Deno.test("docs: anchors and links are read outside code, repeated headings numbered", () => {
  const text = [
    "# Setup",
    "## Setup",
    '<a id="custom"></a>See [it](#setup-1) and ![a figure](docs/x.svg).',
    "```md",
    "# Not a heading [nor a link](nowhere.md)",
    "```",
    "`[code](span.md)` and [the web](https://example.com).",
  ].join("\n");
  assert.deepEqual([...anchors(text)].sort(), ["custom", "setup", "setup-1"]);
  assert.deepEqual(links(text).map((l) => l.target), [
    "#setup-1",
    "docs/x.svg",
    "https://example.com",
  ]);
});

Deno.test("docs: every relative link and anchor resolves", async () => {
  const files = await docFiles(ROOT);
  assert.ok(files.includes("README.md") && files.includes("docs/methods.md"), files.join(", "));
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = async (url: URL) => {
    if (!anchorCache.has(url.href)) {
      anchorCache.set(url.href, anchors(await Deno.readTextFile(url)));
    }
    return anchorCache.get(url.href)!;
  };
  const dead: string[] = [];
  let checked = 0;
  for (const file of files) {
    const base = new URL(file, ROOT);
    for (const { target, line } of links(await Deno.readTextFile(base))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      checked++;
      const [path, anchor] = target.split("#", 2);
      const url = path === "" ? base : new URL(path, base);
      if (!url.href.startsWith(ROOT.href)) {
        dead.push(`${file}:${line}: ${target} leaves the repository`);
      } else if (!(await exists(url))) dead.push(`${file}:${line}: ${target}: no such file`);
      else if (anchor !== undefined) {
        if (!url.pathname.endsWith(".md")) {
          dead.push(`${file}:${line}: ${target}: anchor into a non-Markdown file`);
        } else if (!(await anchorsOf(url)).has(decodeURIComponent(anchor))) {
          dead.push(`${file}:${line}: ${target}: no heading with that anchor`);
        }
      }
    }
  }
  assert.ok(checked >= 40, `found only ${checked} relative links`);
  assert.deepEqual(dead, [], "dead links");
});
