/**
 * TypeScript wrapper of the SIMD WASM core (core/assembly/, embedded in core/_wasm_module.ts).
 *
 * Gradients in JS memory: each kernel call stages them through one bounded scratch area in
 * WASM memory, a cache-sized chunk of every task row at a time, so d is not limited by WASM memory
 * and the scratch area is reused across calls: it grows only when T needs more room than any
 * earlier call, never with d. The last chunk is zero-padded to whole pairs of f32x4, so the kernels
 * have no scalar tails (a zero adds nothing to a dot product, and padded outputs are not copied).
 * @module
 */

import { decodeBase64 } from "./_base64.ts";
import {
  WASM_BASE64,
  WASM_RELAXED_BASE64,
  WASM_SHARED_BASE64,
  WASM_SHARED_RELAXED_BASE64,
} from "./_wasm_module.ts";
import type { Kernels } from "./kernel_types.ts";

/**
 * Floats of all T rows staged per chunk: 256 Ki floats = 1 MiB at most (T ≥ 16; 512 KiB at T = 8,
 * where MAX_CHUNK_FLOATS caps the rows), about an L2 cache, so the Gram kernel's repeated row reads
 * of a chunk hit cache. Chosen with bench/stage_sweep.ts: at T = 32 it beat 64 Ki floats by 1.14×
 * on the Gram and 1.45× on the combine.
 */
export const STAGE_FLOATS = 256 * 1024;
/**
 * Longest row chunk, in floats: long chunks mean fewer copy calls (each costs a subarray view and a
 * call, about 0.2 µs). The Gram kernel adds each 4096-float column block to G in float64 whatever
 * the chunk length (core/assembly/gram.ts LANE_BLOCK_FLOATS), so each f32x4 lane sums at most 1 Ki
 * products.
 */
export const MAX_CHUNK_FLOATS = 16384;
/** Bytes per WebAssembly memory page. */
export const WASM_PAGE = 65536;
/**
 * Staged rows are whole multiples of this many floats (two f32x4), zero-padded: the Gram kernel's
 * loops unrolled over two vectors then need no tail.
 */
export const PAD_FLOATS = 8;
/** n floats rounded up to whole PAD_FLOATS: the length a row or chunk takes, padding included. */
export const padded = (n: number) => Math.ceil(n / PAD_FLOATS) * PAD_FLOATS;

/** Which build of the module to load. */
export type WasmFlavor = "relaxed-simd" | "simd";

/** The core module's exports (core/assembly/index.ts); pointers are byte offsets in `memory`. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gram(
    rows: number,
    T: number,
    n: number,
    stride: number,
    G: number,
    acc: number,
    block: number,
  ): void;
  combine(rows: number, T: number, n: number, stride: number, w: number, out: number): number;
  /** GradDrop's elementwise kernel (core/assembly/graddrop.ts), in the same module. */
  graddrop(
    rows: number,
    T: number,
    n: number,
    leak: number,
    key0: number,
    key1: number,
    offset: number,
    out: number,
  ): void;
  /** The trimmed mean's elementwise kernel (core/assembly/trimmed_mean.ts), in the same module. */
  trimmedMean(rows: number, T: number, n: number, trim: number, scratch: number, out: number): void;
  /** Bytes of scratch memory trimmedMean needs for T rows. */
  trimmedMeanScratchBytes(T: number): number;
}

/**
 * Row chunk length for T tasks: a multiple of PAD_FLOATS (whole f32x4 pairs), at least that, with
 * T · length ≤ stageFloats where T allows.
 */
export function chunkLength(
  T: number,
  stageFloats = STAGE_FLOATS,
  maxChunkFloats = MAX_CHUNK_FLOATS,
): number {
  const n = Math.min(maxChunkFloats, Math.floor(stageFloats / Math.max(T, 1)));
  return Math.max(PAD_FLOATS, n - (n % PAD_FLOATS));
}

/** Rounds a byte offset up to 16 bytes (one f32x4). */
export const align16 = (x: number) => (x + 15) & ~15;

/**
 * G += the kernel's upper triangle (T×T float64 at element `at` of `f64`), mirrored: the Gram
 * kernel writes only j ≥ i.
 */
export function addUpperTriangle(f64: Float64Array, at: number, T: number, G: Float64Array): void {
  for (let i = 0; i < T; i++) {
    for (let j = i; j < T; j++) {
      const s = f64[at + i * T + j];
      G[i * T + j] += s;
      if (j !== i) G[j * T + i] += s;
    }
  }
}

