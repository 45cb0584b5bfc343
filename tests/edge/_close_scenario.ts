// One process of tests/edge/parallel_exit_test.ts: a parallel surgery closed at one moment, then
// nothing else. The process must exit by itself (no Deno.exit, no pending timer): a worker that
// close() leaves spinning or in Atomics.wait keeps it alive forever.
//
//   deno run tests/edge/_close_scenario.ts <scenario>
//
// Scenarios: "after-<cold|warm>" (close once the step resolved), "inflight-<when>-<before>" (close
// while a step is queued or running: <when> is "sync", "ticks<n>" microtask turns or "timer<ms>";
// <before> is cold, warm (after a first step) or asleep (after a first step and a pause, so the
// worker sleeps in Atomics.wait)), and "pool-<flag|asleep|queued>" (the worker pool driven
// directly, so the worker is for certain waiting on the step's flag, asleep between steps, or has
// a step message queued).
import { createParallelSurgery, createSurgery } from "../../mod.ts";
import {
  controlLayout,
  FLAG_COMBINE,
  FLAG_INDEX,
  packRange,
  rangeIndex,
  type StepMessage,
} from "../../parallel/_protocol.ts";
import { WorkerPool } from "../../parallel/worker_pool.ts";
import { threadSupport } from "../../parallel/threads.ts";

const [scenario] = Deno.args;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 2 × 2^19 floats: the smallest step that runs on the workers. */
function grads(): Float32Array[] {
  const d = 1 << 19;
  return [0, 1].map((t) => Float32Array.from({ length: d }, (_, k) => Math.sin(k * (t + 1))));
}

/** A step of 16 columns whose chunks are all the main thread's: the worker only waits on it. */
function idleStep(pool: WorkerPool, step: number): StepMessage {
  const layout = controlLayout(2, 1, 1);
  const control = new SharedArrayBuffer(layout.bytes);
  const ints = new Int32Array(control);
  ints[rangeIndex("gram", 0)] = packRange(0, 1);
  ints[rangeIndex("combine", 0)] = packRange(0, 1);
  const row = { buffer: new SharedArrayBuffer(64), byteOffset: 0, first: 0, length: 16 };
  return {
    step,
    T: 1,
    worker: 0,
    queue: 1,
    queues: 2,
    takeMain: { gram: false, combine: false },
    chunks: [0, 16],
    control,
    rows: [row],
    out: { ...row, buffer: new SharedArrayBuffer(64) },
    outStaged: false,
    status: pool.status,
  };
}

async function poolScenario(point: string): Promise<string> {
  const support = threadSupport();
  if (!support.available) throw new Error(`no threads: ${support.reason}`);
  const pool = new WorkerPool(1, support.start);
  await pool.wait(0, "done");
  const first = idleStep(pool, 1);
  if (point === "queued") {
    pool.start(0, first);
    pool.terminate();
    return "closed with a step message queued";
  }
  pool.start(0, first);
  await pool.wait(1, "gram");
  if (point === "flag") {
    await sleep(20); // past the worker's spin: asleep on the flag
    pool.terminate();
    return "closed with the worker waiting on the flag";
  }
  // Let the step end, then sleep between steps.
  const ints = new Int32Array(first.control);
  Atomics.store(ints, FLAG_INDEX, FLAG_COMBINE);
  Atomics.notify(ints, FLAG_INDEX);
  await pool.wait(1, "done");
  await sleep(20);
  pool.terminate();
  return "closed with the worker asleep between steps";
}

async function surgeryScenario(when: string, before: string): Promise<string> {
  const g = grads();
  const parallel = await createParallelSurgery({ threads: 2, seed: 3 });
  if (parallel.threads !== 2) throw new Error(`expected 2 threads, got ${parallel.threads}`);
  if (before !== "cold") await parallel.surgery(g);
  if (before === "asleep") await sleep(20);
  const step = parallel.surgery(g).then(
    (update) => update,
    (error: Error) => error,
  );
  if (when === "after") await step;
  else if (when.startsWith("ticks")) {
    for (let i = 0; i < Number(when.slice(5)); i++) await null;
  } else if (when.startsWith("timer")) await sleep(Number(when.slice(5)));
  parallel.close();
  const outcome = await step;
  if (outcome instanceof Error) {
    // Closed before the step started, or while it ran.
    if (!/parallel surgery (is closed|was closed during the step)$/.test(outcome.message)) {
      throw outcome;
    }
    return `step rejected: ${outcome.message}`;
  }
  // A step that completed before close() took effect must be right.
  const single = createSurgery({ seed: 3 });
  if (before !== "cold") single.surgery(g);
  const want = single.surgery(g);
  const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const gap = want.reduce((m, x, k) => Math.max(m, Math.abs(x - outcome[k])), 0);
  if (!(gap <= 1e-5 * scale)) throw new Error(`update off by ${gap} (scale ${scale})`);
  return "step resolved with the right update";
}

const [kind, ...rest] = scenario.split("-");
const result = kind === "pool"
  ? await poolScenario(rest[0])
  : kind === "after"
  ? await surgeryScenario("after", rest[0] ?? "cold")
  : await surgeryScenario(rest[0], rest[1] ?? "cold");
console.log(`${scenario}: ${result}`);
