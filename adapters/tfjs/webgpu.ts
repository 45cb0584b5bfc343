/**
 * webgpu backend: Gram and combine on the device with the WGSL kernels of webgpu_programs.ts;
 * only the T×T Gramian (its upper tile triangle) is read back and the T weights uploaded.
 *
 * Above `maxStorageBufferBindingSize` every kernel silently returns stale data (DESIGN.md), so no
 * kernel ever binds more: a variable's stacked gradients X [T, size] are built in column windows
 * of at most limit / (4T) columns, each within the limit; G is additive over windows and the
 * combined windows are concatenated back. A single gradient larger than the limit cannot be bound
 * by any kernel at all (tf.js's own ops on it are wrong too): such a variable goes through the host
 * passes (reading a buffer is a copy, not a binding) and its update is uploaded.
 * @module
 */

import {
  add,
  concat,
  keep,
  reshape,
  sum,
  type Tensor,
  tensor1d,
  tidy,
  zeros,
} from "@tensorflow/tfjs-core";
import { hostPasses } from "./host.ts";
import type { Block, Plan } from "./inputs.ts";
import { stackRows } from "./ops.ts";
import type { Passes } from "./passes.ts";
import { combineRows, gramTiles, unpackGram, type WebGpuBackendLike } from "./webgpu_programs.ts";

/** Columns per window for T task rows under a binding limit of `limitBytes`. */
export function windowColumns(T: number, limitBytes: number): number {
  return Math.max(1, Math.floor(limitBytes / 4 / T));
}

/**
 * The webgpu passes. `limitBytes` defaults to the device's `maxStorageBufferBindingSize`; tests
 * lower it to exercise the windows and the host route on small tensors.
 */
export function webgpuPasses(
  backend: WebGpuBackendLike,
  limitBytes = backend.device.limits.maxStorageBufferBindingSize,
): Passes {
  const tooLarge = (block: Block) => block.size * 4 > limitBytes;
  const host = hostPasses(tooLarge);
  const kept: Tensor[] = [];
  const windows = new Map<Block, Tensor[]>();
  let empty: Block[] = [];
  return {
    name: "tfjs-webgpu-wgsl",
    *gram(plan: Plan) {
      const G = yield* host.gram(plan);
      // An empty variable adds nothing to G; binding an empty buffer would fail the dispatch.
      empty = plan.shared.filter((b) => b.size === 0);
      const onDevice = plan.shared.filter((b) => !tooLarge(b) && b.size > 0);
      if (onDevice.length === 0) return G;
      const width = windowColumns(plan.T, limitBytes);
      const tiles = tidy(() => {
        let acc: Tensor | null = null;
        for (const block of onDevice) {
          const xs: Tensor[] = [];
          for (let from = 0; from < block.size; from += width) {
            const x = keep(stackRows(block, plan.T, from, Math.min(width, block.size - from)));
            xs.push(x);
            kept.push(x);
            const partial = sum(gramTiles(x), 0);
            acc = acc === null ? partial : add(acc, partial);
          }
          windows.set(block, xs);
        }
        return acc!;
      });
      kept.push(tiles);
      const device = unpackGram(yield tiles, plan.T);
      for (let k = 0; k < G.length; k++) G[k] += device[k];
      return G;
    },
    combine(plan: Plan, weights: Float64Array) {
      const out = host.combine(plan, weights);
      for (const block of empty) out.set(block, zeros(block.shape));
      const w = tensor1d(Float32Array.from(weights));
      for (const [block, xs] of windows) {
        out.set(
          block,
          tidy(() => {
            const parts = xs.map((x) => combineRows(x, w));
            return reshape(parts.length === 1 ? parts[0] : concat(parts), block.shape);
          }),
        );
      }
      w.dispose();
      return out;
    },
    dispose() {
      host.dispose();
      for (const x of kept) x.dispose();
      kept.length = 0;
      windows.clear();
    },
  };
}
