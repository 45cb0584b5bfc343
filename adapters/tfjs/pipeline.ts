/**
 * One tf.js surgery step (docs/architecture.md): check the input and split shared from
 * task-specific variables → Gram pass on the active backend → the engine's weights step (every
 * method and option of the plain API) → combine pass → one NamedTensorMap (or tensor) out.
 * @module
 */

import {
  backend as activeBackend,
  clone,
  getBackend,
  mul,
  type NamedTensorMap,
  stack,
  sum,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "@tensorflow/tfjs";
import { kernels } from "../../core/kernels.ts";
import { gramReference } from "../../core/reference.ts";
import type { StepState } from "../../state/step_state.ts";
import { buildStats, type SurgeryStats } from "../../stats/diagnostics.ts";
import { checkPerTaskOptions, ownOptions } from "../../methods/options.ts";
import { registry } from "../../methods/registry.ts";
import {
  checkBatches,
  methodWeights,
  reduce,
  type VariantBlock,
  variantPass,
} from "../../surgery.ts";
import { float64Decision, type ScanHit, type TaskScan } from "../../validate/finite.ts";
import { overflowError, updateCannotOverflow } from "../../validate/update.ts";
import type { ResolvedOptions } from "../../methods/options.ts";
import { hostPasses, readRows } from "./host.ts";
import { type Block, isTensor, type Plan, planInput } from "./inputs.ts";
import { opsPasses } from "./ops.ts";
import { type Passes, type Reads, scatterGram } from "./passes.ts";
import { vectorsOnHost } from "./vectors.ts";
import { webgpuPasses } from "./webgpu.ts";
import type { WebGpuBackendLike } from "./webgpu_programs.ts";

/** A step's update (same form as the input) and its diagnostics. */
export interface StepResult {
  update: Tensor | NamedTensorMap;
  stats: SurgeryStats;
}

/** The passes for the active backend: WASM core on cpu/wasm, WGSL on webgpu, tf.js ops elsewhere. */
export function passesForBackend(): Passes {
  const name = getBackend();
  if (name === "cpu" || name === "wasm") return hostPasses();
  if (name === "webgpu") return webgpuPasses(activeBackend() as unknown as WebGpuBackendLike);
  return opsPasses();
}

/**
 * The float64 fallback of the plain engine (validate/finite.ts float64Decision) on the device's G:
 * a task's gradients are read only when its G[t][t] asks (non-finite: to name the variable and
 * index in a RangeError; tiny: to see whether the task is all zero). When float32 products
 * overflowed or underflowed, G is recomputed on the host in float64, block by block.
 */
function* checkGram(plan: Plan, G: Float64Array, action: string): Reads<Float64Array> {
  const T = plan.T;
  const d = plan.shared.reduce((n, b) => n + b.size, 0);
  const decision = float64Decision(G, T, d, action);
  let step = decision.next();
  while (!step.done) step = decision.next(yield* scanTask(plan, step.value));
  if (!step.value) return G;
  const exact = new Float64Array(T * T);
  for (const block of plan.shared) {
    const rows = yield* readRows(block);
    const partial = new Float64Array(rows.length * rows.length);
    gramReference(rows, partial);
    scatterGram(exact, T, block, partial);
  }
  return exact;
}

/** The first of task `scan.task`'s shared values that passes the test, over its variables in order. */
function* scanTask(plan: Plan, scan: TaskScan): Reads<ScanHit | null> {
  for (const block of plan.shared) {
    const k = block.tasks.indexOf(scan.task);
    if (k < 0) continue;
    const values = yield block.tensors[k];
    const index = values.findIndex(scan.test);
    if (index >= 0) {
      const where = plan.form === "tensor"
        ? `task ${scan.task}`
        : `task ${scan.task}'s gradient for "${block.name}"`;
      return { where, index, value: values[index] };
    }
  }
  return null;
}

/**
 * The overflow policy (validate/update.ts) on the device's combination: read only when the Gramian
 * cannot rule an overflow out; the combined tensors are disposed before the error leaves.
 */
function* checkCombined(plan: Plan, combined: Map<Block, Tensor>, action: string): Reads<void> {
  for (const [block, x] of combined) {
    const values = yield x;
    const at = values.findIndex((v) => !Number.isFinite(v));
    if (at < 0) continue;
    for (const t of combined.values()) t.dispose();
    throw overflowError(action, locate(plan, block)(at), values[at]);
  }
}

/** How errors name index k of a shared variable: by its name in the map form. */
function locate(plan: Plan, block: Block): (k: number) => string {
  return plan.form === "tensor" ? (k) => `index ${k}` : (k) => `index ${k} of "${block.name}"`;
}

/**
 * The direction/magnitude variants read the shared gradients on the host once: their norms must come
 * from the vectors in float64 (methods/variants.ts), which device float32 reductions cannot give.
 */
function* variantOnHost(
  plan: Plan,
  w: Float64Array,
  options: ResolvedOptions,
  stats: SurgeryStats,
  action: string,
): Reads<Map<Block, Tensor>> {
  const blocks: (VariantBlock & { block: Block })[] = [];
  for (const block of plan.shared) {
    const rows = yield* readRows(block);
    blocks.push({
      block,
      rows,
      tasks: block.tasks,
      out: new Float32Array(block.size),
      where: locate(plan, block),
    });
  }
  variantPass(blocks, w, options, stats, action);
  return new Map(blocks.map((b) => [b.block, tensor(b.out, b.block.shape, "float32")]));
}

/**
 * Non-finite values in task-specific gradients (heads): they pass through unchanged, so nothing
 * else would notice a NaN written into a head, while the same value in a shared variable is a
 * RangeError. On cpu and wasm each head is read (free on cpu, a copy on wasm) and its squared norm
 * taken by the WASM core; elsewhere Σ x·0 per head runs on the device (NaN exactly when the head
 * holds a NaN or ±Infinity, never overflowing) and one value per head is read back. Only a flagged
 * head is scanned, to name the index. Reading on the host is the cheaper route where reads are
 * free or a plain copy.
 */
function* checkOwn(plan: Plan, action: string): Reads<void> {
  if (plan.own.length === 0) return;
  const backendName = getBackend();
  let flagged: Block[];
  if (backendName === "cpu" || backendName === "wasm") {
    flagged = [];
    const norm = new Float64Array(1);
    for (const block of plan.own) {
      norm[0] = 0;
      kernels.gram([yield block.tensors[0]], norm);
      if (!Number.isFinite(norm[0])) flagged.push(block);
    }
  } else {
    const flags = tidy(() => stack(plan.own.map((block) => sum(mul(block.tensors[0], 0)))));
    let values: Float32Array;
    try {
      values = (yield flags).slice();
    } finally {
      flags.dispose();
    }
    flagged = plan.own.filter((_, k) => !Number.isFinite(values[k]));
  }
  for (const block of flagged) {
    const head = yield block.tensors[0];
    const at = head.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) {
      throw new RangeError(
        `Cannot ${action}: task ${
          block.tasks[0]
        }'s gradient for "${block.name}" has a non-finite ` +
          `value at index ${at}: ${head[at]}`,
      );
    }
  }
}

