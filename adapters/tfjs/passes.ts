/**
 * How one tf.js backend runs the two dense passes of a step (docs/architecture.md): a Gram
 * pass that accumulates G = Σ_b J_b J_bᵀ over the shared variables without concatenating them, and
 * a combine pass Σ_t w_t g_t per variable. A pass never reads tensor values itself: it yields the
 * tensors whose values it needs and gets them back, so one implementation serves the synchronous
 * and the asynchronous entry points (adapters/tfjs/drive.ts).
 * @module
 */

import type { Tensor } from "@tensorflow/tfjs";
import type { ElementwiseMethodDefinition } from "../../methods/types.ts";
import type { Block, Plan } from "./inputs.ts";

/** A generator that yields tensors to read and receives their values. */
export type Reads<R> = Generator<Tensor, R, Float32Array>;

/** One step of an elementwise method: its definition (and so its kernel) and the step's parameters. */
export interface ElementwiseStep {
  readonly definition: ElementwiseMethodDefinition;
  readonly params: unknown;
}

/** One backend's Gram and combine passes over a plan's shared variables. */
export interface Passes {
  /** What ran the passes, reported as `stats.kernel`. */
  readonly name: string;
  /** G (T×T, float64, row-major); tasks without a gradient for a variable count as zero there. */
  gram(plan: Plan): Reads<Float64Array>;
  /** New tensors Σ_{t has it} weights[t] · g_t, one per shared variable the passes ran on. */
  combine(plan: Plan, weights: Float64Array): Map<Block, Tensor>;
  /**
   * An elementwise method (GradDrop, the trimmed mean; not Gram-expressible) instead of the
   * combine pass: one new tensor per shared variable. Coordinates are numbered over the shared
   * variables in plan order, as if concatenated, so the update equals the plain API's on that
   * vector; a task without a variable counts as zeros there. `mean` divides by T, as the engine's
   * reduction does.
   */
  elementwise(plan: Plan, step: ElementwiseStep, mean: boolean): Reads<Map<Block, Tensor>>;
  /** Frees whatever the passes kept between Gram and combine. */
  dispose(): void;
}

/** Adds a block's partial Gramian over its tasks (S×S) into the T×T G. */
export function scatterGram(G: Float64Array, T: number, block: Block, partial: Float64Array) {
  const S = block.tasks.length;
  for (let i = 0; i < S; i++) {
    for (let j = 0; j < S; j++) G[block.tasks[i] * T + block.tasks[j]] += partial[i * S + j];
  }
}

/** Index of each shared variable's first coordinate in the concatenated shared vector. */
export function sharedOffsets(plan: Plan): Map<Block, number> {
  const offsets = new Map<Block, number>();
  let at = 0;
  for (const block of plan.shared) {
    offsets.set(block, at);
    at += block.size;
  }
  return offsets;
}
