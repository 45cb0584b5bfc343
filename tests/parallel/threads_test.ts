// Where the parallel surgery gets its threads (parallel/threads.ts), what it says where it gets
// none, and the seal on the worker's embedded source (parallel/_worker_source.ts).
import assert from "node:assert/strict";
import { createParallelSurgery, createSurgery } from "../../mod.ts";
import { threadSupport } from "../../parallel/threads.ts";
import {
  WORKER_SOURCE,
  WORKER_SOURCE_FILES,
  WORKER_SOURCE_HASH,
} from "../../parallel/_worker_source.ts";
import { workerSourcesHash } from "../../tools/_embed_worker.ts";

const ROOT = new URL("../../", import.meta.url);

/** Runs `body` with these globals removed, as in a runtime that lacks them. */
async function without<T>(names: string[], body: () => Promise<T>): Promise<T> {
  const global = globalThis as Record<string, unknown>;
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(global, name)] as const);
  for (const name of names) delete global[name];
  try {
    return await body();
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor !== undefined) Object.defineProperty(global, name, descriptor);
    }
  }
}

/** Console warnings made while `body` runs. */
async function warnings(body: () => Promise<void>): Promise<string[]> {
  const said: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => said.push(args.join(" "));
  try {
    await body();
  } finally {
    console.warn = warn;
  }
  return said;
}

Deno.test("threads: Deno has them, with the CPU count", async () => {
  const support = threadSupport();
  assert.ok(support.available);
  assert.equal(support.cpus, navigator.hardwareConcurrency);
  const p = await createParallelSurgery({ threads: 2 });
  try {
    assert.equal(p.threads, 2);
    assert.equal(p.singleThreadReason, null);
  } finally {
    p.close();
  }
});

Deno.test("threads: none without SharedArrayBuffer or Worker, said on the object and warned once", async () => {
  const grads = [Float32Array.of(1, 0, 2), Float32Array.of(-1, 1, 0)];
  const want = Array.from(createSurgery({ seed: 2 }).surgery(grads));
  // Deno also has Node's process.getBuiltinModule: without it, no worker_threads either.
  for (const missing of [["SharedArrayBuffer"], ["Worker", "process"]]) {
    const reason = missing[0] === "Worker"
      ? "one thread only: this runtime has no Worker"
      : /^one thread only: this runtime has no SharedArrayBuffer \(a browser page/;
    const said = await warnings(() =>
      without(missing, async () => {
        assert.equal(threadSupport().available, false);
        for (const threads of [undefined, 4, 4, 1]) {
          const p = await createParallelSurgery({ threads, seed: 2 });
          try {
            assert.equal(p.threads, 1);
            if (threads === 1) assert.equal(p.singleThreadReason, null, "one thread was asked");
            else if (typeof reason === "string") assert.equal(p.singleThreadReason, reason);
            else assert.match(p.singleThreadReason ?? "", reason);
            assert.deepEqual(Array.from(await p.surgery(grads)), want);
          } finally {
            p.close();
          }
        }
      })
    );
    // Only an explicit request for threads warns, once per process.
    assert.equal(said.length, 1, said.join("\n"));
    assert.match(said[0], /^gradient-surgery: createParallelSurgery runs one thread only: /);
  }
});

Deno.test("worker source: sealed from the current sources (else run `deno task build:worker`)", async () => {
  const read = (file: string) => Deno.readTextFile(new URL(file, ROOT));
  assert.equal(
    await workerSourcesHash(WORKER_SOURCE_FILES, read),
    WORKER_SOURCE_HASH,
    "parallel/_worker_source.ts is stale: run `deno task build:worker`",
  );
  const followed = new Set<string>();
  // Every relative import of a listed file is listed: the seal covers the whole module graph.
  for (const file of WORKER_SOURCE_FILES) {
    const text = await read(file);
    // Import and export statements start a line (doc examples sit behind " * ").
    for (
      const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/gm)
    ) {
      const target = new URL(spec, new URL(file, ROOT)).href.slice(ROOT.href.length);
      assert.ok(WORKER_SOURCE_FILES.includes(target), `${file} imports ${target}, not sealed`);
      followed.add(target);
    }
  }
  assert.deepEqual(
    [...followed].sort(),
    WORKER_SOURCE_FILES.filter((f) => f !== "parallel/worker.ts"),
  );
  assert.ok(WORKER_SOURCE_FILES.includes("parallel/worker.ts"));
  // One script that imports nothing and loads no file.
  assert.doesNotMatch(WORKER_SOURCE, /^\s*(import|export)\s/m);
  assert.doesNotMatch(WORKER_SOURCE, /import\.meta|\bimport\s*\(/);
});
