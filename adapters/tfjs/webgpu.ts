/**
 * webgpu backend: Gram and combine on the device with the WGSL kernels of webgpu_programs.ts;
 * only the T×T Gramian (its upper tile triangle) is read back and the T weights uploaded.
 *
 * Above `maxStorageBufferBindingSize` every kernel silently returns stale data, so no
 * kernel ever binds more: a variable's stacked gradients X [T, size] are built in column windows
 * of at most limit / (4T) columns, each within the limit; G is additive over windows and the
 * combined windows are concatenated back. A single gradient larger than the limit cannot be bound
 * by any kernel at all (tf.js's own ops on it are wrong too): such a variable goes through the host
 * passes (reading a buffer is a copy, not a binding) and its update is uploaded.
 * @module
 */

import { add, concat, keep, reshape, sum, type Tensor, tensor1d, tidy } from "@tensorflow/tfjs";
import { hostPasses, readAndRunOnHost } from "./host.ts";
import type { Block, Plan } from "./inputs.ts";
import { stackRows } from "./ops.ts";
import { type ElementwiseStep, type Passes, sharedOffsets } from "./passes.ts";
import {
  combineRows,
  graddropRows,
  gramTiles,
  unpackGram,
  type WebGpuBackendLike,
} from "./webgpu_programs.ts";
import type { GradDropParams } from "../../core/graddrop_reference.ts";

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
  /** Adds each on-device variable's output, computed window by window, to `out`. */
  const stitch = (
    out: Map<Block, Tensor>,
    perWindow: (x: Tensor, block: Block, window: number) => Tensor,
  ) => {
    for (const [block, xs] of windows) {
      out.set(
        block,
        tidy(() => {
          const parts = xs.map((x, k) => perWindow(x, block, k));
          return reshape(parts.length === 1 ? parts[0] : concat(parts), block.shape);
        }),
      );
    }
    return out;
  };
  return {
    name: "tfjs-webgpu-wgsl",
    *gram(plan: Plan) {
      const G = yield* host.gram(plan);
      const onDevice = plan.shared.filter((b) => !tooLarge(b));
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
      const w = tensor1d(Float32Array.from(weights));
      const out = stitch(host.combine(plan, weights), (x) => combineRows(x, w));
      w.dispose();
      return out;
    },
    *elementwise(plan: Plan, step: ElementwiseStep, mean: boolean) {
      // GradDrop has a WGSL kernel; the trimmed mean's sort per coordinate runs on the host (its
      // kernel), the gradients read back once.
      if (step.definition.name !== "graddrop") return yield* readAndRunOnHost(plan, step, mean);
      const params = step.params as GradDropParams;
      const offsets = sharedOffsets(plan);
      const width = windowColumns(plan.T, limitBytes);
      const leak = tensor1d(Float32Array.from(params.leak));
      const { key0, key1 } = params;
      const out = stitch(
        yield* host.elementwise(plan, step, mean),
        (x, block, k) =>
          graddropRows(x, leak, { key0, key1, offset: offsets.get(block)! + k * width, mean }),
      );
      leak.dispose();
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