/**
 * Columns per L1 sub-block of the Gram kernel (core/assembly/gram.ts): 256 floats for T ≤ 8,
 * where reading the rows dominates and keeping a sub-block's T·1 KiB in L1 for all its tiles pays
 * (in place at T = 8, d = 1e7: 17.9 ms against 27.4 ms with the whole 4096-float lane block, T = 4:
 * 5.6 against 8.8); the whole lane block above, where the tiles' arithmetic dominates (T = 16:
 * 43 ms against 48 ms with 256; T = 32: 57 against 57–64).
 */
export function gramBlockFloats(T: number): number {
  return T <= 8 ? 256 : 4096;
}

/** Bytes of the Gram kernel's f32x4 accumulator table for T tasks. */
export const accBytes = (T: number) => T * T * 16;

/**
 * The kernels' scratch from byte `base`: G (T² f64) | acc (T² f32x4, the Gram's partial sums) |
 * w (T f32) | out (n f32, one output chunk); `end` is the first byte after it. Shared by the staged
 * wrapper here and the gradient buffers' scratch slots (core/gradient_buffer.ts).
 */
export function kernelScratch(base: number, T: number, n: number) {
  const G = align16(base);
  const acc = align16(G + T * T * 8);
  const w = align16(acc + accBytes(T));
  const out = align16(w + T * 4);
  return { G, acc, w, out, end: out + n * 4 };
}

/**
 * Grows `memory` to hold `end` bytes; returns whether it grew, which detaches every view of the
 * old buffer (callers then take new views).
 */
export function reserveMemory(memory: WebAssembly.Memory, end: number): boolean {
  const have = memory.buffer.byteLength;
  if (end <= have) return false;
  memory.grow(Math.ceil((end - have) / WASM_PAGE));
  return true;
}

/** Staged scratch layout: the kernels' scratch (n-float output chunk) | stage (T·n f32). */
function layout(base: number, T: number, n: number) {
  const scratch = kernelScratch(base, T, n);
  const stage = align16(scratch.end);
  return { ...scratch, stage, end: stage + T * n * 4 };
}

const compiled = new Map<string, WebAssembly.Module | null>();

/**
 * Hands the library the core compiled elsewhere, for runtimes that refuse to compile WebAssembly
 * from bytes (Cloudflare Workers, Vercel Edge) but accept a module imported as a `.wasm` file: the
 * edge build (tools/bundle.ts) imports core.wasm, the plain SIMD build, and passes it here before
 * the kernels load. It stands in for compiling that flavor from the embedded bytes.
 */
export function provideCoreModule(module: WebAssembly.Module, flavor: WasmFlavor = "simd"): void {
  if (!(module instanceof WebAssembly.Module)) {
    throw new TypeError(
      `Cannot provide the core module: expected a WebAssembly.Module, found ${
        Object.prototype.toString.call(module)
      }`,
    );
  }
  compiled.set(flavor, module);
}

/** The embedded bytes compiled, or null where the runtime cannot or will not compile them. */
function compile(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    // "Wasm code generation disallowed by embedder" (Cloudflare Workers, Vercel Edge, a CSP
    // without 'wasm-unsafe-eval'): the TypeScript kernels run instead.
    return null;
  }
}

/**
 * The compiled module of that flavor (the shared-memory build when `shared`), or null where the
 * runtime cannot run it (feature detection: a module that uses (relaxed) SIMD throughout validates
 * exactly where that is supported) or refuses to compile it. Compiled once per runtime (per
 * thread).
 */
function coreModule(flavor: WasmFlavor, shared = false): WebAssembly.Module | null {
  const key = `${flavor}${shared ? " shared" : ""}`;
  if (!compiled.has(key)) {
    const relaxed = flavor === "relaxed-simd";
    const base64 = shared
      ? (relaxed ? WASM_SHARED_RELAXED_BASE64 : WASM_SHARED_BASE64)
      : (relaxed ? WASM_RELAXED_BASE64 : WASM_BASE64);
    compiled.set(key, compile(decodeBase64(base64)));
  }
  return compiled.get(key)!;
}

/** An instance of that flavor, on its own memory or on a given shared memory; null if unsupported. */
function instantiate(flavor: WasmFlavor, memory?: WebAssembly.Memory): CoreExports | null {
  if (typeof WebAssembly !== "object") return null;
  const module = coreModule(flavor, memory !== undefined);
  if (module === null) return null;
  const imports: WebAssembly.Imports = memory === undefined ? {} : { env: { memory } };
  return new WebAssembly.Instance(module, imports).exports as unknown as CoreExports;
}

