// The parallel surgery under Bun (its own Worker, no Deno or Node APIs): from the single-file
// bundle and from the TypeScript source, two threads run every step, the update equals the
// single-threaded one within float32 rounding, and the process exits by itself after close().
// Bun comes from npm (the devDependency `bun`, whose native binary npm installs per platform).
import assert from "node:assert/strict";
import { freshDist } from "./_dist.ts";

const ROOT = new URL("../../", import.meta.url);
const CHECK = new URL("_threads_check.mjs", import.meta.url).pathname;

/** Bun's binary from node_modules, or null where npm had no build of it for this platform. */
function bunPath(): string | null {
  const path = new URL("node_modules/.bin/bun", ROOT).pathname;
  try {
    return Deno.statSync(path).isFile ? path : null;
  } catch {
    return null;
  }
}

const bun = bunPath();
if (bun === null) console.log("SKIPPED bun tests: no Bun in node_modules for this platform");

for (const what of ["bundle", "source"] as const) {
  Deno.test({
    name: `bun: the parallel surgery runs two threads from the ${what}, and the process exits`,
    ignore: bun === null,
    async fn() {
      const module = what === "bundle"
        ? new URL("gradient-surgery.mjs", await freshDist()).pathname
        : new URL("mod.ts", ROOT).pathname;
      const { code, signal, stdout, stderr } = await new Deno.Command(bun!, {
        args: [CHECK, module],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(120_000),
      }).output();
      assert.equal(signal, null, "bun did not exit by itself");
      assert.equal(code, 0, `bun failed:\n${new TextDecoder().decode(stderr)}`);
      const got = JSON.parse(new TextDecoder().decode(stdout));
      assert.match(got.runtime, /^bun \d/);
      assert.equal(got.threads, 2);
      assert.equal(got.singleThreadReason, null);
      assert.equal(got.kernel, "wasm-simd");
      // The worker started, then answered both steps.
      assert.deepEqual(got.replies, ["ready", "gram", "done", "gram", "done"]);
      for (const gap of got.relativeGaps) assert.ok(gap <= 1e-5, `threads vs one: ${gap}`);
    },
  });
}
