// The edge worker in the runtimes it is written for, each started on a loopback port, killed at the
// end (tests/edge/_server.ts): workerd (the open-source Cloudflare Workers runtime, which refuses
// to compile WebAssembly from bytes) serving the shipped examples/edge_worker/workerd.capnp, and
// Bun's Bun.serve. Each POSTs a step and compares with the library in this process.
import assert from "node:assert/strict";
import { surgery, type SurgeryOptions } from "../../mod.ts";
import { MAX_TASKS } from "../../examples/edge_worker/limits.ts";
import { freshDist } from "./_dist.ts";
import { type Server, startServer } from "./_server.ts";
import { sampleGrads } from "./_workload.ts";

const ROOT = new URL("../../", import.meta.url);
const WORKERD = new URL("node_modules/@cloudflare/workerd-linux-64/bin/workerd", ROOT).pathname;
const BUN = new URL("node_modules/.bin/bun", ROOT).pathname;

function post(server: Server, body: unknown): Promise<Response> {
  return fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Posts the workload under `options`; checks the update against the library's and returns stats. */
async function postStep(
  server: Server,
  options: SurgeryOptions,
): Promise<{ kernel: string }> {
  const grads = sampleGrads();
  const { losses, ...weightOptions } = options;
  const response = await post(server, {
    grads: grads.map((g) => Array.from(g)),
    losses,
    options: weightOptions,
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const { update, stats } = JSON.parse(text);
  // The runtime's core may be the plain SIMD build where Deno runs the relaxed one (fused
  // multiply-adds), or the TypeScript kernels: equal within float32 rounding, not bit for bit.
  const want = surgery(grads, options);
  assert.equal(update.length, want.length);
  const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 1);
  const worst = want.reduce((m, x, k) => Math.max(m, Math.abs(x - update[k])), 0);
  assert.ok(worst <= 1e-5 * scale, `${options.method}: differs from the library by ${worst}`);
  return stats;
}

/** What every runtime must do: the step, MGDA with losses, and a JSON 422 over the task limit. */
async function checkWorker(server: Server, kernel: string): Promise<void> {
  assert.equal((await postStep(server, { seed: 7 })).kernel, kernel);
  const losses = [1, 2, 0.5, 4];
  const mgda = await postStep(server, { method: "mgda", normalization: "loss+", losses });
  assert.equal(mgda.kernel, kernel);
  assert.equal((await postStep(server, { method: "graddrop", seed: 1 })).kernel, kernel);
  const tooMany = await post(server, { grads: Array.from({ length: 3000 }, () => [1, 2]) });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.headers.get("content-type") ?? "", /^application\/json/);
  assert.match((await tooMany.json()).error, new RegExp(`limit of ${MAX_TASKS}`));
}

/** Runs `check` against a server, always stopping it; its stderr goes into a failure's message. */
async function withServer(server: Server, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    const stderr = await server.close();
    throw new Error(`${(error as Error).message}\nserver stderr:\n${stderr}`, { cause: error });
  }
  await server.close();
}

Deno.test("workerd: the shipped workerd.capnp serves dist/edge/ on the SIMD core", async () => {
  await freshDist();
  const config = new URL("examples/edge_worker/workerd.capnp", ROOT).pathname;
  const server = await startServer(WORKERD, (port) => [
    "serve",
    config,
    "--socket-addr",
    `http=127.0.0.1:${port}`,
  ]);
  await withServer(server, () => checkWorker(server, "wasm-simd"));
});

Deno.test("workerd: the single-file dist/edge_worker.mjs loads and runs the TypeScript kernels", async () => {
  const dist = await freshDist();
  const dir = await Deno.makeTempDir({ prefix: "gs_workerd_" });
  try {
    await Deno.copyFile(new URL("edge_worker.mjs", dist), `${dir}/worker.mjs`);
    await Deno.writeTextFile(
      `${dir}/config.capnp`,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "surgery", worker = .surgeryWorker)],
  sockets = [(name = "http", service = "surgery")],
);
const surgeryWorker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "2025-01-01",
);
`,
    );
    const server = await startServer(WORKERD, (port) => [
      "serve",
      `${dir}/config.capnp`,
      "--socket-addr",
      `http=127.0.0.1:${port}`,
    ]);
    await withServer(server, () => checkWorker(server, "typescript"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const build of ["edge_worker.mjs", "edge/worker.mjs"]) {
  Deno.test(`Bun: Bun.serve runs dist/${build} on the SIMD core`, async () => {
    const dist = await freshDist();
    const script = new URL("_bun_serve.mjs", import.meta.url).pathname;
    const worker = new URL(build, dist).pathname;
    const server = await startServer(BUN, (port) => [script, worker, String(port)]);
    await withServer(server, () => checkWorker(server, "wasm-simd"));
  });
}
