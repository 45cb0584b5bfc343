/**
 * The dense kernels (Gram, combine, and GradDrop's elementwise one) as WGSL programs for tf.js's webgpu backend (only gram and
 * combine touch d-sized data). They implement the backend's `WebGPUProgram` shape, are
 * registered with `registerKernel` for "webgpu" and run through `engine().runKernel`, so tidy and
 * dispose work as for any op. No Node or Deno API here: the same file serves browsers.
 *
 * Written for every adapter, including the software ones (docs/architecture.md "Runtime facts"): no
 * `matMul(X, X, false, true)` (wrong for T = 12, 16, 32 on llvmpipe); every shader loop runs far
 * fewer than 65,535 iterations per invocation (lavapipe stops longer loops silently); inputs never
 * exceed `maxStorageBufferBindingSize` (the caller windows them, adapters/tfjs/webgpu.ts).
 * @module
 */

import {
  engine,
  getKernel,
  type NamedAttrMap,
  registerKernel,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs";

/** A program-defined uniform value, as the webgpu backend takes them. */
type Uniform = { type: "int32" | "uint32"; data: number[] };

/** What the kernels need of tf.js's WebGPUBackend (structural: the package is not imported). */
export interface WebGpuBackendLike {
  device: { limits: { maxStorageBufferBindingSize: number } };
  runWebGPUProgram(
    program: unknown,
    inputs: TensorInfo[],
    outputDtype: "float32",
    uniforms?: Uniform[],
  ): TensorInfo;
}

/**
 * Columns per invocation of the Gram kernel: each invocation runs COLUMNS × TILE² multiply-adds
 * (16,384 at most), far below the 65,535-iteration cut, and a 1e5-column block still spreads over
 * ~400 invocations.
 */
export const COLUMNS = 256;
/** Largest tile of task rows one invocation pairs: TILE × TILE accumulators in registers. */
export const MAX_TILE = 8;
/** Invocations per workgroup (1-D). */
const WORKGROUP = 64;

/** Tile side and tile count for T task rows. */
export function tiling(T: number): { tile: number; tiles: number; pairs: number } {
  const tile = Math.min(T, MAX_TILE);
  const tiles = Math.ceil(T / tile);
  return { tile, tiles, pairs: (tiles * (tiles + 1)) / 2 };
}

/**
 * Split-K Gram: X is [T, n] (one task row each). Invocation (c, q) takes column chunk c
 * (COLUMNS columns) and tile pair q = (a, b), a ≤ b, and writes the TILE × TILE block
 * Σ_k X[a·TILE + i, k] · X[b·TILE + j, k] to row c of the output [chunks, pairs · TILE²]; tf.sum
 * over the chunks then gives the Gramian's upper tile triangle ({@linkcode unpackGram}).
 */
function gramProgram(T: number, n: number) {
  const { tile, tiles, pairs } = tiling(T);
  const chunks = Math.max(1, Math.ceil(n / COLUMNS));
  const invocations = chunks * pairs;
  return {
    program: {
      variableNames: ["X"],
      outputShape: [chunks, pairs * tile * tile],
      dispatchLayout: { x: [0, 1] },
      dispatch: [Math.ceil(invocations / WORKGROUP), 1, 1] as [number, number, number],
      workgroupSize: [WORKGROUP, 1, 1] as [number, number, number],
      uniforms: "invocations : i32,",
      // Everything baked into the shader text: T, the tiling and the chunk width.
      shaderKey: `gradient_surgery_gram_${T}_${tile}_${COLUMNS}`,
      getUserCode: () => `
        fn main(index : i32) {
          if (index >= uniforms.invocations) { return; }
          let n = uniforms.xShape.y;
          let c = index / ${pairs};
          var q = index % ${pairs};
          var a = 0;
          for (var t = 0; t < ${tiles}; t++) {
            if (q < ${tiles} - t) { a = t; break; }
            q = q - (${tiles} - t);
          }
          let b = a + q;
          var acc : array<f32, ${tile * tile}>;
          for (var k = 0; k < ${tile * tile}; k++) { acc[k] = 0.0; }
          let k0 = c * ${COLUMNS};
          let k1 = min(k0 + ${COLUMNS}, n);
          for (var k = k0; k < k1; k++) {
            var xa : array<f32, ${tile}>;
            var xb : array<f32, ${tile}>;
            for (var i = 0; i < ${tile}; i++) {
              let ra = a * ${tile} + i;
              let rb = b * ${tile} + i;
              // Rows past T (a last, partial tile) read as zero; no out-of-range access.
              if (ra < ${T}) { xa[i] = X[ra * n + k]; } else { xa[i] = 0.0; }
              if (rb < ${T}) { xb[i] = X[rb * n + k]; } else { xb[i] = 0.0; }
            }
            for (var i = 0; i < ${tile}; i++) {
              for (var j = 0; j < ${tile}; j++) {
                acc[i * ${tile} + j] = acc[i * ${tile} + j] + xa[i] * xb[j];
              }
            }
          }
          let base = c * ${pairs * tile * tile} + (index % ${pairs}) * ${tile * tile};
          for (var k = 0; k < ${tile * tile}; k++) { result[base + k] = acc[k]; }
        }`,
    },
    uniforms: [{ type: "int32" as const, data: [invocations] }],
  };
}

/**
 * A program with one invocation per column of X [T, n], a second input `other` and an [n] output;
 * `code` is its WGSL: `main(index)` for column `index` (n is `uniforms.size`) and any helpers.
 */
function perColumn(n: number, other: string, shaderKey: string, code: string, uniforms?: string) {
  return {
    program: {
      variableNames: ["X", other],
      outputShape: [n],
      dispatchLayout: { x: [0] },
      dispatch: [Math.ceil(n / WORKGROUP), 1, 1] as [number, number, number],
      workgroupSize: [WORKGROUP, 1, 1] as [number, number, number],
      size: true,
      ...(uniforms === undefined ? {} : { uniforms }),
      shaderKey,
      getUserCode: () => code,
    },
  };
}

/** Combine: out[k] = Σ_t W[t] · X[t, k] for X [T, n], W [T] → [n]. */
function combineProgram(T: number, n: number) {
  return perColumn(
    n,
    "W",
    `gradient_surgery_combine_${T}`,
    `
        fn main(index : i32) {
          if (index >= uniforms.size) { return; }
          var s = 0.0;
          for (var t = 0; t < ${T}; t++) { s = s + W[t] * X[t * uniforms.size + index]; }
          result[index] = s;
        }`,
  );
}

/**
 * GradDrop (Chen et al. 2020) on X [T, n] with leak L [T] → [n]: the operations of
 * core/graddrop_reference.ts in the same order (sign purity from Σ g and Σ |g|, the lowbias32
 * hash of the global coordinate under the step's two keys, keep-or-leak per task), in f32 and
 * u32 arithmetic, so it matches the WASM kernel up to the adapter's float rounding.
 */
function graddropProgram(T: number, n: number, mean: boolean) {
  return perColumn(
    n,
    "L",
    `gradient_surgery_graddrop_${T}_${mean}`,
    `
        fn mix32(v : u32) -> u32 {
          var x = (v ^ (v >> 16u)) * 0x7feb352du;
          x = (x ^ (x >> 15u)) * 0x846ca68bu;
          return x ^ (x >> 16u);
        }
        fn main(index : i32) {
          if (index >= uniforms.size) { return; }
          let n = uniforms.size;
          var s = 0.0;
          var a = 0.0;
          for (var t = 0; t < ${T}; t++) {
            let g = X[t * n + index];
            s = s + g;
            a = a + abs(g);
          }
          let u24 = mix32(mix32((uniforms.offset + u32(index)) ^ uniforms.key0) ^ uniforms.key1) >> 8u;
          let threshold = (f32(i32(2u * u24) - 16777216) * 5.9604644775390625e-8) * a;
          var acc = 0.0;
          for (var t = 0; t < ${T}; t++) {
            let g = X[t * n + index];
            let keep = (g > 0.0 && s > threshold) || (g < 0.0 && s < threshold);
            acc = acc + select(L[t] * g, g, keep);
          }
          ${mean ? `result[index] = acc / ${T}.0;` : "result[index] = acc;"}
        }`,
    "key0 : u32, key1 : u32, offset : u32,",
  );
}

const GRAM = "GradientSurgeryGram";
const COMBINE = "GradientSurgeryCombine";
const GRADDROP = "GradientSurgeryGradDrop";

/** A program and its own uniforms, built for the shape of its first input. */
type Build = (
  x: TensorInfo,
  attrs: NamedAttrMap,
) => { program: { variableNames: string[] }; uniforms?: Uniform[] };

/**
 * Runs a program as the kernel `name`, registered for "webgpu" on first use, so the engine tracks
 * its output like any op's (tidy, dispose, memory()).
 */
function runProgram(
  name: string,
  inputs: Record<string, Tensor>,
  build: Build,
  attrs: NamedAttrMap = {},
): Tensor {
  if (getKernel(name, "webgpu") === undefined) {
    registerKernel({
      kernelName: name,
      backendName: "webgpu",
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { program, uniforms } = build(inputs.X as TensorInfo, attrs ?? {});
        const infos = program.variableNames.map((v) => inputs[v] as TensorInfo);
        return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(
          program,
          infos,
          "float32",
          uniforms,
        );
      },
    });
  }
  return engine().runKernel(name, inputs, attrs) as Tensor;
}

