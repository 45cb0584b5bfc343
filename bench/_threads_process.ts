/**
 * One process of bench/tfjs_threads.ts's process part: the MultiMNIST PCGrad step
 * (bench/_multimnist_step.ts) on tf.js's wasm backend in Deno, where tf.js runs it on one thread.
 * Warms up, prints "ready", waits for a line on stdin (so that processes started together time the
 * same span), times its steps and prints a ProcessResult as one JSON line.
 *
 *   deno run --allow-read bench/_threads_process.ts --warmup=W --steps=N
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { registerConv2dGradient } from "../examples/multimnist/conv_grad.ts";
import { multiMnistStep } from "./_multimnist_step.ts";
import type { ProcessResult } from "./_tfjs_threads_report.ts";
import { parseList } from "./_timing.ts";

/** The line the process prints once warm, and the one it waits for before timing. */
export const READY = "ready";

async function main(args: readonly string[]): Promise<void> {
  let warmup = 2;
  let steps = 10;
  for (const arg of args) {
    if (arg.startsWith("--warmup=")) warmup = parseList(arg.slice(9), "warmup")[0];
    else if (arg.startsWith("--steps=")) steps = parseList(arg.slice(8), "steps")[0];
    else throw new RangeError(`Unknown argument ${JSON.stringify(arg)}`);
  }
  tf.env().set("PROD", true);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.js's wasm backend did not start");
  await tf.ready();
  registerConv2dGradient();
  const step = multiMnistStep("process");
  for (let k = 0; k < warmup; k++) await step.surgeryStep();
  console.log(READY);
  // One read, so no read is left pending on stdin to keep the process alive at the end.
  if ((await Deno.stdin.read(new Uint8Array(64))) === null) {
    throw new Error("stdin closed before the start signal");
  }
  const surgeryMs: number[] = [];
  const startMs = performance.timeOrigin + performance.now();
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await step.surgeryStep();
    surgeryMs.push(performance.now() - t0);
  }
  const endMs = performance.timeOrigin + performance.now();
  step.dispose();
  const result: ProcessResult = { threadsInEffect: getThreadsCount(), surgeryMs, startMs, endMs };
  console.log(JSON.stringify(result));
}

if (import.meta.main) await main(Deno.args);
