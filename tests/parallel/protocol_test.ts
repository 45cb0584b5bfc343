import assert from "node:assert/strict";
import {
  advanceState,
  claimChunks,
  COMBINE_DONE_INDEX,
  controlLayout,
  GRAM_DONE_INDEX,
  packRange,
  type Phase,
  rangeIndex,
  statusLength,
  statusWords,
  WorkerState,
} from "../../parallel/_protocol.ts";

/** Every queue may be taken from. */
const any = () => true;

/** A control buffer with `queues` queues of `per` chunks each, as the main thread sets it up. */
function control(queues: number, per: number): Int32Array {
  const ints = new Int32Array(new SharedArrayBuffer(controlLayout(queues, queues * per, 2).bytes));
  for (let q = 0; q < queues; q++) {
    for (const phase of ["gram", "combine"] as Phase[]) {
      ints[rangeIndex(phase, q)] = packRange(q * per, (q + 1) * per);
    }
  }
  return ints;
}

Deno.test("claimChunks: own queue first (Gram front to back, combine back to front), then steals", () => {
  const ints = control(3, 4);
  const gram: number[] = [];
  claimChunks(ints, "gram", 1, 3, any, (c) => gram.push(c));
  // queue 1 front to back, then queue 2 and queue 0 from their backs
  assert.deepEqual(gram, [4, 5, 6, 7, 11, 10, 9, 8, 3, 2, 1, 0]);
  assert.equal(ints[GRAM_DONE_INDEX], 12);
  const combine: number[] = [];
  claimChunks(ints, "combine", 0, 3, any, (c) => combine.push(c));
  assert.deepEqual(combine, [3, 2, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(ints[COMBINE_DONE_INDEX], 12);
  // empty queues: nothing more to claim
  claimChunks(ints, "gram", 2, 3, any, () => assert.fail("claimed from an empty queue"));
});

Deno.test("claimChunks: a thread takes only from the queues it may take from", () => {
  const ints = control(3, 3);
  const mine: number[] = [];
  claimChunks(ints, "gram", 1, 3, (q) => q !== 0, (c) => mine.push(c));
  assert.deepEqual(mine, [3, 4, 5, 8, 7, 6]); // its own, then queue 2's, never queue 0's
  assert.equal(ints[GRAM_DONE_INDEX], 6);
});

Deno.test("claimChunks: two claimers interleaved take every chunk exactly once", () => {
  const ints = control(2, 16);
  const taken: number[] = [];
  // thread 0 claims one chunk, then lets thread 1 claim all it can from inside its body
  let nested = false;
  claimChunks(ints, "gram", 0, 2, any, (c) => {
    taken.push(c);
    if (!nested) {
      nested = true;
      claimChunks(ints, "gram", 1, 2, any, (k) => taken.push(k));
    }
  });
  assert.deepEqual([...taken].sort((a, b) => a - b), Array.from({ length: 32 }, (_, c) => c));
  assert.equal(ints[GRAM_DONE_INDEX], 32);
});

Deno.test("advanceState: moves a worker's state only from the expected one; CLOSED sticks", () => {
  const words = new Int32Array(new SharedArrayBuffer(statusLength(2) * 4));
  const state = statusWords(1).state;
  assert.equal(advanceState(words, 1, WorkerState.EVENT, WorkerState.BUSY), true);
  assert.equal(words[state], WorkerState.BUSY);
  assert.equal(words[statusWords(0).state], WorkerState.EVENT, "worker 0 untouched");
  // close() stores CLOSED at any moment: the worker's next move fails and it leaves.
  Atomics.store(words, state, WorkerState.CLOSED);
  for (const to of [WorkerState.IDLE, WorkerState.EVENT, WorkerState.BUSY]) {
    assert.equal(advanceState(words, 1, WorkerState.BUSY, to), false);
    assert.equal(words[state], WorkerState.CLOSED);
  }
  assert.equal(advanceState(words, 1, WorkerState.RING_SAME, WorkerState.BUSY), false);
  assert.equal(words[state], WorkerState.CLOSED);
});
