// The browser page (examples/browser/) in real headless Chromium: it loads the single-file build,
// runs the paper's 2-D toy with the WASM core, and its numbers equal the Deno run of the same toy
// (same steps, same seed). The screenshot goes to out/ci/browser_toy.png, where CI keeps output.
import assert from "node:assert/strict";
import { runToy } from "../../examples/toy/main.ts";
import { NO_WEBGPU_NOTICE, type TfjsPageResult } from "../../examples/browser/tfjs_page.ts";
import type { PageResult } from "../../examples/browser/toy_page.ts";
import { taskGradients } from "../../examples/browser/workload.ts";
import { createSurgery } from "../../mod.ts";
import { chromiumAvailable, launchChromium } from "../../tools/chromium.ts";
import { freshDist } from "./_dist.ts";
import { serveStatic } from "../../tools/static_server.ts";

/** Where CI keeps what the tests write for people to look at. */
const OUT = new URL("../../out/ci/", import.meta.url);
/** The paper's run: 500 000 steps, seed 0 (examples/toy). */
const STEPS = 500_000;
const SEED = 0;
/** The seed of the page's WebGPU section (examples/browser/tfjs_page.ts). */
const TFJS_SEED = 7;

/** Hex SHA-256 of a float array's bytes, as the page computes it. */
async function digest(values: Float32Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", values.slice().buffer));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The page's WebGPU section: tf.js's webgpu backend against the WASM core on the same gradients,
 * and the page's WASM result against Deno's, bit for bit.
 */
async function checkTfjsSection(r: TfjsPageResult): Promise<string> {
  assert.equal(r.backend, "webgpu");
  assert.ok(r.adapter.length > 0);
  assert.equal(r.plainKernel, "wasm-simd");
  const deno = createSurgery({ seed: TFJS_SEED }).surgery(taskGradients(r.T, r.d));
  assert.equal(r.plainDigest, await digest(deno), "the page's WASM update equals Deno's");
  // float32 sums over d terms in another order (split-K on the device): agreement to ~1e-6.
  assert.ok(r.maxAbsDiff <= 1e-5 * r.scale, `webgpu vs wasm: ${r.maxAbsDiff} of ${r.scale}`);
  r.weightsWebgpu.forEach((w, t) =>
    assert.ok(Math.abs(w - r.weightsPlain[t]) <= 1e-4 * Math.max(1, Math.abs(w)), `weight ${t}`)
  );
  assert.deepEqual(r.conflictsWebgpu, r.conflictsPlain);
  assert.ok(r.conflictsPlain.length > 0);
  assert.equal(r.headsUnchanged, true);
  assert.equal(r.leakedTensors, 0);
  return `tf.js ${r.backend} (${r.adapter}) vs WASM: max |Δ| ${r.maxAbsDiff.toExponential(2)} of ${
    r.scale.toFixed(3)
  }, ${r.msPerStepWebgpu.toFixed(1)} vs ${r.msPerStepPlain.toFixed(1)} ms per step`;
}

Deno.test({
  name: "browser: the page runs the toy and the tf.js adapter on WebGPU, matching the Deno run",
  // CI installs Chromium (.ci/run); elsewhere the test says it was skipped instead of failing.
  ignore: !chromiumAvailable() && Deno.env.get("CI") !== "true",
  async fn() {
    const server = serveStatic(await freshDist());
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      await page.goto(`${server.url}browser/index.html?steps=${STEPS}&seed=${SEED}`);
      await page.waitForFunction(() => document.body.dataset.state !== "loading", null, {
        timeout: 180_000,
      });
      await Deno.mkdir(OUT, { recursive: true });
      await page.screenshot({ path: new URL("browser_toy.png", OUT).pathname, fullPage: true });
      const state = await page.evaluate(() => document.body.dataset.state);
      assert.deepEqual(problems, []);
      assert.equal(state, "done", await page.locator("#page-error").textContent() ?? "");

      const shown: PageResult = JSON.parse(await page.locator("#toy-results").textContent() ?? "");
      assert.deepEqual(shown.settings, { steps: STEPS, seed: SEED });
      for (const run of shown.runs) {
        const deno = runToy(run.name, { steps: STEPS, seed: SEED });
        // Bit for bit: the library is deterministic everywhere, and the toy uses only Math
        // functions both engines agree on (see sech2 in examples/toy/problem.ts).
        const first = deno.trajectory.findIndex((p, k) => String(p) !== String(run.trajectory[k]));
        assert.equal(first, -1, `${run.name}: the paths part at recorded point ${first}`);
        assert.deepEqual(run.theta, deno.theta, `${run.name}: final θ`);
        assert.equal(run.kernel, deno.kernel, `${run.name}: kernel`);
      }
      assert.equal(shown.runs[1].kernel, "wasm-simd");
      // The table shows both runs; the bundle and the page module were what the page loaded.
      assert.equal(await page.locator("#toy-table tr").count(), 2);
      const loaded = server.requests.filter((r) => r.status === 200).map((r) => r.path);
      for (
        const path of ["/browser/index.html", "/gradient-surgery.mjs", "/browser/toy_page.mjs"]
      ) {
        assert.ok(loaded.includes(path), `${path} loaded: ${loaded.join(", ")}`);
      }
      const tfjs = await checkTfjsSection(
        JSON.parse(await page.locator("#tfjs-results").textContent() ?? ""),
      );
      console.log(
        shown.runs.map((r) => `${r.name}: θ = (${r.theta.join(", ")}), ${r.seconds.toFixed(2)} s`)
          .join("\n"),
        `\n${tfjs}`,
      );
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "browser: without WebGPU the page runs the toy and says plainly why the tf.js part is off",
  ignore: !chromiumAvailable() && Deno.env.get("CI") !== "true",
  async fn() {
    const server = serveStatic(await freshDist());
    const browser = await launchChromium({ webgpu: false });
    try {
      // Two browsers without WebGPU: one whose requestAdapter() gives null (Chromium without the
      // flag), one with no navigator.gpu at all (as in browsers that lack the API).
      for (const [name, hideApi] of [["no_adapter", false], ["no_api", true]] as const) {
        const page = await browser.context.newPage();
        if (hideApi) {
          await page.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
        }
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
        page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
        await page.goto(`${server.url}browser/index.html?steps=2000&seed=${SEED}`);
        await page.waitForFunction(() => document.body.dataset.state !== "loading", null, {
          timeout: 120_000,
        });
        await Deno.mkdir(OUT, { recursive: true });
        await page.screenshot({
          path: new URL(`browser_without_webgpu_${name}.png`, OUT).pathname,
          fullPage: true,
        });
        assert.equal(await page.evaluate(() => "gpu" in navigator), !hideApi, name);
        assert.equal(await page.evaluate(() => document.body.dataset.state), "done", name);
        assert.deepEqual(problems, [], name);
        assert.equal(await page.locator("#page-error").textContent(), "", name);
        const status = page.locator("#tfjs-status");
        assert.equal(await status.textContent(), NO_WEBGPU_NOTICE, name);
        assert.equal(await status.getAttribute("class"), "notice", name);
        assert.equal(await page.locator("#tfjs-results").textContent(), "", name);
        assert.equal(await page.locator("#tfjs-table tr").count(), 0, name);
        // The toy still ran, on the WASM core.
        const shown: PageResult = JSON.parse(
          await page.locator("#toy-results").textContent() ?? "",
        );
        assert.equal(shown.runs.length, 2, name);
        assert.equal(shown.runs[1].kernel, "wasm-simd", name);
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
