// The shared definitions of a zero task and of Pareto-stationarity (methods/solvers/tolerances.ts):
// scale-invariant, consistent with each other and with the rank tolerance, at the documented edges.

import assert from "node:assert/strict";
import fc from "fast-check";
import { symmetricEigen } from "../../methods/solvers/linalg.ts";
import {
  directions,
  FLOAT32_EPSILON,
  isParetoStationary,
  minNormOfDirections,
  nonZeroTasks,
  rankTolerance,
  stationaryDirections,
  withZeroTasksCleared,
} from "../../methods/solvers/tolerances.ts";
import { gramOf, jacobianArb } from "./_gram.ts";

Deno.test("tolerances: scaling every gradient by 2^k changes no decision (within float range)", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 6), fc.integer({ min: -40, max: 60 }), (J, k) => {
      const G = gramOf(J);
      const T = J.length;
      const Gs = G.map((x) => x * 4 ** k); // gradients × 2^k
      const positive = Array.from({ length: T }, (_, t) => G[t * T + t]).filter((x) => x > 0);
      if (positive.some((x) => x * 4 ** k <= 1e-30)) return; // below the absolute floor: out of range
      assert.deepEqual(nonZeroTasks(Gs, T), nonZeroTasks(G, T));
      assert.equal(isParetoStationary(Gs, T), isParetoStationary(G, T));
      assert.deepEqual(directions(Gs, T).C, directions(G, T).C);
    }),
    { numRuns: 300 },
  );
});

Deno.test("tolerances: stationary directions are rank-deficient by the rank tolerance", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 6), (J) => {
      const { tasks, C } = directions(gramOf(J), J.length);
      const m = tasks.length;
      if (m === 0 || !stationaryDirections(C, m)) return;
      const { values } = symmetricEigen(C, m);
      assert.ok(values[m - 1] <= rankTolerance(values, m), `λ = ${values}`);
    }),
    { numRuns: 500 },
  );
});

Deno.test("tolerances: one non-zero task is never stationary; a zero task is left out of C", () => {
  const G = gramOf([[0, 0], [3, 4], [0, 0]]);
  const { tasks, norms, C } = directions(G, 3);
  assert.deepEqual(tasks, [1]);
  assert.deepEqual(Array.from(norms), [5]);
  assert.deepEqual(Array.from(C), [1]);
  assert.equal(stationaryDirections(C, 1), false);
  assert.equal(isParetoStationary(G, 3), true); // the zero task itself is a point of the hull
  assert.equal(isParetoStationary(gramOf([[3, 4]]), 1), false);
  assert.equal(isParetoStationary(gramOf([[0, 0]]), 1), true);
});

Deno.test("tolerances: a task is zero only below 1e-10 of the largest norm, at any scale", () => {
  assert.deepEqual(nonZeroTasks(gramOf([[1, 0], [0, 1e-6]]), 2), [0, 1]);
  assert.deepEqual(nonZeroTasks(gramOf([[1, 0], [0, 2e-10]]), 2), [0, 1]);
  assert.deepEqual(nonZeroTasks(gramOf([[1, 0], [0, 0.5e-10]]), 2), [0]);
  assert.deepEqual(nonZeroTasks(gramOf([[2e-15, 0], [0, 2e-15]]), 2), [0, 1]);
  assert.deepEqual(nonZeroTasks(gramOf([[1e-30, 0], [0, 1e-30]]), 2), [0, 1]);
  assert.deepEqual(nonZeroTasks(gramOf([[1e-30, 0], [0, 1e-41]]), 2), [0]);
  assert.deepEqual(nonZeroTasks(gramOf([[0, 0], [0, 0]]), 2), []);
});

Deno.test("tolerances: tasks of any non-zero scale ratio are judged by their directions", () => {
  for (const r of [1, 1e-3, 1e-6, 1e-9]) {
    // Orthogonal: min-norm point of the unit directions is 1/2 whatever r is.
    const { C } = directions(gramOf([[1, 0], [0, r]]), 2);
    assert.ok(Math.abs(minNormOfDirections(C, 2).sq - 0.5) < 1e-15, `r = ${r}`);
    assert.equal(isParetoStationary(gramOf([[1, 0], [0, r]]), 2), false);
    assert.equal(isParetoStationary(gramOf([[1, 0], [-r, 0]]), 2), true); // opposite
  }
});

Deno.test("tolerances: two tasks are stationary when 1 + cos φ ≤ 2ε_f32 (opposite to float32)", () => {
  // g1 = (1, 0), g2 = (−1, δ): min-norm² = (1 + cos φ)/2 ≈ δ²/4, the edge at δ = 2√ε_f32.
  const edge = 2 * Math.sqrt(FLOAT32_EPSILON);
  assert.equal(isParetoStationary(gramOf([[1, 0], [-1, 0.9 * edge]]), 2), true);
  assert.equal(isParetoStationary(gramOf([[1, 0], [-1, 1.1 * edge]]), 2), false);
  // Tasks summing to zero up to float32 rounding are stationary.
  const g1 = [0.1, 0.7].map(Math.fround);
  const g2 = [0.3, -0.2].map(Math.fround);
  const g3 = [Math.fround(-(g1[0] + g2[0])), Math.fround(-(g1[1] + g2[1]))];
  assert.equal(isParetoStationary(gramOf([g1, g2, g3]), 3), true);
});

Deno.test("tolerances: zero tasks weigh nothing (rows and columns of G cleared)", () => {
  const G = gramOf([[0, 0], [-1.401298464324817e-45, 0], [0, 0], [3.814697265625e-6, 0]]);
  const cleared = withZeroTasksCleared(G, 4);
  assert.deepEqual(Array.from(cleared), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, G[15]]);
  assert.equal(withZeroTasksCleared(gramOf([[1, 0], [0, 1e-6]]), 2).length, 4);
  const whole = gramOf([[1, 0], [0, 1e-6]]);
  assert.equal(withZeroTasksCleared(whole, 2), whole, "no zero task: G itself");
});
