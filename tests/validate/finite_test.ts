// The float64 fallback decision (validate/finite.ts): which tasks it reads, when it throws, and
// when it asks for the Gramian in float64; the same for host rows and any reader of values.

import assert from "node:assert/strict";
import { float64Decision, gramNeedsFloat64, type TaskScan } from "../../validate/finite.ts";

/** Drives the decision over `rows` (plain arrays), recording each scan as [task, what]. */
function decide(G: number[], rows: number[][]): { redo: boolean; scans: string[] } {
  const T = rows.length;
  const decision = float64Decision(Float64Array.from(G), T, rows[0].length, "run surgery");
  const scans: string[] = [];
  let step = decision.next();
  while (!step.done) {
    const { task, test }: TaskScan = step.value;
    scans.push(`${task}:${test(1) ? "non-zero" : "non-finite"}`);
    const index = rows[task].findIndex(test);
    step = decision.next(
      index < 0 ? null : { where: `row ${task}`, index, value: rows[task][index] },
    );
  }
  return { redo: step.value, scans };
}

Deno.test("float64Decision: a normal Gramian reads nothing and keeps float32", () => {
  assert.deepEqual(decide([1, 0, 0, 4], [[1, 0], [0, 2]]), { redo: false, scans: [] });
});

Deno.test("float64Decision: a tiny G[t][t] reads task t for a non-zero value; all zero keeps float32", () => {
  assert.deepEqual(decide([0, 0, 0, 1], [[0, 0], [1, 0]]), { redo: false, scans: ["0:non-zero"] });
  const tiny = [1e-20, 0];
  assert.deepEqual(decide([0, 0, 0, 1], [tiny, [1, 0]]), { redo: true, scans: ["0:non-zero"] });
});

Deno.test("float64Decision: a non-finite G[t][t] reads task t; finite values overflowed: float64", () => {
  const big = [3e19, 0];
  assert.deepEqual(decide([Infinity, 0, 0, 1], [big, [1, 0]]), {
    redo: true,
    scans: ["0:non-finite"],
  });
  assert.throws(
    () => decide([1, NaN, NaN, NaN], [[1, 0], [0, NaN]]),
    new RangeError("Cannot run surgery: row 1 has a non-finite value at index 1: NaN"),
  );
});

Deno.test("gramNeedsFloat64: the decision over host rows names the task", () => {
  const rows = [new Float32Array([1, 2]), new Float32Array([Infinity, 0])];
  assert.throws(
    () => gramNeedsFloat64(rows, new Float64Array([5, Infinity, Infinity, Infinity]), "x"),
    new RangeError("Cannot x: task 1 has a non-finite value at index 0: Infinity"),
  );
  const tiny = [new Float32Array([1e-20, 0]), new Float32Array([1, 0])];
  assert.equal(gramNeedsFloat64(tiny, new Float64Array([0, 0, 0, 1]), "x"), true);
  assert.equal(gramNeedsFloat64(tiny, new Float64Array([1, 0, 0, 1]), "x"), false);
});
