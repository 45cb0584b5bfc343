/**
 * Worker of the thread-scaling probe (bench/thread_scaling.ts): runs one floor kernel when told,
 * so that N threads run it at once. Not part of the library.
 * @module
 */

/// <reference lib="deno.worker" />

import { instantiateFloors } from "./floors.ts";

/** Job: "peak" (in-register multiply-adds) or "read" (stream `bytes` of its own memory). */
export interface ProbeJob {
  kind: "peak" | "read";
  iters: number;
  bytes: number;
  /** Int32 flag: the worker adds 1 when ready, then spins until index 1 is set (a common start). */
  start: SharedArrayBuffer;
}

const floors = instantiateFloors(true) ?? instantiateFloors(false)!;

self.onmessage = (event: MessageEvent<ProbeJob>) => {
  const job = event.data;
  const base = (floors.heapBase() + 127) & ~127;
  if (job.kind === "read") {
    const have = floors.memory.buffer.byteLength;
    if (base + job.bytes > have) floors.memory.grow(Math.ceil((base + job.bytes - have) / 65536));
    new Float32Array(floors.memory.buffer, base, job.bytes / 4).fill(1);
  }
  const run = () =>
    job.kind === "peak" ? floors.peakMadd(job.iters, 0.5) : floors.readSum(base, job.bytes);
  for (let r = 0; r < 3; r++) run(); // warm-up and tier-up
  const flag = new Int32Array(job.start);
  Atomics.add(flag, 0, 1);
  while (Atomics.load(flag, 1) === 0) { /* spin: every thread starts together */ }
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  self.postMessage(samples[2]);
};
