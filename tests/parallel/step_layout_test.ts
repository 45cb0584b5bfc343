// The layout of a parallel step as plain data, without a worker: chunks and owners, staging, the
// control header every step starts from, what each worker is told, and that a repeated step has
// the shape a worker is rung for (RING_SAME) while a new memory layout is not.
import assert from "node:assert/strict";
import {
  CHUNKS_PER_THREAD,
  COMBINE_DONE_INDEX,
  controlLayout,
  FLAG_INDEX,
  FLAG_WAIT,
  GRAM_DONE_INDEX,
  ownerIndex,
  packRange,
  rangeIndex,
  sameStepShape,
} from "../../parallel/_protocol.ts";
import { planChunks } from "../../parallel/chunk_plan.ts";
import {
  controlHeader,
  outSlice,
  rowSlices,
  stepLayout,
  type StepMemory,
  workerMessage,
} from "../../parallel/step_layout.ts";

Deno.test("stepLayout: the chunk plan, the staged columns and the control layout of a step", () => {
  for (
    const [rowsShared, outShared] of [[true, true], [false, true], [true, false], [false, false]]
  ) {
    const layout = stepLayout(6, 2_000_003, 3, rowsShared, outShared);
    const plan = planChunks(2_000_003, 6, 3, rowsShared, outShared);
    assert.deepEqual(layout.plan, plan);
    assert.equal(layout.chunks, 3 * CHUNKS_PER_THREAD);
    assert.equal(layout.queues, 3);
    assert.equal(layout.rest, 2_000_003 - plan.from);
    assert.equal(layout.stageRows, !rowsShared);
    assert.equal(layout.stageOut, !outShared);
    assert.deepEqual(layout.control.bytes, controlLayout(3, layout.chunks, 6).bytes);
  }
  // Nothing staged: every column's chunks are anyone's, and the stage is empty.
  const shared = stepLayout(4, 1e6, 2, true, true);
  assert.deepEqual(shared.plan.workersTakeMain, { gram: true, combine: true });
  assert.equal(shared.rest, 1e6 - shared.plan.bounds[16]);
});

Deno.test("controlHeader: flag waiting, no chunk counted or owned, each queue's own range", () => {
  const layout = stepLayout(3, 1e7, 4, false, false);
  const header = controlHeader(layout);
  assert.equal(header.length, ownerIndex(4, layout.chunks));
  assert.equal(header[FLAG_INDEX], FLAG_WAIT);
  assert.equal(header[GRAM_DONE_INDEX], 0);
  assert.equal(header[COMBINE_DONE_INDEX], 0);
  layout.plan.queues.forEach(([first, end], q) => {
    assert.equal(header[rangeIndex("gram", q)], packRange(first, end));
    assert.equal(header[rangeIndex("combine", q)], packRange(first, end));
  });
  for (let c = 0; c < layout.chunks; c++) assert.equal(header[ownerIndex(4, c)], 0);
});

Deno.test("rowSlices and outSlice: whole rows in place, or the staged columns [from, d)", () => {
  const T = 3;
  const d = 1_000_000;
  const layout = stepLayout(T, d, 2, false, false);
  const stage = new Float32Array(new SharedArrayBuffer(T * layout.rest * 4));
  const staged = rowSlices(layout, { stage });
  staged.forEach((s, t) => {
    assert.equal(s.buffer, stage.buffer);
    assert.equal(s.byteOffset, t * layout.rest * 4);
    assert.equal(s.first, layout.plan.from);
    assert.equal(s.length, layout.rest);
  });
  const memory = new SharedArrayBuffer(T * d * 4);
  const rows = Array.from({ length: T }, (_, t) => new Float32Array(memory, t * d * 4, d));
  const inPlace = rowSlices(stepLayout(T, d, 2, true, true), { rows, inBuffer: true });
  inPlace.forEach((s, t) => {
    assert.deepEqual(
      [s.buffer, s.byteOffset, s.first, s.length, s.inBuffer],
      [memory, t * d * 4, 0, d, true],
    );
  });
  const outStage = new Float32Array(new SharedArrayBuffer(layout.rest * 4));
  assert.deepEqual(outSlice(layout, { stage: outStage }), {
    buffer: outStage.buffer,
    byteOffset: 0,
    first: layout.plan.from,
    length: layout.rest,
  });
  const out = new Float32Array(new SharedArrayBuffer(d * 4));
  assert.deepEqual(outSlice(layout, { out, inBuffer: false }), {
    buffer: out.buffer,
    byteOffset: 0,
    first: 0,
    length: d,
    inBuffer: false,
  });
});

Deno.test("workerMessage: worker w has queue w + 1; a repeated step keeps its shape, new memory not", () => {
  const T = 2;
  const d = 600_000;
  const layout = stepLayout(T, d, 3, true, true);
  const rowsMemory = new SharedArrayBuffer(T * d * 4);
  const rows = [0, 1].map((t) => new Float32Array(rowsMemory, t * d * 4, d));
  const out = new Float32Array(new SharedArrayBuffer(d * 4));
  const memory: StepMemory = {
    control: new SharedArrayBuffer(layout.control.bytes),
    rows: rowSlices(layout, { rows, inBuffer: false }),
    out: outSlice(layout, { out, inBuffer: false }),
    status: new SharedArrayBuffer(24),
    gradientBuffer: null,
  };
  const first = workerMessage(layout, 1, 7, memory);
  assert.deepEqual(
    [first.step, first.T, first.worker, first.queue, first.queues, first.outStaged],
    [7, T, 1, 2, 3, false],
  );
  assert.deepEqual(first.chunks, layout.plan.bounds);
  assert.deepEqual(first.takeMain, { gram: true, combine: true });
  assert.equal(first.gradientBuffer, undefined);
  assert.ok(sameStepShape(first, workerMessage(layout, 1, 8, memory)), "same step, next number");
  const otherOut = outSlice(layout, {
    out: new Float32Array(new SharedArrayBuffer(d * 4)),
    inBuffer: false,
  });
  assert.ok(!sameStepShape(first, workerMessage(layout, 1, 8, { ...memory, out: otherOut })));
  assert.ok(!sameStepShape(first, workerMessage(layout, 0, 8, memory)), "another worker");
});
