/**
 * Worker of the parallel surgery (parallel/parallel_surgery.ts; protocol in parallel/_protocol.ts):
 * partial Grams of the chunks it claims, then, once the main thread has published the weights, the
 * combine of the chunks it claims. Between steps it waits on its state word rather than in its
 * event loop (WorkerState). It runs bundled, from the text sealed in parallel/_worker_source.ts
 * (tools/_embed_worker.ts builds it: rebuild after changing this file or what it imports), as a
 * web Worker or in Node's worker_threads.
 * @module
 */

/// <reference lib="deno.worker" />

import { attachSharedBuffer } from "../core/gradient_buffer.ts";
import { kernels } from "../core/kernels.ts";
import {
  advanceState,
  claimChunks,
  controlLayout,
  FLAG_COMBINE,
  FLAG_INDEX,
  FLAG_WAIT,
  IDLE_SPIN_MS,
  ownerIndex,
  type Phase,
  type SharedSlice,
  SPIN_MS,
  spinUntil,
  statusWords,
  type StepMessage,
  type WorkerReply,
  WorkerState,
} from "./_protocol.ts";

/** Shared gradient buffers this worker has attached to: id → its view of their memory. */
const attached = new Map<number, ArrayBufferLike>();
/** Buffers kept attached at once; the oldest is dropped (and its instance collected) beyond. */
const MAX_ATTACHED = 4;

/** Node's worker_threads port, as far as it is used here. */
interface NodePort {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: StepMessage) => void): void;
  close(): void;
}

/** Node's port to the main thread where this runs in worker_threads (which has no `self`). */
const nodePort: NodePort | null = typeof self === "object" && typeof self.postMessage === "function"
  ? null
  : ((globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process
    .getBuiltinModule("node:worker_threads") as { parentPort: NodePort }).parentPort;

function reply(message: WorkerReply): void {
  if (nodePort !== null) nodePort.postMessage(message);
  else self.postMessage(message);
}

/** This worker's view of the step's gradient buffer memory, attaching on first sight. */
function bufferMemory(m: StepMessage): ArrayBufferLike | null {
  const info = m.gradientBuffer;
  if (info === undefined) return null;
  let memory = attached.get(info.id);
  if (memory === undefined) {
    attachSharedBuffer(info, m.worker + 1); // false: no slot for this worker; it stages instead
    memory = info.memory.buffer;
    attached.set(info.id, memory);
    if (attached.size > MAX_ATTACHED) attached.delete(attached.keys().next().value!);
  }
  return memory;
}

function view(s: SharedSlice, memory: ArrayBufferLike | null): Float32Array {
  return new Float32Array(
    s.inBuffer && memory !== null ? memory : s.buffer,
    s.byteOffset,
    s.length,
  );
}

function runStep(m: StepMessage): void {
  const { T, control } = m;
  const memory = bufferMemory(m);
  const rows = m.rows.map((s) => view(s, memory));
  const out = view(m.out, memory);
  const ints = new Int32Array(control);
  const layout = controlLayout(m.queues, m.chunks.length - 1, T);
  /** Chunk c's columns of a row or of the output, in this worker's view. */
  const columns = (c: number, r: Float32Array, s: SharedSlice) =>
    r.subarray(m.chunks[c] - s.first, m.chunks[c + 1] - s.first);
  const chunkRows = (c: number) => rows.map((r, t) => columns(c, r, m.rows[t]));
  /** The queues this worker may take chunks from in a phase: the workers', and maybe the main's. */
  const mayTake = (phase: Phase) => (q: number) => q !== 0 || m.takeMain[phase];
  claimChunks(ints, "gram", m.queue, m.queues, mayTake("gram"), (c) => {
    const G = new Float64Array(control, layout.gramSlot(c) * 8, T * T);
    G.fill(0);
    kernels.gram(chunkRows(c), G);
  });
  reply({ type: "gram", step: m.step });
  // The main thread sets the flag when the weights are ready, when the step fails, and on close().
  if (!spinUntil(() => Atomics.load(ints, FLAG_INDEX) !== FLAG_WAIT, SPIN_MS)) {
    while (Atomics.load(ints, FLAG_INDEX) === FLAG_WAIT) Atomics.wait(ints, FLAG_INDEX, FLAG_WAIT);
  }
  if (Atomics.load(ints, FLAG_INDEX) === FLAG_COMBINE) {
    const w = new Float64Array(control, layout.weights * 8, T);
    claimChunks(ints, "combine", m.queue, m.queues, mayTake("combine"), (c) => {
      kernels.combine(chunkRows(c), w, columns(c, out, m.out));
      if (m.outStaged) Atomics.store(ints, ownerIndex(m.queues, c), 1);
    });
  }
  // Last: after this store the main thread may reset the control buffer for another step.
  Atomics.store(new Int32Array(m.status), statusWords(m.worker).finished, m.step);
}

/**
 * Runs the step of a message, then, as long as the main thread rings RING_SAME, the same step
 * again under the rung step number; returns to the event loop on RING_NEW or an error, and for
 * good once close() has set CLOSED (a message may still arrive after close(): it is not run).
 */
function serve(first: StepMessage): void {
  const words = new Int32Array(first.status);
  const w = first.worker;
  const state = statusWords(w).state;
  const advance = (from: number, to: number) => advanceState(words, w, from, to);
  if (!advance(WorkerState.EVENT, WorkerState.BUSY)) return quit();
  let m = first;
  for (;;) {
    try {
      runStep(m);
    } catch (error) {
      if (!advance(WorkerState.BUSY, WorkerState.EVENT)) return quit();
      reply({ type: "error", step: m.step, message: String(error) });
      return;
    }
    if (!advance(WorkerState.BUSY, WorkerState.IDLE)) return quit();
    // "done" only once this worker is no longer BUSY. The main thread starts the next step when
    // every worker has finished this one and is not BUSY (WorkerPool.finished), or, once its spin
    // gives up, on every "done" reply, so the reply must mean as much: sent while still BUSY, a
    // descheduled worker could be seen BUSY, be posted the next step instead of rung, then sleep
    // here with that message unread, and the step after it would wait for this worker forever.
    reply({ type: "done", step: m.step });
    const rung = () => Atomics.load(words, state) !== WorkerState.IDLE;
    if (!spinUntil(rung, IDLE_SPIN_MS)) {
      while (!rung()) Atomics.wait(words, state, WorkerState.IDLE);
    }
    if (advance(WorkerState.RING_SAME, WorkerState.BUSY)) {
      m = { ...m, step: Atomics.load(words, statusWords(w).step) };
      continue;
    }
    // RING_NEW: the next StepMessage is already in the event queue.
    if (advance(WorkerState.RING_NEW, WorkerState.EVENT)) return;
    return quit();
  }
}

/** After close(): back to the event loop, where the pending terminate() ends this thread. */
function quit(): void {
  if (nodePort !== null) nodePort.close();
  else self.close();
}

if (nodePort !== null) nodePort.on("message", serve);
else self.onmessage = (event: MessageEvent<StepMessage>) => serve(event.data);

reply({ type: "ready" });
