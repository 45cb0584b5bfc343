/// <reference lib="dom" />
/**
 * The browser page's tf.js section: the library's tf.js adapter on the webgpu backend (WGSL Gram
 * and combine kernels on the device) against the plain API from the bundled build (WASM core) on
 * the same gradients: T tasks sharing a trunk of d parameters, each with its own head. Shows the
 * agreement, the weights, the conflicts and the time per step; the finished results are written as
 * JSON into `#tfjs-results` for tests (tests/edge/browser_test.ts).
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { createSurgery as createTfSurgery } from "../../adapters/tfjs.ts";
import type { CreateSurgery } from "../toy/run.ts";
import { taskGradients } from "./workload.ts";

/** What the section computes: T tasks, a shared trunk of d floats, a head of `head` per task. */
export const TFJS_WORKLOAD = { T: 4, d: 1 << 18, head: 1000, seed: 7 } as const;
/** Steps timed on each side after the compared one. */
const TIMED_STEPS = 5;

/** What the section writes into `#tfjs-results`. */
export interface TfjsPageResult {
  /** tf.js backend that ran ("webgpu"). */
  backend: string;
  /** The WebGPU adapter, as `GPUAdapterInfo` describes it. */
  adapter: string;
  T: number;
  d: number;
  /** Kernels of the plain API's step ("wasm-simd" here). */
  plainKernel: string;
  /** SHA-256 (hex) of the plain API's update bytes, to compare with other runtimes. */
  plainDigest: string;
  /** max_k |webgpu − plain| over the trunk, and max_k |plain| for scale. */
  maxAbsDiff: number;
  scale: number;
  weightsPlain: number[];
  weightsWebgpu: number[];
  conflictsPlain: [number, number][];
  conflictsWebgpu: [number, number][];
  /** Whether every head came back as its own task's gradient, bit for bit. */
  headsUnchanged: boolean;
  /** tf.js tensors alive after the steps minus before (0: nothing leaked). */
  leakedTensors: number;
  msPerStepWebgpu: number;
  msPerStepPlain: number;
}

/**
 * What the section says instead of its results where the browser offers no WebGPU adapter: most
 * browsers without WebGPU, or with it switched off, are not an error for this page.
 */
export const NO_WEBGPU_NOTICE = "Skipped: this browser offers the page no WebGPU adapter, so the " +
  "tf.js webgpu backend cannot run here. The toy above used the WebAssembly core, which needs no " +
  "GPU. (Chromium on Linux, for one, offers WebGPU only when started with " +
  "--enable-unsafe-webgpu.)";

/** The notice as page content, the browser flag set as code. */
function noticeNodes(doc: Document): (string | Node)[] {
  const flag = "--enable-unsafe-webgpu";
  const code = doc.createElement("code");
  code.textContent = flag;
  const [before, after] = NO_WEBGPU_NOTICE.split(flag);
  return [before, code, after];
}

/** Hex SHA-256 of a float array's bytes. */
async function digest(values: Float32Array): Promise<string> {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The adapter's description, or null when the browser offers no WebGPU adapter. */
async function webgpuAdapter(): Promise<string | null> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return null;
  const { vendor, architecture, description } = adapter.info;
  return [vendor, architecture, description].filter((s) => s !== "").join(" ");
}

