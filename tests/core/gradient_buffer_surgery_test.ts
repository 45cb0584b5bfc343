// Surgery on gradient buffers (core/gradient_buffer.ts): `surgery` and `createSurgery().surgery`
// read the rows in place, and give what the same numbers staged from JS copies give, and the float64
// oracle, for every kind of `out`, lengths with a TypeScript tail and across the 16384-float chunks.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createGradientBuffer, createSurgery, surgery } from "../../mod.ts";
import { MAX_CHUNK_FLOATS } from "../../core/wasm.ts";
import { copyAll, gradsArb } from "../_arbitraries.ts";
import { fixedOrders, pcgradOracle } from "../_oracle.ts";
import { assertClose, eachCase, everyOut, readsInPlace, SAME, TOL } from "./_gradient_buffer.ts";

Deno.test("surgery: in place equals staged and the oracle, for no out, a JS out and the output row", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const order = fixedOrders(T);
    const want = pcgradOracle(copies, order);
    const staged = surgery(copies, { order });
    assertClose(staged, want, copies, TOL, `${label} staged vs oracle`);

    const results = everyOut(buffer, (out) => surgery(buffer.rows, { order, out }));
    const [[, fresh], [, jsOut]] = results;
    for (const [name, got] of results) {
      assertClose(got, want, copies, TOL, `${label} ${name} vs oracle`);
      assertClose(got, staged, copies, SAME, `${label} ${name} vs staged`);
    }
    // One path, three destinations: bitwise the same numbers.
    assert.deepEqual(jsOut, fresh, `${label}: JS out`);
    assert.deepEqual(buffer.output.slice(), fresh, `${label}: output row`);
  });
});

Deno.test("createSurgery().surgery: in place equals staged step by step; oracle on the orders drawn", () => {
  eachCase((buffer, T, d) => {
    const label = `T=${T} d=${d}`;
    const copies = copyAll(buffer.rows);
    const inPlace = createSurgery({ seed: T + d });
    const staged = createSurgery({ seed: T + d });
    const jsOut = new Float32Array(d);
    for (let step = 0; step < 3; step++) {
      // Alternate destinations: the output row, a JS array, a new array.
      const out = [buffer.output, jsOut, undefined][step];
      const got = inPlace.surgery(buffer.rows, { out });
      if (out !== undefined) assert.equal(got, out, `${label} step ${step}: returns out`);
      const ref = staged.surgery(copies);
      assert.deepEqual(inPlace.stats!.orders, staged.stats!.orders, `${label}: same orders`);
      assertClose(got, ref, copies, SAME, `${label} step ${step} vs staged`);
      const want = pcgradOracle(copies, inPlace.stats!.orders);
      assertClose(got, want, copies, TOL, `${label} step ${step} vs oracle`);
    }
  });
});

Deno.test("property: in-place surgery equals staged surgery and the oracle for random T, d, values", () => {
  const lengths = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 80 }) },
    { weight: 1, arbitrary: fc.constantFrom(2047, 2049, 4099, 9001, MAX_CHUNK_FLOATS + 3) },
  );
  fc.assert(
    fc.property(
      gradsArb(1, 10, lengths),
      fc.integer({ min: 0, max: 2 }),
      fc.integer(),
      fc.boolean(),
      (grads, extra, seed, intoOutput) => {
        const T = grads.length;
        const d = grads[0].length;
        const buffer = createGradientBuffer(T + extra, d);
        const rows = buffer.rows.slice(0, T);
        grads.forEach((g, t) => rows[t].set(g));
        assert.equal(readsInPlace(rows), true);
        const s = createSurgery({ seed });
        const got = s.surgery(rows, intoOutput ? { out: buffer.output } : undefined);
        const staged = surgery(grads, { seed });
        assertClose(got, staged, grads, SAME, "in place vs staged");
        assertClose(got, pcgradOracle(grads, s.stats!.orders), grads, TOL, "vs oracle");
        assert.deepEqual(rows, grads, "rows unchanged");
      },
    ),
    { numRuns: 60 },
  );
});
