// The simplex projection: feasibility, the optimality conditions, idempotence, hand cases.

import assert from "node:assert/strict";
import fc from "fast-check";
import { projectToSimplex } from "../../methods/solvers/simplex_projection.ts";
import { close } from "./_gram.ts";

Deno.test("simplex projection by hand", () => {
  close(projectToSimplex([0.5, 0.5]), [0.5, 0.5], 0);
  close(projectToSimplex([2, 0]), [1, 0], 0);
  close(projectToSimplex([1, 1, 1]), [1 / 3, 1 / 3, 1 / 3], 1e-16);
  close(projectToSimplex([0.8, 0.6, -3]), [0.6, 0.4, 0], 1e-15);
  close(projectToSimplex([-5]), [1], 0);
});

Deno.test("simplex projection: on Δ, satisfies the KKT conditions, and is idempotent", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 10 }),
      (v) => {
        const w = projectToSimplex(v);
        w.forEach((x) => assert.ok(x >= 0));
        const scale = Math.max(1, ...v.map(Math.abs));
        assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12 * scale);
        // v − w = θ on the support, v ≤ θ off it.
        const support = v.map((_, i) => i).filter((i) => w[i] > 0);
        const theta = v[support[0]] - w[support[0]];
        v.forEach((x, i) => {
          if (w[i] > 0) assert.ok(Math.abs(x - w[i] - theta) < 1e-12 * scale);
          else assert.ok(x <= theta + 1e-12 * scale);
        });
        close(projectToSimplex(w), w, 1e-15);
      },
    ),
  );
});

Deno.test("projectToSimplex: entries far beyond 2^53 (MoDo's step on gradients near 1e30)", () => {
  assert.deepEqual(Array.from(projectToSimplex([-1e57])), [1]);
  assert.deepEqual(Array.from(projectToSimplex([1e300, -1e300])), [1, 0]);
  assert.deepEqual(Array.from(projectToSimplex([-1e60, -1e60])), [0.5, 0.5]);
  // Entries more than 1 apart: all the weight on the largest, at any magnitude.
  assert.deepEqual(Array.from(projectToSimplex([1e20, 1e20 - 4e4])), [1, 0]);
});
