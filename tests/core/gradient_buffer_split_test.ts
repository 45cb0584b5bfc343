// The split phase on gradient buffers (core/gradient_buffer.ts): `accumulateGram` and `combineBlock`
// read the rows in place and equal the staged copies and the float64 oracles.

import assert from "node:assert/strict";
import { accumulateGram, combineBlock } from "../../mod.ts";
import { copyAll } from "../_arbitraries.ts";
import {
  assertCombineClose,
  assertGramClose,
  combineOracle,
  eachCase,
  everyOut,
  gramOracle,
  someWeights,
} from "./_gradient_buffer.ts";

Deno.test("accumulateGram: in place equals staged and the float64 Gram, and adds into a given one", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const want = gramOracle(copies);
    const got = accumulateGram(buffer.rows);
    assertGramClose(got, want, T, `${label} vs oracle`);
    assertGramClose(got, accumulateGram(copies), T, `${label} vs staged`);
    const given = Float64Array.from(got);
    assert.equal(accumulateGram(buffer.rows, given), given, `${label}: returns the given gram`);
    given.forEach((x, k) => assert.ok(Math.abs(x - 2 * got[k]) <= 1e-12 * Math.abs(x), label));
  });
});

Deno.test("combineBlock: in place equals staged and the float64 sum, for every kind of out", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const w = someWeights(T, T * d);
    const want = combineOracle(copies, w);
    const staged = combineBlock(copies, w);
    const results = everyOut(buffer, (out) => combineBlock(buffer.rows, w, out));
    const [[, fresh], [, jsOut]] = results;
    for (const [name, got] of results) {
      assertCombineClose(got, want, copies, w, `${label} ${name} vs oracle`);
      assertCombineClose(got, staged, copies, w, `${label} ${name} vs staged`);
    }
    // Weights as a Float64Array too (what surgeryWeights returns).
    assert.deepEqual(combineBlock(buffer.rows, Float64Array.from(w)), fresh, label);
    assert.deepEqual(jsOut, fresh, `${label}: JS out`);
    assert.deepEqual(buffer.output.slice(), fresh, `${label}: output row`);
  });
});
