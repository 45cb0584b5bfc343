/**
 * Gradient buffers: task rows allocated in a WASM core's own memory, so the kernels read them in
 * place instead of staging a copy (core/wasm.ts). A copy costs about one more read of the input
 * per pass; engines that write their gradients straight into a buffer skip it
 * (docs/performance.md: in place is the path that reaches the memory floor).
 *
 * Each buffer owns one core instance whose memory is sized once, at creation, for its rows, its
 * output row and the kernels' scratch (G, weights, an output chunk): it never grows afterwards,
 * because growing a WebAssembly memory detaches every view of it, the caller's rows included.
 * A shared buffer's memory is a shared WebAssembly.Memory with one scratch slot per thread:
 * createParallelSurgery's workers attach their own instance of the shared-memory build to it
 * (attachSharedBuffer) and read their slices in place too.
 * @module
 */

import { type InPlaceKernels, inPlaceKernels, type Scratch } from "./in_place.ts";
import {
  align16,
  type CoreExports,
  DEFAULT_FLAVORS,
  instantiateCore,
  kernelScratch,
  MAX_CHUNK_FLOATS,
  padded,
  WASM_PAGE,
} from "./wasm.ts";

/** Pages a 32-bit WebAssembly memory can address: 65536 × 64 KiB = 4 GiB. */
const MAX_PAGES = 65536;
/**
 * Scratch areas of a shared buffer: one per thread that reads it in place (createParallelSurgery
 * uses slot 0 on the calling thread and slot w + 1 on worker w; threads beyond stage their slice).
 */
export const SHARED_SCRATCH_SLOTS = 8;
/** The scratch starts at the second page: the module's own static data (heapBase) stays below. */
const SCRATCH_BASE = WASM_PAGE;

/**
 * T task rows of d floats in the WASM core's memory, plus an output row: write each task's
 * gradient into `rows[t]` and pass `rows` (and `output` as `out`) to `surgery`, `createSurgery`,
 * `accumulateGram`, `combineBlock` or, for a shared buffer, `createParallelSurgery`, which then
 * read them where they are.
 *
 * @example An in-place step
 * ```ts
 * import { createGradientBuffer, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = createGradientBuffer(2, 3);
 * buffer.rows[0].set([1, 0, 2]);
 * buffer.rows[1].set([-1, 1, 0]);
 * const update = surgery(buffer.rows, { out: buffer.output });
 * assert.equal(update, buffer.output);
 * [-0.3, 1.5, 2.4].forEach((x, k) => assert.ok(Math.abs(update[k] - x) < 1e-6));
 * ```
 */
export interface GradientBuffer {
  /** The task rows: T Float32Arrays of `length` floats, zero at creation. */
  readonly rows: readonly Float32Array[];
  /** A row of `length` floats in the same memory, for the update (`out`). */
  readonly output: Float32Array;
  /** T, the number of rows. */
  readonly tasks: number;
  /** d, the floats per row. */
  readonly length: number;
  /** Whether the memory is a SharedArrayBuffer that worker threads read in place. */
  readonly shared: boolean;
}

/** Where everything sits in a buffer's memory: the same on every thread that reads it. */
export interface BufferLayout {
  /** Rows the buffer holds: the most one call may read in place. */
  T: number;
  /** Scratch areas, one per thread, each `slotBytes` long from `base`. */
  slots: number;
  slotBytes: number;
  base: number;
  /** Byte offset of the first row; rows are `pitch` floats apart. */
  first: number;
  pitch: number;
  /** Bytes of memory the buffer needs. */
  end: number;
}

function bufferLayout(T: number, d: number, slots: number): BufferLayout {
  const slotBytes = align16(kernelScratch(0, T, MAX_CHUNK_FLOATS).end);
  const first = align16(SCRATCH_BASE + slots * slotBytes);
  const pitch = padded(d);
  return {
    T,
    slots,
    slotBytes,
    base: SCRATCH_BASE,
    first,
    pitch,
    end: first + (T + 1) * pitch * 4,
  };
}

/** Scratch slot `slot` of a layout (core/wasm.ts kernelScratch, with an output chunk). */
function scratchOf(layout: BufferLayout, slot: number): Scratch {
  const at = kernelScratch(layout.base + slot * layout.slotBytes, layout.T, MAX_CHUNK_FLOATS);
  return { ...at, first: layout.first };
}

/** A registered buffer memory: this thread's kernels for it, and what threads need to share it. */
interface Entry {
  kernels: InPlaceKernels;
  /** For shared buffers: the memory and layout other threads attach to (see attachSharedBuffer). */
  share: SharedBufferInfo | null;
}

