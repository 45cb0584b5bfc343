/**
 * Boundary checks of tf.js task gradients and the shared / task-specific split (Yu et al. 2020,
 * Appendix C): a variable whose gradient appears in two or more tasks' maps is shared and takes part in
 * the surgery; one that appears in a single task's map is that task's own and passes through.
 * TypeError for a wrong type, shape or dtype; RangeError for a wrong count (docs/architecture.md
 * "Errors and limits").
 * @module
 */

import type { NamedTensorMap, Tensor } from "@tensorflow/tfjs";
import { checkTaskCount, describe } from "../../validate/grads.ts";

/** One variable's gradients: the tasks that have one, and their tensors in the same order. */
export interface Block {
  /** Variable name ("" for the tensor-per-task form). */
  name: string;
  shape: number[];
  size: number;
  /** Indices of the tasks with a gradient for this variable, ascending. */
  tasks: number[];
  /** tensors[k] is task tasks[k]'s gradient. */
  tensors: Tensor[];
}

/** Validated input: its form, the task count and the variables split by sharing. */
export interface Plan {
  form: "tensor" | "map";
  T: number;
  /** Variables in ≥ 2 tasks (every task's tensor in the tensor form), in first-seen order. */
  shared: Block[];
  /** Variables in exactly one task's map: returned unchanged. */
  own: Block[];
}

/** Is `x` a tf.js tensor? Structural, so tensors of another copy of tfjs-core pass too. */
export function isTensor(x: unknown): x is Tensor {
  if (x === null || typeof x !== "object") return false;
  const t = x as Record<string, unknown>;
  return "dataId" in t && Array.isArray(t.shape) && typeof t.dtype === "string" &&
    typeof t.size === "number";
}

const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

function checkTensor(x: Tensor, label: string, action: string): void {
  if (x.isDisposed) throw new TypeError(`Cannot ${action}: ${label} is disposed`);
  if (x.dtype !== "float32") {
    throw new TypeError(`Cannot ${action}: ${label} must have dtype float32, found ${x.dtype}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, k) => n === b[k]);
}

function tensorPlan(grads: readonly unknown[], action: string): Plan {
  const first = grads[0] as Tensor;
  const tensors = grads.map((g, t) => {
    if (!isTensor(g)) {
      throw new TypeError(
        `Cannot ${action}: task ${t} must be a tf.Tensor like task 0, found ${describe(g)}`,
      );
    }
    checkTensor(g, `task ${t}'s gradient`, action);
    if (!sameShape(g.shape, first.shape)) {
      throw new TypeError(
        `Cannot ${action}: task ${t} has shape ${shapeText(g.shape)}, expected ${
          shapeText(first.shape)
        }`,
      );
    }
    return g;
  });
  const block: Block = {
    name: "",
    shape: [...first.shape],
    size: first.size,
    tasks: tensors.map((_, t) => t),
    tensors,
  };
  return { form: "tensor", T: grads.length, shared: [block], own: [] };
}

function mapPlan(grads: readonly unknown[], action: string): Plan {
  const blocks = new Map<string, Block>();
  grads.forEach((g, t) => {
    if (g === null || typeof g !== "object" || Array.isArray(g) || isTensor(g)) {
      throw new TypeError(
        `Cannot ${action}: task ${t} must be a NamedTensorMap like task 0, found ${describe(g)}`,
      );
    }
    for (const [name, x] of Object.entries(g as NamedTensorMap)) {
      // tf.variableGrads reports non-trainable variables of an explicit varList as null.
      if (x === null || x === undefined) continue;
      const label = `task ${t}'s gradient for "${name}"`;
      if (!isTensor(x)) {
        throw new TypeError(`Cannot ${action}: ${label} must be a tf.Tensor, found ${describe(x)}`);
      }
      checkTensor(x, label, action);
      const block = blocks.get(name);
      if (block === undefined) {
        blocks.set(name, { name, shape: [...x.shape], size: x.size, tasks: [t], tensors: [x] });
      } else if (!sameShape(x.shape, block.shape)) {
        throw new TypeError(
          `Cannot ${action}: ${label} has shape ${shapeText(x.shape)}, but task ${
            block.tasks[0]
          }'s has shape ${shapeText(block.shape)}`,
        );
      } else {
        block.tasks.push(t);
        block.tensors.push(x);
      }
    }
  });
  const all = [...blocks.values()];
  return {
    form: "map",
    T: grads.length,
    shared: all.filter((b) => b.tasks.length >= 2),
    own: all.filter((b) => b.tasks.length === 1),
  };
}

/**
 * Checks `grads`: an array of one tf.Tensor per task (all one shape) or one NamedTensorMap per task
 * (a variable's gradients all one shape), every tensor float32 and not disposed.
 */
export function planInput(grads: unknown, action: string): Plan {
  if (!Array.isArray(grads)) {
    throw new TypeError(
      `Cannot ${action}: grads must be an array (one tf.Tensor or NamedTensorMap per task), found ${
        describe(grads)
      }`,
    );
  }
  if (grads.length === 0) {
    throw new RangeError(`Cannot ${action}: grads must hold at least one task, found 0 tasks`);
  }
  checkTaskCount(grads.length, "grads", action);
  return isTensor(grads[0]) ? tensorPlan(grads, action) : mapPlan(grads, action);
}
