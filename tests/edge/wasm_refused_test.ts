// The library where the runtime refuses to compile WebAssembly from bytes (Cloudflare Workers,
// Vercel Edge): it loads all the same and runs the TypeScript kernels, or the SIMD core when that
// was handed in compiled (the edge build's imported core.wasm). Run in a child process, whose
// WebAssembly refuses before the library loads (tests/edge/_refused_wasm_child.ts).
import assert from "node:assert/strict";
import { createSurgery } from "../../mod.ts";
import { REFUSED_METHODS, sampleGrads } from "./_workload.ts";

const SEED = 3;
const CHILD = new URL("_refused_wasm_child.ts", import.meta.url).pathname;

type Result = Record<string, { kernel: string; update: number[] }>;

async function runChild(mode: "refused" | "provided"): Promise<Result> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=.", CHILD, mode, String(SEED)],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const { code, stdout, stderr } = await child;
  assert.equal(code, 0, `child failed:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** This process's updates (WASM core), which the child's must match within f32 rounding. */
function assertSameUpdates(got: Result): void {
  for (const [method, { update }] of Object.entries(got)) {
    const options = REFUSED_METHODS[method as keyof typeof REFUSED_METHODS];
    const want = createSurgery({ method: method as "pcgrad", seed: SEED, ...options })
      .surgery(sampleGrads());
    assert.equal(update.length, want.length, method);
    const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 1);
    const worst = update.reduce((m, x, k) => Math.max(m, Math.abs(x - want[k])), 0);
    assert.ok(worst <= 1e-5 * scale, `${method}: differs by ${worst} of ${scale}`);
  }
}

Deno.test("wasm refused: the library loads and runs the TypeScript kernels", async () => {
  const got = await runChild("refused");
  assert.deepEqual(Object.keys(got), Object.keys(REFUSED_METHODS));
  for (const { kernel } of Object.values(got)) assert.equal(kernel, "typescript");
  assertSameUpdates(got);
});

Deno.test("wasm refused: a core module handed in compiled runs the SIMD kernels", async () => {
  const got = await runChild("provided");
  for (const { kernel } of Object.values(got)) assert.equal(kernel, "wasm-simd");
  assertSameUpdates(got);
});