/** What a worker needs to read a shared buffer in place. */
export interface SharedBufferInfo {
  /** Unique per buffer in this thread (workers cache their instance by it). */
  id: number;
  memory: WebAssembly.Memory;
  layout: BufferLayout;
}

/** Each live buffer's memory → its kernels (weak: a dropped buffer takes its instance along). */
const registry = new WeakMap<ArrayBufferLike, Entry>();
let nextId = 1;

/** The buffer's memory, sized once: pages for the whole layout. */
function allocate(layout: BufferLayout, d: number, shared: boolean, action: string): {
  k: CoreExports;
  memory: WebAssembly.Memory;
} {
  const pages = Math.ceil(layout.end / WASM_PAGE);
  const size = `${layout.T} rows of ${d} floats need ${layout.end} bytes of WebAssembly memory`;
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `Cannot ${action}: ${size}, more than the ${
        MAX_PAGES * WASM_PAGE
      } a 32-bit module can address`,
    );
  }
  if (shared && typeof SharedArrayBuffer !== "function") {
    throw new Error(
      `Cannot ${action}: shared needs SharedArrayBuffer, which this runtime lacks ` +
        "(browsers need cross-origin isolation)",
    );
  }
  try {
    const memory = shared
      ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
      : undefined;
    const core = instantiateCore(DEFAULT_FLAVORS, memory);
    if (core === null) throw new Error("this runtime has no WebAssembly SIMD");
    const k = core.exports;
    if (k.heapBase() > SCRATCH_BASE) throw new Error(`static data ends at ${k.heapBase()}`);
    const have = k.memory.buffer.byteLength / WASM_PAGE;
    if (pages > have) k.memory.grow(pages - have);
    return { k, memory: k.memory };
  } catch (error) {
    throw new RangeError(
      `Cannot ${action}: ${size}, which the runtime refused: ${(error as Error).message}`,
    );
  }
}

/**
 * Allocates a buffer of T rows of d floats (and an output row), its arguments already checked
 * (adapters/gradient_buffer.ts createGradientBuffer): rows laid out one after another, each padded
 * to whole pairs of f32x4, in a WebAssembly memory sized once. A RangeError when the memory is more
 * than a 32-bit module addresses or than the runtime grants.
 */
export function allocateGradientBuffer(
  T: number,
  d: number,
  shared: boolean,
  action: string,
): GradientBuffer {
  const layout = bufferLayout(T, d, shared ? SHARED_SCRATCH_SLOTS : 1);
  const { k, memory } = allocate(layout, d, shared, action);
  const buffer = memory.buffer;
  const row = (i: number) => new Float32Array(buffer, layout.first + i * layout.pitch * 4, d);
  const rows = Array.from({ length: T }, (_, t) => row(t));
  registry.set(buffer, {
    kernels: inPlaceKernels(k, T, scratchOf(layout, 0)),
    share: shared ? { id: nextId++, memory, layout } : null,
  });
  return { rows: Object.freeze(rows), output: row(T), tasks: T, length: d, shared };
}

/**
 * The shared buffer all `rows` sit in, for threads to attach to; null when they are not all views
 * of one shared gradient buffer.
 */
export function sharedBufferOf(rows: readonly Float32Array[]): SharedBufferInfo | null {
  if (rows.length === 0) return null;
  const share = registry.get(rows[0].buffer)?.share ?? null;
  return share !== null && rows.every((r) => r.buffer === rows[0].buffer) ? share : null;
}

/**
 * On a worker: an instance of the shared-memory build on a shared buffer's memory, using scratch
 * slot `slot`, registered so that the kernels read views of `memory.buffer` in place. Returns
 * false (and registers nothing) where the slot does not exist or the runtime cannot run it.
 */
export function attachSharedBuffer(info: SharedBufferInfo, slot: number): boolean {
  if (slot >= info.layout.slots) return false;
  const core = instantiateCore(DEFAULT_FLAVORS, info.memory);
  if (core === null) return false;
  registry.set(info.memory.buffer, {
    kernels: inPlaceKernels(core.exports, info.layout.T, scratchOf(info.layout, slot)),
    share: info,
  });
  return true;
}

/**
 * The in-place kernels for rows that all sit in one gradient buffer's memory, or null (rows in JS
 * memory, or in several buffers).
 */
export function inPlaceKernelsFor(rows: readonly Float32Array[]): InPlaceKernels | null {
  return rows.length === 0 ? null : registry.get(rows[0].buffer)?.kernels ?? null;
}
