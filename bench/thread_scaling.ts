/**
 * Thread-scaling probe: the floor kernels run on 1 and on N threads at once (Workers). If N
 * threads each reach 1/N of the one-thread rate, the cores share one execution unit or one memory
 * path, and no split of the work across threads can be faster; this bounds the parallel surgery's
 * speedup on the machine at hand.
 * @module
 */

import type { ProbeJob } from "./_floors_worker.ts";

/** Bytes each thread streams in the read probe: far beyond any cache. */
const PROBE_READ_BYTES = 256 * 1024 * 1024;
/** In-register loop iterations per timed run in the compute probe. */
const PROBE_ITERS = 1e7;

/** Rate of each of `threads` threads running `kind` at once (per second: lane multiply-adds or bytes). */
export async function probe(kind: "peak" | "read", threads: number): Promise<number[]> {
  const start = new SharedArrayBuffer(8);
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./_floors_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    const results = workers.map((w) =>
      new Promise<number>((resolve, reject) => {
        w.onmessage = (e: MessageEvent<number>) => resolve(e.data);
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
      })
    );
    const job: ProbeJob = { kind, iters: PROBE_ITERS, bytes: PROBE_READ_BYTES, start };
    for (const w of workers) w.postMessage(job);
    const flag = new Int32Array(start);
    while (Atomics.load(flag, 0) < threads) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(flag, 1, 1);
    const ms = await Promise.all(results);
    const work = kind === "peak" ? 36 * PROBE_ITERS : PROBE_READ_BYTES;
    return ms.map((m) => work / (m / 1000));
  } finally {
    for (const w of workers) w.terminate();
  }
}

/** Aggregate rate on N threads over the one-thread rate, for compute and for reads. */
export async function threadScaling(
  threads: number,
): Promise<{ threads: number; peak: number; read: number }> {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const peak1 = sum(await probe("peak", 1));
  const peakN = sum(await probe("peak", threads));
  const read1 = sum(await probe("read", 1));
  const readN = sum(await probe("read", threads));
  return { threads, peak: peakN / peak1, read: readN / read1 };
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? navigator.hardwareConcurrency);
  console.log(await threadScaling(n));
}
