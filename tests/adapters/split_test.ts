// The split phase (partial Grams summed, weights once, combine per block) against one-shot calls.

import assert from "node:assert/strict";
import fc from "fast-check";
import { accumulateGram, combineBlock, createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { gradsArb } from "../_arbitraries.ts";
import { relativeError } from "../_oracle.ts";

Deno.test("any split into shards gives the one-shot update within float tolerance", () => {
  fc.assert(
    fc.property(
      gradsArb(1, 16),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
      fc.integer(),
      (grads, cutFractions, seed) => {
        const d = grads[0].length;
        const cuts = [0, ...cutFractions.map((f) => Math.floor(f * d)).sort((a, b) => a - b), d];
        const shards = cuts.slice(1).map((end, s) => grads.map((g) => g.subarray(cuts[s], end)));
        // Each shard's partial Gram, then an "all-reduce": the sum.
        const partials = shards.map((shard) => accumulateGram(shard));
        const gram = partials.reduce((a, b) => a.map((x, k) => x + b[k]));
        const { weights, stats } = surgeryWeights(gram, { seed });
        const out = new Float32Array(d);
        shards.forEach((shard, s) =>
          combineBlock(shard, weights, out.subarray(cuts[s], cuts[s + 1]))
        );
        const s = createSurgery({ seed });
        const whole = s.surgery(grads);
        assert.ok(relativeError(out, whole, grads) < 1e-5);
        assert.deepEqual(stats.orders, s.stats!.orders);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("createSurgery().weights streams like .surgery", () => {
  const grads = Array.from({ length: 5 }, (_, t) => Float32Array.from([t - 2, 1, (t * 7) % 3 - 1]));
  const a = createSurgery({ seed: 9 });
  const b = createSurgery({ seed: 9 });
  for (let step = 0; step < 4; step++) {
    const w = a.weights(accumulateGram(grads));
    const out = combineBlock(grads, w);
    assert.deepEqual(out, b.surgery(grads));
    assert.deepEqual(a.stats!.orders, b.stats!.orders);
  }
});

Deno.test("accumulateGram adds into a given Gram and returns it", () => {
  const grads = [new Float32Array([1, 2]), new Float32Array([3, -1])];
  const gram = new Float64Array(4);
  assert.equal(accumulateGram(grads, gram), gram);
  accumulateGram(grads, gram);
  assert.deepEqual(Array.from(gram), [10, 2, 2, 20]);
});

Deno.test("surgery(grads) equals combineBlock(grads, surgeryWeights(accumulateGram(grads)))", () => {
  fc.assert(
    fc.property(gradsArb(1, 16), fc.integer(), (grads, seed) => {
      const { weights } = surgeryWeights(accumulateGram(grads), { seed });
      assert.deepEqual(combineBlock(grads, weights), surgery(grads, { seed }));
    }),
    { numRuns: 50 },
  );
});
