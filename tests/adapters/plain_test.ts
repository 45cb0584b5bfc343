// The plain API against the float64 vector-form oracle of Algorithm 1, and the properties the
// paper implies (Yu et al. 2020, Algorithm 1).

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery } from "../../mod.ts";
import { copyAll, gradsArb, ordersArb } from "../_arbitraries.ts";
import { dot, fixedOrders, nearZeroNorm, pcgradOracle, relativeError } from "../_oracle.ts";

const TOL = 1e-4;

Deno.test("pcgrad equals the float64 oracle for random gradients and random explicit orders", () => {
  fc.assert(
    fc.property(
      gradsArb(1, 32).chain((grads) => fc.tuple(fc.constant(grads), ordersArb(grads.length))),
      ([grads, order]) => {
        const got = surgery(grads, { order });
        const err = relativeError(got, pcgradOracle(grads, order), grads);
        assert.ok(err < TOL, `relative error ${err}`);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("pcgrad with the default random order equals the oracle run on the orders it reports", () => {
  fc.assert(
    fc.property(gradsArb(1, 32), fc.integer(), (grads, seed) => {
      const s = createSurgery({ seed });
      const got = s.surgery(grads);
      const err = relativeError(got, pcgradOracle(grads, s.stats!.orders), grads);
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 100 },
  );
});

Deno.test("no conflicts: pcgrad equals the plain sum", () => {
  fc.assert(
    fc.property(gradsArb(1, 16), (grads) => {
      const positive = grads.map((g) => g.map(Math.abs));
      const got = surgery(positive);
      const sum = surgery(positive, { method: "sum" });
      assert.deepEqual(got, sum);
    }),
    { numRuns: 100 },
  );
});

Deno.test("two tasks: the update never conflicts with either task", () => {
  fc.assert(
    fc.property(gradsArb(2, 2), (grads) => {
      const out = surgery(grads);
      for (const [t, g] of grads.entries()) {
        if (grads.some((_, j) => nearZeroNorm(grads, j))) continue; // documented zero guard
        // out's rounding error is float32 resolution of Σ‖g_t‖, hence this scale.
        const scale = Math.sqrt(dot(g, g)) * grads.reduce((a, h) => a + Math.sqrt(dot(h, h)), 0);
        assert.ok(dot(out, g) >= -1e-5 * scale, `out · g${t} = ${dot(out, g)}`);
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("positive scaling of every gradient scales the update", () => {
  fc.assert(
    fc.property(gradsArb(1, 16), fc.constantFrom(0.5, 2, 8, 1024), (grads, c) => {
      const out = surgery(grads, { seed: 3 });
      const scaled = surgery(grads.map((g) => g.map((x) => x * c)), { seed: 3 });
      const err = relativeError(
        scaled,
        out.map((x) => x * c),
        grads.map((g) => g.map((x) => x * c)),
      );
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 100 },
  );
});

Deno.test("exactly opposite gradients give ~0", () => {
  fc.assert(
    fc.property(gradsArb(1, 1, fc.integer({ min: 1, max: 300 })), ([g]) => {
      const out = surgery([g, g.map((x) => -x)]);
      const err = relativeError(out, new Float32Array(g.length), [g]);
      assert.ok(err < 1e-6, `|out| = ${err}`);
    }),
  );
});

Deno.test("explicit orders reproduce exactly, whatever the seed", () => {
  fc.assert(
    fc.property(
      gradsArb(1, 12).chain((grads) => fc.tuple(fc.constant(grads), ordersArb(grads.length))),
      fc.integer(),
      ([grads, order], seed) => {
        assert.deepEqual(surgery(grads, { order, seed }), surgery(grads, { order, seed: 0 }));
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("order 'fixed' is the ascending explicit order", () => {
  fc.assert(
    fc.property(gradsArb(1, 12), (grads) => {
      assert.deepEqual(
        surgery(grads, { order: "fixed" }),
        surgery(grads, { order: fixedOrders(grads.length) }),
      );
    }),
  );
});

Deno.test("the same seed gives bitwise-identical output; createSurgery streams reproduce too", () => {
  fc.assert(
    fc.property(gradsArb(3, 16), fc.integer(), (grads, seed) => {
      assert.deepEqual(surgery(grads, { seed }), surgery(grads, { seed }));
      const a = createSurgery({ seed });
      const b = createSurgery({ seed });
      for (let step = 0; step < 3; step++) assert.deepEqual(a.surgery(grads), b.surgery(grads));
      a.reset();
      const c = createSurgery({ seed });
      assert.deepEqual(a.surgery(grads), c.surgery(grads));
    }),
    { numRuns: 50 },
  );
});

Deno.test("createSurgery draws fresh orders each step", () => {
  const grads = Array.from({ length: 6 }, (_, t) => Float32Array.from([t - 2.5, 1, -t]));
  const s = createSurgery({ seed: 1 });
  s.surgery(grads);
  const first = JSON.stringify(s.stats!.orders);
  let changed = false;
  for (let step = 0; step < 5; step++) {
    s.surgery(grads);
    changed ||= JSON.stringify(s.stats!.orders) !== first;
  }
  assert.ok(changed, "orders never changed over 6 steps");
});

Deno.test("inputs are never mutated (also with out, variants and mean reduction)", () => {
  fc.assert(
    fc.property(
      gradsArb(1, 16),
      fc.constantFrom("full", "direction", "magnitude" as const),
      fc.constantFrom("sum", "mean" as const),
      (grads, variant, reduction) => {
        const before = copyAll(grads);
        surgery(grads, { variant, reduction });
        surgery(grads, { variant, reduction, out: new Float32Array(grads[0].length) });
        assert.deepEqual(grads, before);
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("out is filled and returned", () => {
  const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
  const out = new Float32Array(2).fill(NaN);
  assert.equal(surgery(grads, { out }), out);
  assert.deepEqual(Array.from(out), [0.5, 1.5]);
});

Deno.test("golden values (Algorithm 1 by hand and the three-parameter case)", () => {
  assert.deepEqual(
    Array.from(surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])])),
    [0.5, 1.5],
  );
  const out = surgery([new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])]);
  [0.5848, 3.8012, 3.8012].forEach((v, k) => assert.ok(Math.abs(out[k] - v) < 1e-4, `${out[k]}`));
});

Deno.test("two-task closed form: w1 = 1 − G12/G11, w2 = 1 − G12/G22 (Appendix A)", () => {
  fc.assert(
    fc.property(gradsArb(2, 2, fc.integer({ min: 1, max: 50 })), (grads) => {
      const s = createSurgery();
      s.surgery(grads);
      const [[g11, g12], [, g22]] = s.stats!.gramian;
      // A zero task (methods/solvers/tolerances.ts) weighs nothing: nobody projects on it, and
      // it is not projected either.
      const zero = Math.max(2 ** -252, 1e-20 * Math.max(g11, g22));
      const conflict = g12 < 0 && g11 > zero && g22 > zero;
      const want = [conflict ? 1 - g12 / g11 : 1, conflict ? 1 - g12 / g22 : 1];
      s.stats!.weights.forEach((w, t) => assert.ok(Math.abs(w - want[t]) <= 1e-12 * want[t]));
    }),
    { numRuns: 200 },
  );
});

Deno.test("T = 1 returns the gradient itself; length 0 returns an empty array", () => {
  const g = new Float32Array([3, -1, 2]);
  const out = surgery([g]);
  assert.deepEqual(out, g);
  assert.notEqual(out, g);
  assert.deepEqual(surgery([new Float32Array(0), new Float32Array(0)]), new Float32Array(0));
});

Deno.test("zero and tiny gradients never yield NaN", () => {
  const cases: Float32Array[][] = [
    [new Float32Array(5), new Float32Array(5)],
    [new Float32Array([1, -2, 3, 0, 1]), new Float32Array(5)],
    [new Float32Array([1, -2, 3, 0, 1]), new Float32Array([-1e-30, 1e-30, -1e-30, 0, 0])],
    [new Float32Array([1e-44, 0]), new Float32Array([-1e-44, 1e-45])],
    [new Float32Array([1e19, -1e19]), new Float32Array([-1e-19, 1e-20]), new Float32Array(2)],
  ];
  for (const grads of cases) {
    for (const variant of ["full", "direction", "magnitude"] as const) {
      const out = surgery(grads, { variant });
      assert.ok(out.every(Number.isFinite), `${variant}: ${out}`);
    }
  }
});

Deno.test("values whose float32 squares overflow still give the exact float64 answer", () => {
  const grads = [new Float32Array([3e19, 1]), new Float32Array([-3e19, 2e19])];
  const s = createSurgery();
  const out = s.surgery(grads);
  assert.ok(Number.isFinite(s.stats!.gramian[0][0]));
  const want = pcgradOracle(grads, fixedOrders(2));
  assert.ok(relativeError(out, want, grads) < 1e-6);
});
