/**
 * Headless Chromium for the browser tests and benchmarks: Debian's `chromium` driven by playwright-core, in a
 * fresh profile, with nothing talking to the network on its own. `--enable-unsafe-webgpu` gives
 * pages a WebGPU adapter (SwiftShader here).
 * @module
 */

import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (.ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags: headless as root, no background traffic, WebGPU on. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-unsafe-webgpu",
];

/** Whether the browser is installed; CI must have it, a developer may not. */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/**
 * A headless browser in a fresh profile folder; `close()` ends it and removes the folder. With
 * `webgpu: false` it is started without `--enable-unsafe-webgpu`, and pages get no WebGPU adapter
 * (`navigator.gpu.requestAdapter()` gives null), as in a browser without WebGPU.
 */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const webgpu = options.webgpu ?? true;
  const profile = await Deno.makeTempDir({ prefix: "gs_chromium_" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: webgpu ? CHROMIUM_FLAGS : CHROMIUM_FLAGS.filter((f) => f !== "--enable-unsafe-webgpu"),
    viewport: { width: 820, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}
