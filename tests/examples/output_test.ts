// Where the demos write (examples/_shared/output.ts): out/ unless asked for docs/ with --docs, so a
// demo run leaves the repository's tracked files alone.
import assert from "node:assert/strict";
import { noOtherArguments, outputFolder, writeOutput } from "../../examples/_shared/output.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("demo output: out/ by default, docs/ with --docs, other arguments passed on", () => {
  const plain = outputFolder(["--setting=quick"]);
  assert.equal(plain.folder.url.href, new URL("out/", ROOT).href);
  assert.equal(plain.folder.docs, false);
  assert.deepEqual(plain.rest, ["--setting=quick"]);

  const docs = outputFolder(["--seeds=2", "--docs"]);
  assert.equal(docs.folder.url.href, new URL("docs/", ROOT).href);
  assert.equal(docs.folder.docs, true);
  assert.deepEqual(docs.rest, ["--seeds=2"]);

  noOtherArguments([], "demo [--docs]");
  assert.throws(
    () => noOtherArguments(["--doc"], "demo [--docs]"),
    (e: Error) =>
      e instanceof RangeError && e.message.includes('"--doc"') && e.message.includes("--docs"),
  );
});

Deno.test({
  name: "demo output: writeOutput creates the folder and names the file from the root",
  // The test task lets tests write only under out/.
  ignore: Deno.permissions.querySync({ name: "write", path: new URL("out/", ROOT) }).state !==
    "granted",
  async fn() {
    const folder = { url: new URL("out/output_test/", ROOT), docs: false };
    await Deno.remove(folder.url, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    try {
      const path = await writeOutput(folder, "a.txt", "hello\n");
      assert.equal(path, "out/output_test/a.txt");
      assert.equal(await Deno.readTextFile(new URL("a.txt", folder.url)), "hello\n");
    } finally {
      await Deno.remove(folder.url, { recursive: true });
    }
  },
});