function show(doc: Document, r: TfjsPageResult): void {
  const rows: [string, string][] = [
    ["backend / adapter", `${r.backend} / ${r.adapter}`],
    ["tasks × trunk", `${r.T} × ${r.d.toLocaleString("en")} (+ a head each)`],
    ["max |webgpu − wasm| / max |update|", `${(r.maxAbsDiff / r.scale).toExponential(2)}`],
    ["weights, webgpu", r.weightsWebgpu.map((w) => w.toFixed(5)).join(", ")],
    ["weights, wasm", r.weightsPlain.map((w) => w.toFixed(5)).join(", ")],
    ["conflicting pairs", JSON.stringify(r.conflictsWebgpu)],
    ["heads unchanged, tensors leaked", `${r.headsUnchanged}, ${r.leakedTensors}`],
    [
      "ms per step, webgpu / wasm",
      `${r.msPerStepWebgpu.toFixed(1)} / ${r.msPerStepPlain.toFixed(1)}`,
    ],
  ];
  doc.getElementById("tfjs-table")!.replaceChildren(...rows.map(([name, value]) => {
    const row = doc.createElement("tr");
    const [a, b] = [doc.createElement("td"), doc.createElement("td")];
    a.textContent = name;
    b.textContent = value;
    row.replaceChildren(a, b);
    return row;
  }));
}

/**
 * Runs the comparison and returns its results; where the browser offers no WebGPU adapter, shows
 * {@linkcode NO_WEBGPU_NOTICE} instead and returns null.
 */
export async function startTfjsPage(
  library: { createSurgery: CreateSurgery },
  doc: Document,
): Promise<TfjsPageResult | null> {
  const status = doc.getElementById("tfjs-status")!;
  const adapter = await webgpuAdapter();
  if (adapter === null) {
    status.replaceChildren(...noticeNodes(doc));
    status.classList.add("notice");
    return null;
  }
  if (!(await tf.setBackend("webgpu"))) throw new Error("Cannot activate tf.js's webgpu backend");
  await tf.ready();
  status.textContent = "Running…";
  const { T, d, head, seed } = TFJS_WORKLOAD;
  const trunks = taskGradients(T, d);
  const heads = taskGradients(T, head, 1);

  const plain = library.createSurgery({ seed });
  const plainUpdate = plain.surgery(trunks);
  const plainStats = plain.stats!;
  let started = performance.now();
  for (let s = 0; s < TIMED_STEPS; s++) plain.surgery(trunks);
  const msPerStepPlain = (performance.now() - started) / TIMED_STEPS;

  const before = tf.memory().numTensors;
  const maps = trunks.map((g, t) => ({
    trunk: tf.tensor1d(g),
    [`head${t}`]: tf.tensor1d(heads[t]),
  }));
  const webgpu = createTfSurgery({ seed });
  const update = await webgpu.surgeryAsync(maps);
  const trunk = (await update.trunk.data()) as Float32Array;
  let headsUnchanged = true;
  for (let t = 0; t < T; t++) {
    const got = await update[`head${t}`].data();
    headsUnchanged &&= got.every((x, k) => x === heads[t][k]);
  }
  const weightsWebgpu = webgpu.stats!.weights;
  const conflictsWebgpu = webgpu.stats!.conflicts;
  tf.dispose(update);
  started = performance.now();
  for (let s = 0; s < TIMED_STEPS; s++) {
    const next = await webgpu.surgeryAsync(maps);
    await next.trunk.data(); // wait for the device
    tf.dispose(next);
  }
  const msPerStepWebgpu = (performance.now() - started) / TIMED_STEPS;
  tf.dispose(maps);
  const leakedTensors = tf.memory().numTensors - before;

  let maxAbsDiff = 0;
  let scale = 0;
  for (let k = 0; k < d; k++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(trunk[k] - plainUpdate[k]));
    scale = Math.max(scale, Math.abs(plainUpdate[k]));
  }
  const result: TfjsPageResult = {
    backend: tf.getBackend(),
    adapter,
    T,
    d,
    plainKernel: plainStats.kernel,
    plainDigest: await digest(plainUpdate),
    maxAbsDiff,
    scale,
    weightsPlain: plainStats.weights,
    weightsWebgpu,
    conflictsPlain: plainStats.conflicts,
    conflictsWebgpu,
    headsUnchanged,
    leakedTensors,
    msPerStepWebgpu,
    msPerStepPlain,
  };
  show(doc, result);
  doc.getElementById("tfjs-results")!.textContent = JSON.stringify(result);
  status.textContent = "Done.";
  return result;
}