/** The default order of builds to try: relaxed SIMD first, then plain SIMD. */
export const DEFAULT_FLAVORS: readonly WasmFlavor[] = ["relaxed-simd", "simd"];

/**
 * A fresh instance of the first build in `flavors` this runtime can run, or null where none can.
 * Each instance has its own memory, unless `memory` (a shared WebAssembly.Memory) is given: then
 * the shared-memory build runs on it.
 */
export function instantiateCore(
  flavors: readonly WasmFlavor[] = DEFAULT_FLAVORS,
  memory?: WebAssembly.Memory,
): { exports: CoreExports; flavor: WasmFlavor } | null {
  for (const flavor of flavors) {
    const exports = instantiate(flavor, memory);
    if (exports !== null) return { exports, flavor };
  }
  return null;
}

/** The WASM backend, with its build and memory size exposed for tests and benchmarks. */
export interface WasmKernels extends Kernels {
  /** Which build runs: relaxed SIMD (fused multiply-adds) or the plain SIMD fallback. */
  readonly flavor: WasmFlavor;
  /** Current size of the module's memory in bytes (static data + scratch area). */
  memoryBytes(): number;
}

/** Choices of {@linkcode createWasmKernels}; the defaults are what the library uses. */
export interface WasmKernelOptions {
  /** Builds to try, in order; default relaxed SIMD first, then plain SIMD. */
  flavors?: readonly WasmFlavor[];
  /** Floats staged per chunk (all rows); default STAGE_FLOATS. For bench/stage_sweep.ts. */
  stageFloats?: number;
  /** Longest row chunk; default MAX_CHUNK_FLOATS. For bench/stage_sweep.ts. */
  maxChunkFloats?: number;
}

/**
 * Builds the WASM backend: by default the relaxed SIMD build where the runtime has relaxed SIMD,
 * else the plain SIMD build; null where WebAssembly SIMD is unavailable (or the asked-for flavor).
 */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels | null {
  const {
    flavors = DEFAULT_FLAVORS,
    stageFloats = STAGE_FLOATS,
    maxChunkFloats = MAX_CHUNK_FLOATS,
  } = options;
  const core = instantiateCore(flavors);
  if (core === null) return null;
  const { exports: k, flavor } = core;
  const base = k.heapBase();
  let f32 = new Float32Array(k.memory.buffer);
  let f64 = new Float64Array(k.memory.buffer);

  function reserve(T: number, n: number) {
    const l = layout(base, T, n);
    if (reserveMemory(k.memory, l.end)) {
      f32 = new Float32Array(k.memory.buffer);
      f64 = new Float64Array(k.memory.buffer);
    }
    return l;
  }

  /**
   * Copies columns [from, from + m) of every row into the stage, rows `stride` floats apart
   * (m rounded up to whole f32x4 lanes), zero-filling each row's padding.
   */
  function stage(
    rows: readonly Float32Array[],
    from: number,
    m: number,
    stride: number,
    at: number,
  ): void {
    let p = at >> 2;
    for (let t = 0; t < rows.length; t++, p += stride) {
      f32.set(rows[t].subarray(from, from + m), p);
      if (stride > m) f32.fill(0, p + m, p + stride);
    }
  }

  return {
    name: "wasm-simd",
    flavor,
    memoryBytes: () => k.memory.buffer.byteLength,
    gram(rows, G) {
      const T = rows.length;
      const d = T === 0 ? 0 : rows[0].length;
      const n = chunkLength(T, stageFloats, maxChunkFloats);
      const l = reserve(T, n);
      const g0 = l.G >> 3;
      f64.fill(0, g0, g0 + T * T);
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        const stride = padded(m);
        stage(rows, from, m, stride, l.stage);
        k.gram(l.stage, T, stride, stride, l.G, l.acc, gramBlockFloats(T));
      }
      addUpperTriangle(f64, g0, T, G);
    },
    combine(rows, w, out) {
      const T = rows.length;
      const d = out.length;
      const n = chunkLength(T, stageFloats, maxChunkFloats);
      const l = reserve(T, n);
      for (let t = 0; t < T; t++) f32[(l.w >> 2) + t] = w[t];
      const o = l.out >> 2;
      let finite = true;
      for (let from = 0; from < d; from += n) {
        const m = Math.min(n, d - from);
        const stride = padded(m);
        stage(rows, from, m, stride, l.stage);
        if (k.combine(l.stage, T, stride, stride, l.w, l.out) !== 0) finite = false;
        out.set(f32.subarray(o, o + m), from);
      }
      return finite;
    },
  };
}
