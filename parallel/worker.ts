/**
 * Worker of the parallel surgery (parallel/parallel_surgery.ts; protocol in parallel/_protocol.ts):
 * partial Grams of the chunks it claims, then, once the main thread has published the weights, the
 * combine of the chunks it claims. Loaded from a module URL relative to the library, so it works
 * over https too.
 * @module
 */

/// <reference lib="deno.worker" />

import { attachSharedBuffer } from "../core/gradient_buffer.ts";
import { kernels } from "../core/kernels.ts";
import {
  claimChunks,
  controlLayout,
  FLAG_COMBINE,
  FLAG_INDEX,
  FLAG_WAIT,
  ownerIndex,
  type Phase,
  type SharedSlice,
  SPIN_MS,
  spinUntil,
  type StepMessage,
  type WorkerReply,
} from "./_protocol.ts";

/** Shared gradient buffers this worker has attached to: id → its view of their memory. */
const attached = new Map<number, ArrayBufferLike>();
/** Buffers kept attached at once; the oldest is dropped (and its instance collected) beyond. */
const MAX_ATTACHED = 4;

function reply(message: WorkerReply): void {
  self.postMessage(message);
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
  if (!spinUntil(() => Atomics.load(ints, FLAG_INDEX) !== FLAG_WAIT, SPIN_MS)) {
    Atomics.wait(ints, FLAG_INDEX, FLAG_WAIT);
  }
  if (Atomics.load(ints, FLAG_INDEX) === FLAG_COMBINE) {
    const w = new Float64Array(control, layout.weights * 8, T);
    claimChunks(ints, "combine", m.queue, m.queues, mayTake("combine"), (c) => {
      kernels.combine(chunkRows(c), w, columns(c, out, m.out));
      if (m.outStaged) Atomics.store(ints, ownerIndex(m.queues, c), 1);
    });
  }
  // Last: after this store the main thread may reset the control buffer for another step.
  Atomics.store(new Int32Array(m.status), m.worker, m.step);
  reply({ type: "done", step: m.step });
}

self.onmessage = (event: MessageEvent<StepMessage>) => {
  try {
    runStep(event.data);
  } catch (error) {
    reply({ type: "error", step: event.data.step, message: String(error) });
  }
};

reply({ type: "ready" });