/**
 * The whole step as a generator of reads (drive it with adapters/tfjs/drive.ts). `losses` (numbers,
 * or a 1-D tensor read once) reach the methods that use them (MGDA's loss normalisation). The update holds
 * new tensors only: combined ones for shared variables, clones (sharing memory) of the task's own
 * gradient for task-specific ones; the inputs are neither changed nor disposed.
 */
export function* surgeryStep(
  grads: unknown,
  options: ResolvedOptions,
  step: StepState,
  action: string,
  losses?: Tensor | readonly number[],
  passes: () => Passes = passesForBackend,
  batches?: unknown,
): Reads<StepResult> {
  const plan = planInput(grads, action);
  if (isTensor(losses) && losses.isDisposed) {
    throw new TypeError(`Cannot ${action}: losses is a disposed tensor`);
  }
  // An empty variable adds nothing to G and its update is empty: no pass sees it (tf.js's matMul
  // with an empty inner dimension returns garbage on wasm and webgpu, and an empty buffer cannot be
  // bound).
  const empty = plan.shared.filter((b) => b.size === 0);
  plan.shared = plan.shared.filter((b) => b.size > 0);
  const definition = registry[options.method];
  if (definition.kind === "vectors") {
    // Reads the gradient vectors (and may keep rows of them): the whole step on the host.
    yield* checkOwn(plan, action);
    const lossValues = losses === undefined
      ? undefined
      : isTensor(losses)
      ? Array.from(yield losses)
      : losses;
    const { combined, stats } = yield* vectorsOnHost(
      plan,
      options,
      step,
      action,
      lossValues,
      batches,
    );
    return assemble(plan, empty, combined, stats);
  }
  checkBatches(definition, batches, plan.T, 0, action);
  const run = passes();
  try {
    const G = yield* checkGram(plan, yield* run.gram(plan), action);
    yield* checkOwn(plan, action);
    let combined: Map<Block, Tensor>;
    let stats: SurgeryStats;
    const definition = registry[options.method];
    if (definition.kind === "elementwise") {
      // GradDrop, the trimmed mean: no weights; stats from G as the plain engine reports them.
      checkPerTaskOptions(options, plan.T, action);
      const params = definition.params({
        T: plan.T,
        options: ownOptions(definition, options),
        rng: step.rng,
        action,
      });
      combined = yield* run.elementwise(
        plan,
        { definition, params },
        options.reduction === "mean",
      );
      stats = buildStats(G, plan.T, [], [], 0, run.name);
    } else {
      const lossValues = losses === undefined
        ? undefined
        : isTensor(losses)
        ? Array.from(yield losses)
        : losses;
      const weighed = methodWeights(G, plan.T, options, step, action, lossValues);
      stats = { ...weighed.stats, kernel: run.name };
      if (options.variant === "full") {
        const weights = reduce(weighed.weights, options, plan.T);
        combined = run.combine(plan, weights);
        if (!updateCannotOverflow(G, plan.T, weights)) yield* checkCombined(plan, combined, action);
      } else {
        combined = yield* variantOnHost(plan, weighed.weights, options, stats, action);
      }
    }
    return assemble(plan, empty, combined, stats);
  } finally {
    run.dispose();
  }
}

/** The step's result in the input's form: combined shared variables, empty ones, heads' clones. */
function assemble(
  plan: Plan,
  empty: readonly Block[],
  combined: Map<Block, Tensor>,
  stats: SurgeryStats,
): StepResult {
  const result: StepResult = { update: {}, stats };
  for (const block of empty) combined.set(block, zeros(block.shape));
  if (plan.form === "tensor") {
    result.update = combined.values().next().value!;
    return result;
  }
  const update: NamedTensorMap = {};
  for (const [block, tensor] of combined) update[block.name] = tensor;
  for (const block of plan.own) update[block.name] = clone(block.tensors[0]);
  result.update = update;
  return result;
}
