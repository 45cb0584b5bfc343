/**
 * Worker of the parallel surgery (parallel/parallel_surgery.ts; protocol in parallel/_protocol.ts):
 * partial Gram of its slice, then, once the main thread has published the weights, the combine of
 * its slice. Loaded from a module URL relative to the library, so it works over https too.
 * @module
 */

/// <reference lib="deno.worker" />

import { referenceKernels } from "../core/reference.ts";
import { createWasmKernels } from "../core/wasm.ts";
import {
  FLAG_COMBINE,
  FLAG_INDEX,
  FLAG_WAIT,
  gramSlot,
  type SharedSlice,
  type StepMessage,
  weightsSlot,
  type WorkerReply,
} from "./_protocol.ts";

const kernels = createWasmKernels() ?? referenceKernels;

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

function view(s: SharedSlice): Float32Array {
  return new Float32Array(s.buffer, s.byteOffset, s.length);
}

function runStep(m: StepMessage): void {
  const { T, control } = m;
  const rows = m.rows.map(view);
  const G = new Float64Array(control, gramSlot(m.worker, T) * 8, T * T);
  G.fill(0);
  kernels.gram(rows, G);
  reply({ type: "gram", step: m.step });
  const flag = new Int32Array(control, 0, 1);
  Atomics.wait(flag, FLAG_INDEX, FLAG_WAIT);
  if (Atomics.load(flag, FLAG_INDEX) === FLAG_COMBINE) {
    const w = new Float64Array(control, weightsSlot(m.workers, T) * 8, T);
    kernels.combine(rows, w, view(m.out));
  }
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
