// Run by tests/edge/bun_test.ts under Bun: `bun _threads_check.mjs <module>` with the bundle or
// mod.ts. Runs createParallelSurgery({ threads: 2 }) from that module with the runtime's own
// Worker, counts the worker's replies (a "gram" and a "done" per step means its thread ran the
// step), and prints what it found as JSON; the process must then exit by itself.
const [path] = process.argv.slice(2);
const gs = await import(path);

const replies = [];
const WebWorker = globalThis.Worker;
globalThis.Worker = class extends WebWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => replies.push(event.data.type));
  }
};
// 2 × 2^19 floats: the smallest step that runs on the workers.
const big = [0, 1].map((t) =>
  Float32Array.from({ length: 1 << 19 }, (_, k) => Math.sin(k * (t + 1)) * (t + 1))
);
const pcgrad = await gs.createParallelSurgery({ threads: 2, seed: 4 });
const updates = [];
try {
  updates.push(await pcgrad.surgery(big), await pcgrad.surgery(big));
  // The steps may resolve on the shared counters before the worker's replies are delivered
  // (close() would drop them): wait for them, 30 s at most.
  const until = Date.now() + 30_000;
  while (replies.filter((type) => type === "done").length < 2 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
} finally {
  pcgrad.close();
}
globalThis.Worker = WebWorker;
const single = gs.createSurgery({ seed: 4 });
const relativeGaps = updates.map((update) => {
  const want = single.surgery(big);
  const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return want.reduce((m, x, k) => Math.max(m, Math.abs(x - update[k])), 0) / scale;
});
console.log(JSON.stringify({
  runtime: typeof Bun === "object" ? `bun ${Bun.version}` : "other",
  threads: pcgrad.threads,
  singleThreadReason: pcgrad.singleThreadReason,
  replies,
  relativeGaps,
  kernel: single.stats.kernel,
}));
