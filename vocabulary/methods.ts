/**
 * The names of the methods (docs/methods.md). Each has its definition in methods/ and one line in
 * methods/registry.ts, which must list exactly these names in this order (a test checks it).
 * @module
 */

/**
 * The methods (docs/methods.md); "graddrop" and "trimmed-mean" are elementwise; "db-mtl", "moco"
 * (which need the losses), "excess-mtl", "sdmgrad" and "modo" (which need two more batches) read
 * the gradient vectors, not only their Gramian; the others weigh the gradients by their Gramian.
 * Krum, Constant and the trimmed mean have a required option (no default in their reference,
 * TorchJD).
 *
 * @example Every method on the same gradients
 * ```ts
 * import { METHODS, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1]), new Float32Array([0, 2])];
 * const required = { krum: { byzantine: 0 }, constant: { weights: [1, 1, 1] }, "trimmed-mean": { trim: 1 } };
 * for (const method of METHODS) {
 *   // SDMGrad and MoDo need two more independent batches (here the same gradients again).
 *   const batches = method === "sdmgrad" || method === "modo" ? [grads, grads] : undefined;
 *   const own = (required as Record<string, object>)[method];
 *   const update = surgery(grads, { method, ...own, losses: [1, 2, 3], batches });
 *   assert.ok(update.every(Number.isFinite), method);
 * }
 * assert.ok(METHODS.includes("pcgrad"));
 * ```
 */
export const METHODS = [
  "pcgrad",
  "sum",
  "mean",
  "mgda",
  "cagrad",
  "gradvac",
  "imtl-g",
  "nash-mtl",
  "aligned-mtl",
  "upgrad",
  "dualproj",
  "graddrop",
  "rlw",
  "config",
  "krum",
  "constant",
  "fairgrad",
  "trimmed-mean",
  // The methods that need more than the Gramian: the gradient vectors, the losses or more batches.
  "db-mtl",
  "excess-mtl",
  "moco",
  "sdmgrad",
  "modo",
] as const;

/**
 * A method: "pcgrad" (default), the baselines "sum" and "mean", or a relative (docs/methods.md).
 *
 * @example Choosing a method and its options
 * ```ts
 * import { type Method, surgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const method: Method = "cagrad";
 * const update = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])], { method, c: 0.4 });
 * assert.equal(update.length, 2);
 * ```
 */
export type Method = typeof METHODS[number];
