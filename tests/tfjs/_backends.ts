/**
 * The tf.js backends the adapter tests run on: cpu and wasm everywhere, webgpu where Deno finds a
 * WebGPU adapter. Without one, the webgpu tests are registered with `ignore` and a SKIPPED line
 * is printed, so a missing adapter shows in the test report instead of passing silently.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";

tf.env().set("PROD", true); // no "Hi there" banner; never IS_TEST (it turns on leak checks)

/**
 * Where the adapter probe may look for a Wayland compositor when the session has no runtime
 * directory: an empty private folder in out/ (not tracked).
 */
const RUNTIME_DIR = new URL("../../out/xdg-runtime/", import.meta.url);

/**
 * Deno's WebGPU looks for a Wayland compositor while it lists adapters, and libwayland prints
 * "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice per test file where no
 * desktop session set that variable (CI, ssh, containers). An empty runtime directory answers the
 * same question ("no compositor here") without the message. A session's own value is kept; run
 * without `--allow-env=XDG_RUNTIME_DIR --allow-write=out/`, the tests only print the message.
 */
function giveWaylandAnEmptyRuntimeDir(): void {
  const granted = (action: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(action).state === "granted";
  const env = { name: "env", variable: "XDG_RUNTIME_DIR" } as const;
  if (!granted(env) || !granted({ name: "write", path: RUNTIME_DIR })) return;
  if (Deno.env.get("XDG_RUNTIME_DIR") !== undefined) return;
  Deno.mkdirSync(RUNTIME_DIR, { recursive: true, mode: 0o700 });
  Deno.env.set("XDG_RUNTIME_DIR", RUNTIME_DIR.pathname);
}

/** What `navigator.gpu.requestAdapter()` gives here: a description, or null. */
async function probeAdapter(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu === undefined) return null;
  const adapter = await gpu.requestAdapter();
  if (adapter === null) return null;
  const info = adapter.info;
  return `${info.description || info.vendor} (fallback: ${info.isFallbackAdapter})`;
}

giveWaylandAnEmptyRuntimeDir();
/** The WebGPU adapter found, or null. */
export const gpuAdapter: string | null = await probeAdapter();

/** Every backend name the tests cover. */
export const BACKENDS = ["cpu", "wasm", "webgpu"] as const;
export type BackendName = typeof BACKENDS[number];

if (gpuAdapter === null) {
  console.log(
    "SKIPPED: webgpu backend tests — navigator.gpu.requestAdapter() returned no adapter " +
      "(install Mesa's software drivers: .ci/run does)",
  );
}

/** Activates a backend (waits for it to be ready). */
export async function use(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`Cannot activate the ${name} backend`);
  await tf.ready();
}

/**
 * Registers one test per backend: "name [backend]". WebGPU tests are ignored (reported as such)
 * when there is no adapter; they relax Deno's op sanitizer, since the device keeps async work
 * pending between tests.
 */
export function testEachBackend(
  name: string,
  fn: (backend: BackendName) => void | Promise<void>,
  backends: readonly BackendName[] = BACKENDS,
): void {
  for (const backend of backends) {
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: backend === "webgpu" && gpuAdapter === null,
      sanitizeOps: backend !== "webgpu",
      sanitizeResources: backend !== "webgpu",
      fn: async () => {
        await use(backend);
        await fn(backend);
      },
    });
  }
}

/** Reads a tensor on any backend (webgpu in Deno cannot read synchronously). */
export async function values(x: tf.Tensor): Promise<Float32Array> {
  return (await x.data()) as Float32Array;
}

/**
 * Runs `fn` and returns its result with the warnings tf.js printed meanwhile (console.warn), for
 * tests that provoke a warning on purpose: it is checked instead of printed.
 */
export function withWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  try {
    return { result: fn(), warnings };
  } finally {
    console.warn = warn;
  }
}
