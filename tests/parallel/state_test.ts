// Checkpoints of the parallel surgery: getState → JSON → a fresh parallel surgery's setState, and
// the following updates are bitwise those of the uninterrupted run (for a thread count), on the
// threads and on the calling thread alike. Its state is createSurgery's: the same seed draws the
// same stream of orders in both, and a state moves from one to the other.
import assert from "node:assert/strict";
import { createSurgery, type Method, type WeightOptions } from "../../mod.ts";
import { makeGrads } from "../../bench/inputs.ts";
import { d, T } from "./_fixtures.ts";
import { withParallel } from "./_with_parallel.ts";

/** Step k's gradients: the base rows rotated by k tasks and scaled, so each step differs. */
function stepGrads(base: readonly Float32Array[], k: number): Float32Array[] {
  return base.map((_, t) => base[(t + k) % base.length].map((x) => x * (1 + 0.25 * k)));
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

const RUNS: [Method, WeightOptions][] = [
  ["pcgrad", {}],
  ["gradvac", { beta: 0.3 }],
  ["nash-mtl", { updateEvery: 2 }],
];

for (const [method, options] of RUNS) {
  for (const [threads, length] of [[2, d], [2, 64], [1, d]]) {
    Deno.test(`parallel ${method}, ${threads} threads, d = ${length}: resumed from JSON, the same bits`, async () => {
      const base = makeGrads(T, length);
      const steps = 6;
      const at = 3;
      const whole: Float32Array[] = [];
      let checkpoint = "";
      await withParallel({ threads, method, seed: 5, ...options }, async (p) => {
        for (let k = 0; k < steps; k++) {
          if (k === at) checkpoint = JSON.stringify(p.getState());
          whole.push((await p.surgery(stepGrads(base, k))).slice());
        }
      });
      await withParallel({ threads, method, seed: 999, ...options }, async (p) => {
        p.setState(checkpoint);
        for (let k = at; k < steps; k++) {
          const update = await p.surgery(stepGrads(base, k));
          assert.deepEqual(bits(update), bits(whole[k]), `step ${k}`);
        }
      });
    });
  }
}

Deno.test("parallel and createSurgery: the same seed draws the same orders, and states move across", async () => {
  const base = makeGrads(T, d);
  const single = createSurgery({ seed: 21 });
  await withParallel({ threads: 2, seed: 21 }, async (p) => {
    for (let k = 0; k < 3; k++) {
      await p.surgery(stepGrads(base, k));
      single.surgery(stepGrads(base, k));
      assert.deepEqual(p.stats!.orders, single.stats!.orders, `step ${k}`);
      assert.deepEqual(p.getState(), single.getState(), `state after step ${k}`);
    }
    // A state saved by one object continues in the other.
    const saved = JSON.stringify(single.getState());
    single.surgery(stepGrads(base, 3));
    p.setState(saved);
    await p.surgery(stepGrads(base, 3));
    assert.deepEqual(p.stats!.orders, single.stats!.orders);
    p.setState(single.getState());
    await p.surgery(stepGrads(base, 4));
    single.surgery(stepGrads(base, 4));
    assert.deepEqual(p.stats!.orders, single.stats!.orders);
  });
});

Deno.test("parallel setState: a bad state fails with createSurgery's message and changes nothing", async () => {
  await withParallel({ threads: 2, method: "nash-mtl", seed: 2 }, async (p) => {
    await p.surgery(makeGrads(T, d));
    const before = p.getState();
    assert.ok("nash-mtl" in before.methods);
    assert.throws(
      () => p.setState("{not json"),
      /Cannot restore the surgery state: the state is not JSON/,
    );
    assert.throws(
      () => p.setState({ ...before, methods: { pcgrad: {} } }),
      /Cannot restore the surgery state: method "pcgrad" keeps no state, found an entry for it/,
    );
    assert.throws(
      () => p.setState({ ...before, rng: [1, 2, 3] }),
      /expected four 32-bit unsigned integers/,
    );
    assert.deepEqual(p.getState(), before);
  });
});
