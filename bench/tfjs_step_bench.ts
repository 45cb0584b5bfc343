/**
 * Benchmark of the tf.js adapter (docs/tfjs.md), per backend (cpu, wasm, webgpu):
 *
 * 1. One training step on the MultiMNIST model (examples/multimnist: LeNet trunk, two heads, batch
 *    256): the inner optimizer alone (Adam on L_left + L_right: one forward, one backward) against
 *    `SurgeryOptimizer` (PCGrad: T = 2 forward and backward passes, the surgery, the same Adam),
 *    with the parts timed on their own: a forward pass, the T task gradients, the surgery on ready
 *    gradients. The ratio step / inner is what a user pays; the surgery's share shows what is
 *    beyond the T backward passes.
 * 2. The dense passes (Gram, weights, combine) on synthetic T × d gradients, per strategy: the
 *    library's WASM core on the host, tf.js ops, and the WGSL kernels on webgpu: the measurement
 *    behind each backend's choice.
 *
 *   deno task bench:tfjs [--backends=cpu,wasm,webgpu] [--steps=N] [--json]
 *
 * Medians of N timed runs (default 7; 3 on cpu, whose convolutions are slow) after one warm-up.
 * Each timed run ends with a read of a result, so queued GPU work is inside the time.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { createSurgery } from "../adapters/tfjs.ts";
import { driveAsync } from "../adapters/tfjs/drive.ts";
import { hostPasses } from "../adapters/tfjs/host.ts";
import { opsPasses } from "../adapters/tfjs/ops.ts";
import type { Passes } from "../adapters/tfjs/passes.ts";
import { surgeryStep } from "../adapters/tfjs/pipeline.ts";
import { webgpuPasses } from "../adapters/tfjs/webgpu.ts";
import { fmtMs, markdownTable, type StepResult, stepTable } from "./_tfjs_report.ts";
import type { WebGpuBackendLike } from "../adapters/tfjs/webgpu_programs.ts";
import { registerConv2dGradient } from "../examples/multimnist/conv_grad.ts";
import { BATCH, multiMnistStep, readBack } from "./_multimnist_step.ts";
import { StepState } from "../state/step_state.ts";
import { resolveOptions } from "../methods/options.ts";
import { median, parseList, timeMsAsync } from "./_timing.ts";

const BACKENDS = ["cpu", "wasm", "webgpu"] as const;
type Backend = typeof BACKENDS[number];
const SIZES: [number, number][] = [[2, 21330], [2, 1e6], [8, 1e6], [32, 1e5]];

/** Dense passes on synthetic gradients, milliseconds per strategy. */
interface PassResult {
  backend: Backend;
  T: number;
  d: number;
  ms: Record<string, number>;
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) times.push(await timeMsAsync(f));
  return median(times);
}

async function stepCosts(backend: Backend, runs: number): Promise<StepResult> {
  const step = multiMnistStep(`bench-${backend}`, { async: backend === "webgpu" });
  const { model, losses, sum } = step;
  const forwardMs = await timed(runs, () => readBack(tf.tidy(() => sum())));
  const innerStepMs = await timed(runs, step.innerStep);
  const grads = () => [0, 1].map((t) => tf.variableGrads(() => losses()[t], model.all).grads);
  const taskGradsMs = await timed(runs, async () => {
    const g = grads();
    await g[1][model.trunk[0].name].data();
    tf.dispose(g);
  });
  const surgery = createSurgery({ seed: 0 });
  const ready = grads();
  const surgeryMs = await timed(runs, async () => {
    const update = await surgery.surgeryAsync(ready);
    await update[model.trunk[0].name].data();
    tf.dispose(update);
  });
  tf.dispose(ready);
  const surgeryStepMs = await timed(runs, step.surgeryStep);
  step.dispose();
  return { backend, forwardMs, innerStepMs, taskGradsMs, surgeryMs, surgeryStepMs };
}

async function passCosts(backend: Backend, runs: number): Promise<PassResult[]> {
  const strategies: Record<string, () => Passes> = { "tf ops": opsPasses };
  if (backend === "webgpu") {
    strategies.WGSL = () => webgpuPasses(tf.backend() as unknown as WebGpuBackendLike);
  } else strategies["WASM core"] = () => hostPasses();
  const options = resolveOptions({ seed: 0 }, "bench");
  const results: PassResult[] = [];
  for (const [T, d] of SIZES) {
    const grads = Array.from({ length: T }, (_, t) => tf.randomNormal([d], 0, 1, "float32", t));
    const ms: Record<string, number> = {};
    for (const [name, passes] of Object.entries(strategies)) {
      ms[name] = await timed(runs, async () => {
        const step = surgeryStep(grads, options, new StepState(0), "bench", undefined, passes);
        const { update } = await driveAsync(step);
        await (update as tf.Tensor).data();
        (update as tf.Tensor).dispose();
      });
    }
    tf.dispose(grads);
    results.push({ backend, T, d, ms });
  }
  return results;
}

function passTable(results: readonly PassResult[]): string {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.ms)))];
  const header = ["backend", "T", "d", ...names.map((n) => `${n} ms`), "tf ops / chosen"];
  const rows = results.map((r) => {
    const chosen = r.ms.WGSL ?? r.ms["WASM core"];
    return [
      r.backend,
      String(r.T),
      r.d.toExponential(0).replace("e+", "e"),
      ...names.map((n) => (r.ms[n] === undefined ? "–" : fmtMs(r.ms[n]))),
      `${(r.ms["tf ops"] / chosen).toFixed(1)}×`,
    ];
  });
  return markdownTable(header, rows);
}

async function main(args: readonly string[]) {
  let backends: Backend[] = [...BACKENDS];
  let steps: number | undefined;
  let json = false;
  for (const arg of args) {
    if (arg === "--json") json = true;
    else if (arg.startsWith("--steps=")) steps = parseList(arg.slice(8), "steps")[0];
    else if (arg.startsWith("--backends=")) {
      backends = arg.slice(11).split(",") as Backend[];
      for (const b of backends) {
        if (!BACKENDS.includes(b)) {
          throw new RangeError(`--backends: unknown backend ${JSON.stringify(b)}`);
        }
      }
    } else throw new RangeError(`Unknown argument ${JSON.stringify(arg)}`);
  }
  tf.env().set("PROD", true);
  registerConv2dGradient();
  const stepResults: StepResult[] = [];
  const passResults: PassResult[] = [];
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) {
      console.error(`SKIPPED: the ${backend} backend is not available here`);
      continue;
    }
    await tf.ready();
    const runs = steps ?? (backend === "cpu" ? 3 : 7);
    if (!json) console.error(`${backend}: timing ${runs} runs of each…`);
    stepResults.push(await stepCosts(backend, runs));
    passResults.push(...(await passCosts(backend, runs)));
  }
  if (json) {
    console.log(JSON.stringify({ steps: stepResults, passes: passResults }, null, 1));
    return;
  }
  console.log(`One MultiMNIST training step (batch ${BATCH}, T = 2, PCGrad, Adam), medians:\n`);
  console.log(stepTable(stepResults));
  console.log("\nDense passes (Gram, weights, combine) by strategy, one surgery step, medians:\n");
  console.log(passTable(passResults));
}

if (import.meta.main) await main(Deno.args);
