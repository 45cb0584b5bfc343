/**
 * The machine's limits for the benchmark table, measured by the floor kernels
 * (bench/assembly/floors.ts, embedded in bench/_floors_module.ts by `deno task build:wasm`):
 * - the streaming read bandwidth of a WASM SIMD loop over a given number of bytes (memory floor);
 * - the peak multiply-add rate of an in-register WASM SIMD loop (compute floor), the better of the
 *   plain and relaxed SIMD builds.
 * @module
 */

import { decodeBase64 } from "../core/_base64.ts";
import { WASM_BASE64, WASM_RELAXED_BASE64 } from "./_floors_module.ts";

/**
 * The read-bandwidth loop reads at most this many bytes per size: beyond it every cache is long
 * outgrown, so larger inputs (T = 8, d = 1e8 is 3.2 GB) are charged at this size's bandwidth.
 */
export const FLOOR_MAX_BYTES = 1 << 30;
/** Timed runs per floor measurement (the fastest counts), after WARMUP_RUNS untimed ones. */
const RUNS = 7;
const WARMUP_RUNS = 3;
/** Iterations of the in-register loop per timed run: 36 lane multiply-adds each. */
const PEAK_ITERS = 2e7;
const WASM_PAGE = 65536;

interface FloorExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  readSum(p: number, bytes: number): number;
  peakMadd(iters: number, x: number): number;
}

/** The floor module, plain or relaxed SIMD (null where the runtime cannot run that build). */
export function instantiateFloors(relaxed: boolean): FloorExports | null {
  const bytes = decodeBase64(relaxed ? WASM_RELAXED_BASE64 : WASM_BASE64);
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
    .exports as unknown as FloorExports;
}

/**
 * Fastest ms of `f` over RUNS runs after WARMUP_RUNS (the warm-up also lets V8 tier up). A limit
 * is what the machine reaches, and interference from other processes only slows runs down, so the
 * floors use the fastest run, not the median: the ratios to the floors err against the library.
 */
function bestMs(f: () => unknown): number {
  for (let r = 0; r < WARMUP_RUNS; r++) f();
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Peak lane multiply-adds per second of one in-register loop, for one build. */
export function peakMaddRate(floors: FloorExports): number {
  const ms = bestMs(() => floors.peakMadd(PEAK_ITERS, 0.5));
  return (36 * PEAK_ITERS) / (ms / 1000);
}

/** The compute limit: peak lane multiply-adds/s, plain and relaxed SIMD, and the better one. */
export function measurePeak(): { plain: number; relaxed: number | null; best: number } {
  const plain = peakMaddRate(instantiateFloors(false)!);
  const r = instantiateFloors(true);
  const relaxed = r === null ? null : peakMaddRate(r);
  return { plain, relaxed, best: Math.max(plain, relaxed ?? 0) };
}

/**
 * Streaming read bandwidth (bytes/s) of the WASM SIMD loop over the task rows themselves: the
 * rows are copied into the floor module's memory, up to FLOOR_MAX_BYTES, and read end to end.
 * The module's memory is released with the instance.
 */
export function readBandwidth(rows: readonly Float32Array[]): { bytesPerS: number; bytes: number } {
  const floors = instantiateFloors(false)!;
  const total = rows.reduce((s, r) => s + r.byteLength, 0);
  const bytes = Math.max(128, Math.min(FLOOR_MAX_BYTES, total) & ~127);
  const base = (floors.heapBase() + 127) & ~127;
  const have = floors.memory.buffer.byteLength;
  if (base + bytes > have) floors.memory.grow(Math.ceil((base + bytes - have) / WASM_PAGE));
  const mem = new Float32Array(floors.memory.buffer, base, bytes / 4);
  for (let t = 0, at = 0; t < rows.length && at < mem.length; t++) {
    const part = rows[t].subarray(0, mem.length - at);
    mem.set(part, at);
    at += part.length;
  }
  const ms = bestMs(() => floors.readSum(base, bytes));
  return { bytesPerS: bytes / (ms / 1000), bytes };
}
