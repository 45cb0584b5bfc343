// Shared gradient buffers (core/gradient_buffer.ts): rows on a SharedArrayBuffer, read in place on
// this thread, and what threads need to attach to them.

import assert from "node:assert/strict";
import { createGradientBuffer, surgery } from "../../mod.ts";
import {
  attachSharedBuffer,
  SHARED_SCRATCH_SLOTS,
  sharedBufferOf,
} from "../../core/gradient_buffer.ts";
import { assertClose, readsInPlace } from "./_gradient_buffer.ts";

Deno.test("shared buffers: on a SharedArrayBuffer, read in place on this thread, ", () => {
  const buffer = createGradientBuffer(3, 1001, { shared: true });
  assert.equal(buffer.shared, true);
  assert.equal(createGradientBuffer(3, 5).shared, false);
  assert.ok(buffer.rows[0].buffer instanceof SharedArrayBuffer);
  assert.equal(readsInPlace(buffer.rows), true);
  buffer.rows.forEach((row, t) => row.forEach((_, k) => (row[k] = Math.sin(k + 7 * t))));
  const copies = buffer.rows.map((r) => r.slice());
  const want = surgery(copies, { seed: 2 });
  const got = surgery(buffer.rows, { seed: 2, out: buffer.output });
  assertClose(got, want, copies, 1e-5, "shared in place vs staged");
  const info = sharedBufferOf(buffer.rows)!;
  assert.equal(info.memory.buffer, buffer.rows[0].buffer);
  assert.equal(sharedBufferOf([buffer.rows[0], copies[1]]), null);
  assert.equal(sharedBufferOf(createGradientBuffer(2, 9).rows), null);
  assert.equal(attachSharedBuffer(info, SHARED_SCRATCH_SLOTS), false, "no slot beyond the last");
});
