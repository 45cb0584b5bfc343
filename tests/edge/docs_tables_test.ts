// The figures in the docs are the data's: re-rendering every generated fragment (benchmark and
// MultiMNIST tables from docs/*.json, the toys' tables by running them) gives the text the files
// hold. A new benchmark JSON, or a change that moves a toy's result, without regenerating fails.

import assert from "node:assert/strict";
import { FILES, fragments, render, stale } from "../../tools/docs_tables.ts";

Deno.test("docs: render replaces only what is between markers, and refuses unknown names", async () => {
  const text = "a\n<!-- generated:headline -->\nold\n<!-- /generated:headline -->\nb\n";
  assert.equal(
    await render(text, { headline: "new" }),
    "a\n<!-- generated:headline -->\n\nnew\n\n<!-- /generated:headline -->\nb\n",
  );
  await assert.rejects(
    render("<!-- generated:nope -->\n<!-- /generated:nope -->", {}),
    /unknown fragment nope/,
  );
});

Deno.test("docs: every generated fragment is used and up to date", async () => {
  const names = new Set<string>();
  for (const file of FILES) {
    const text = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
    for (const m of text.matchAll(/<!-- generated:([a-z0-9-]+) -->/g)) names.add(m[1]);
  }
  assert.deepEqual(
    [...names].sort(),
    Object.keys(await fragments()).sort(),
    "fragments not in any file",
  );
  const changed = (await stale()).map((s) => s.file);
  assert.deepEqual(
    changed,
    [],
    "stale docs: run deno run --allow-read=. --allow-write=README.md,docs --allow-run tools/docs_tables.ts",
  );
});