/** Attributes of one GradDrop call on a window of the concatenated shared vector. */
export interface GradDropAttrs {
  key0: number;
  key1: number;
  /** Global index of the window's first coordinate. */
  offset: number;
  mean: boolean;
}

/** GradDrop of X [T, n] with leak [T] (webgpu backend): [n]. */
export function graddropRows(x: Tensor, leak: Tensor, attrs: GradDropAttrs): Tensor {
  return runProgram(GRADDROP, { X: x, L: leak }, (info, a) => {
    const { key0, key1, offset, mean } = a as unknown as GradDropAttrs;
    return {
      ...graddropProgram(info.shape[0], info.shape[1], mean),
      uniforms: [
        { type: "uint32", data: [key0] },
        { type: "uint32", data: [key1] },
        { type: "uint32", data: [offset >>> 0] },
      ],
    };
  }, attrs as unknown as NamedAttrMap);
}

/** Per-chunk partial Gram tiles of X [T, n] (webgpu backend): [chunks, pairs · tile²]. */
export function gramTiles(x: Tensor): Tensor {
  return runProgram(GRAM, { X: x }, (info) => gramProgram(info.shape[0], info.shape[1]));
}

/** Σ_t w[t] · X[t, :] of X [T, n] and w [T] (webgpu backend): [n]. */
export function combineRows(x: Tensor, w: Tensor): Tensor {
  return runProgram(
    COMBINE,
    { X: x, W: w },
    (info) => combineProgram(info.shape[0], info.shape[1]),
  );
}

/** The T×T Gramian (float64, symmetric) from the summed tiles [pairs · tile²]. */
export function unpackGram(values: ArrayLike<number>, T: number): Float64Array {
  const { tile, tiles } = tiling(T);
  const G = new Float64Array(T * T);
  let q = 0;
  for (let a = 0; a < tiles; a++) {
    for (let b = a; b < tiles; b++, q++) {
      for (let i = 0; i < tile; i++) {
        for (let j = 0; j < tile; j++) {
          const r = a * tile + i;
          const s = b * tile + j;
          if (r >= T || s >= T || (a === b && s < r)) continue;
          const v = values[q * tile * tile + i * tile + j];
          G[r * T + s] = v;
          G[s * T + r] = v;
        }
      }
    }
  }
  return G;
}
