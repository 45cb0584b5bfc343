/**
 * Starting the parallel surgery's threads wherever the runtime has them: the web's Worker (Deno,
 * browsers, Bun) or Node's worker_threads, with the worker's code from parallel/_worker_source.ts
 * (a blob: or data: URL of it), so no module file is ever loaded for it: no read permission in
 * Deno, nothing beside a bundle. Where threads are impossible, {@linkcode threadSupport} says why.
 * @module
 */

import { WORKER_SOURCE } from "./_worker_source.ts";

/** One worker thread, as the pool drives it. */
export interface ThreadWorker {
  postMessage(message: unknown): void;
  terminate(): void;
}

/** What the pool hears from a worker: its replies, and its failure (an uncaught error, an exit). */
export interface ThreadEvents {
  reply(message: unknown): void;
  fail(message: string): void;
}

/** Starts one worker thread running parallel/worker.ts. */
export type StartThread = (events: ThreadEvents) => ThreadWorker;

/** The runtime's threads: how to start one and how many CPUs there are, or why there are none. */
export type ThreadSupport =
  | { available: true; cpus: number; start: StartThread }
  | { available: false; reason: string };

/** Node's worker_threads and os, as far as they are used here. */
interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  on(event: "message", listener: (message: unknown) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  on(event: "exit", listener: (code: number) => void): void;
}
interface NodeBuiltins {
  worker: { Worker: new (url: URL) => NodeWorker };
  os: { availableParallelism?(): number; cpus(): unknown[] };
}

/** Node's modules through process.getBuiltinModule (Node 20.16+), with no import to bundle. */
function nodeBuiltins(): NodeBuiltins | string | null {
  const process = (globalThis as {
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  }).process;
  const node = process?.versions?.node;
  if (node === undefined) return null;
  if (typeof process?.getBuiltinModule !== "function") {
    return `Node ${node} has no process.getBuiltinModule (Node 20.16 or later has)`;
  }
  return {
    worker: process.getBuiltinModule("node:worker_threads") as NodeBuiltins["worker"],
    os: process.getBuiltinModule("node:os") as NodeBuiltins["os"],
  };
}

let blobUrl: string | undefined;

/** The worker's code as a blob: URL, made once (revoking it would break later Workers). */
function workerBlobUrl(): string {
  return blobUrl ??= URL.createObjectURL(
    new Blob([WORKER_SOURCE], { type: "text/javascript" }),
  );
}

function webWorker(events: ThreadEvents): ThreadWorker {
  const worker = new Worker(workerBlobUrl(), { type: "module" });
  worker.onmessage = (event: MessageEvent) => events.reply(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    events.fail(event.message);
  };
  return worker;
}

function nodeWorker(builtins: NodeBuiltins, events: ThreadEvents): ThreadWorker {
  const url = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);
  const worker = new builtins.worker.Worker(url);
  let terminated = false;
  worker.on("message", (message) => events.reply(message));
  worker.on("error", (error) => events.fail(error.message));
  worker.on("exit", (code) => {
    if (!terminated) events.fail(`the thread exited with code ${code}`);
  });
  return {
    postMessage: (message) => worker.postMessage(message),
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}

/**
 * The runtime's threads. SharedArrayBuffer and Atomics come first (a browser page has them only
 * when cross-origin isolated); then the web's Worker, else Node's worker_threads.
 */
export function threadSupport(): ThreadSupport {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") {
    return {
      available: false,
      reason: "this runtime has no SharedArrayBuffer (a browser page needs cross-origin isolation)",
    };
  }
  if (typeof Worker === "function") {
    const cpus = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency ?? 1;
    return { available: true, cpus, start: webWorker };
  }
  const node = nodeBuiltins();
  if (node === null) return { available: false, reason: "this runtime has no Worker" };
  if (typeof node === "string") return { available: false, reason: node };
  const cpus = node.os.availableParallelism?.() ?? node.os.cpus().length;
  return { available: true, cpus, start: (events) => nodeWorker(node, events) };
}

/** Default thread count cap: beyond a few threads the memory bus, not the cores, sets the pace. */
export const MAX_DEFAULT_THREADS = 8;

/** The threads a parallel surgery runs on, and why only one when fewer than asked for. */
export interface ThreadChoice {
  threads: number;
  singleThreadReason: string | null;
}

/**
 * The thread count for `requested` threads (undefined: the default) where the runtime offers
 * `support`: the logical CPUs (at most MAX_DEFAULT_THREADS) by default, 1 where there are no
 * threads (with the reason, unless one thread was asked for; a warning too when more were).
 */
export function chooseThreads(requested: number | undefined, support: ThreadSupport): ThreadChoice {
  const threads = !support.available
    ? 1
    : requested ?? Math.max(1, Math.min(MAX_DEFAULT_THREADS, support.cpus));
  const singleThreadReason = !support.available && requested !== 1
    ? `one thread only: ${support.reason}`
    : null;
  if (singleThreadReason !== null && requested !== undefined) warnOnce(singleThreadReason);
  return { threads, singleThreadReason };
}

const warned = new Set<string>();

/** A console warning, once per process and message. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`gradient-surgery: createParallelSurgery runs ${message}`);
}
