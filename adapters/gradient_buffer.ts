/**
 * The public entry point of gradient buffers: checks the caller's arguments, then has the core
 * allocate the buffer (core/gradient_buffer.ts, which knows memory layouts, not option checks).
 * @module
 */

import { allocateGradientBuffer, type GradientBuffer } from "../core/gradient_buffer.ts";
import { describe, integerIn, MAX_TASKS } from "../validate/grads.ts";
import { checkKeys } from "../validate/keys.ts";

export type { GradientBuffer } from "../core/gradient_buffer.ts";

/**
 * Options of {@linkcode createGradientBuffer}.
 *
 * @example A shared buffer for threads
 * ```ts
 * import { createGradientBuffer, createParallelSurgery, type GradientBufferOptions } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const options: GradientBufferOptions = { shared: true };
 * const buffer = createGradientBuffer(2, 1 << 12, options);
 * assert.ok(buffer.rows[0].buffer instanceof SharedArrayBuffer);
 * buffer.rows[0].fill(1);
 * buffer.rows[1].fill(0.5); // no conflict: the update is the sum
 * const pcgrad = await createParallelSurgery({ threads: 2 });
 * try {
 *   await pcgrad.surgery(buffer.rows, { out: buffer.output });
 *   assert.equal(buffer.output[0], 1.5);
 * } finally {
 *   pcgrad.close();
 * }
 * ```
 */
export interface GradientBufferOptions {
  /**
   * Put the rows in a shared WebAssembly memory (a SharedArrayBuffer), so that every thread of
   * `createParallelSurgery` reads its slice in place. Needs SharedArrayBuffer (in browsers:
   * cross-origin isolation). Default false.
   */
  shared?: boolean;
}

function checkShared(options: unknown, action: string): boolean {
  if (options === undefined) return false;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${action}: options must be an object, found ${describe(options)}`);
  }
  checkKeys(options, ["shared"], action);
  const shared = (options as GradientBufferOptions).shared;
  if (shared !== undefined && typeof shared !== "boolean") {
    throw new TypeError(`Cannot ${action}: shared must be a boolean, found ${describe(shared)}`);
  }
  return shared === true;
}

/**
 * Allocates a {@linkcode GradientBuffer} of T rows of d floats (and an output row). Rows are laid
 * out one after another, each padded to whole pairs of f32x4, in a WebAssembly memory of about
 * (T + 1) · d · 4 bytes; the whole must fit the 4 GiB a 32-bit module can address.
 *
 * @example Gradients written in place by an engine, surgery without a copy
 * ```ts
 * import { createGradientBuffer, createSurgery } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = createGradientBuffer(3, 1000);
 * const pcgrad = createSurgery({ seed: 1 });
 * for (let step = 0; step < 2; step++) {
 *   buffer.rows.forEach((row, t) => row.fill(t === 1 ? -1 : 1)); // the engine's backward pass
 *   pcgrad.surgery(buffer.rows, { out: buffer.output });
 * }
 * assert.equal(buffer.output.length, 1000);
 * ```
 */
export function createGradientBuffer(
  tasks: number,
  length: number,
  options?: GradientBufferOptions,
): GradientBuffer {
  const action = "create gradient buffer";
  const T = integerIn(tasks, "tasks", 1, MAX_TASKS, action);
  const d = integerIn(length, "length", 1, Infinity, action);
  return allocateGradientBuffer(T, d, checkShared(options, action), action);
}
