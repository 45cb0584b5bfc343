// ConFIG: TorchJD's documented example, hand-derived cases, the equal-cosine (conflict-free)
// property, the length bound, scale invariance, and the degenerate Gramians.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery, surgeryWeights } from "../../mod.ts";
import { configWeights } from "../../methods/config.ts";
import { solve, symmetricEigen } from "../../methods/solvers/linalg.ts";
import { close, combine, dot, gramOf, hasZeroRow, jacobianArb, norm, scaleOf } from "./_gram.ts";

const ACTION = "run surgery";
const weightsOf = (J: number[][], preference?: number[]) =>
  configWeights(gramOf(J), J.length, preference, ACTION);

/** Whether the unit vectors of the rows are linearly independent, well above rounding. */
function independentDirections(J: number[][]): boolean {
  if (hasZeroRow(J)) return false;
  const units = J.map((g) => g.map((x) => x / norm(g)));
  const { values } = symmetricEigen(gramOf(units), J.length);
  return values[J.length - 1] > 1e-6 * values[0];
}

Deno.test("config golden: TorchJD's example J = [[−4, 1, 1], [6, 1, 1]] gives (0.1588, 2.0706, 2.0706)", () => {
  const J = [[-4, 1, 1], [6, 1, 1]];
  close(combine(J, weightsOf(J)), [0.1588, 2.0706, 2.0706], 1e-4);
});

Deno.test("config by hand: orthogonal tasks (1, 0) and (0, 2), preference 1 and (2, 1)", () => {
  // b = e1 + e2, û = (1, 1)/√2, length (1 + 2)/√2: update (1.5, 1.5) = 1.5·g1 + 0.75·g2.
  close(weightsOf([[1, 0], [0, 2]]), [1.5, 0.75], 1e-15);
  // b = (2, 1), û = (2, 1)/√5, length (2 + 2)/√5: update (1.6, 0.8) = 1.6·g1 + 0.4·g2.
  close(weightsOf([[1, 0], [0, 2]], [2, 1]), [1.6, 0.4], 1e-15);
  // Only the preference's direction matters: a tiny one must not underflow to a zero update.
  close(weightsOf([[1, 0], [0, 2]], [2e-300, 1e-300]), [1.6, 0.4], 1e-15);
  close(weightsOf([[-1], [1], [1]], [0, 0, 1e-161]), [-1 / 3, 1 / 3, 1 / 3], 1e-15);
});

Deno.test("config: with independent directions, each task's cosine with the update is ∝ its preference", () => {
  fc.assert(
    fc.property(
      jacobianArb(1, 6, 10),
      fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: 6, maxLength: 6 }),
      (J, prefs) => {
        if (!independentDirections(J)) return;
        const p = prefs.slice(0, J.length);
        const update = combine(J, weightsOf(J, p));
        const length = norm(update);
        assert.ok(length > 0);
        const cosines = J.map((g) => dot(g, update) / (norm(g) * length));
        // u_t·û = p_t/‖b‖: the ratio cos_t/p_t is the same for every task, and positive.
        const ratio = cosines[0] / p[0];
        assert.ok(ratio > 0, `cos_0 = ${cosines[0]}`);
        cosines.forEach((c, t) => {
          assert.ok(
            Math.abs(c / p[t] - ratio) <= 1e-6 * ratio,
            `task ${t}: ${c / p[t]} vs ${ratio}`,
          );
        });
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("config: more tasks than dimensions (C singular) matches U⁺p computed in parameter space", () => {
  // With U of full column rank d < T, U⁺ = (UᵀU)⁻¹Uᵀ: an independent route to b, on the d side.
  fc.assert(
    fc.property(
      jacobianArb(2, 6, 3),
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 6, maxLength: 6 }),
      (J, prefs) => {
        const T = J.length;
        const d = J[0].length;
        if (T <= d || hasZeroRow(J)) return;
        const p = prefs.slice(0, T);
        // b's scale does not matter; a largest entry of 1 keeps ‖b‖ clear of underflow.
        const pMax = Math.max(...p.map(Math.abs));
        if (pMax === 0) return;
        const q = p.map((x) => x / pMax);
        const U = J.map((g) => g.map((x) => x / norm(g)));
        const UtU = new Float64Array(d * d);
        const Utp = new Array<number>(d).fill(0);
        U.forEach((u, t) => {
          u.forEach((x, a) => {
            Utp[a] += x * q[t];
            u.forEach((y, b) => (UtU[a * d + b] += x * y));
          });
        });
        const { values } = symmetricEigen(UtU, d);
        if (!(values[d - 1] > 1e-3 * values[0])) return;
        const b = Array.from(solve(UtU, d, Utp)!);
        const nb = norm(b);
        // A preference whose projection Ub = Pq is within float32 resolution of orthogonal to
        // every direction (‖Pq‖² ≤ T·ε_f32·‖q‖², documented in methods/config.ts) gives a zero
        // update; within a factor 2 of that cutoff either answer is right, so those draws are left.
        const projected = U.reduce((sum, u) => sum + dot(u, b) ** 2, 0);
        if (!(projected > 2 * T * 2 ** -23 * dot(q, q))) return;
        const unit = b.map((x) => x / nb);
        const length = J.reduce((s, g) => s + dot(g, unit), 0);
        const expected = unit.map((x) => length * x);
        close(combine(J, weightsOf(J, p)), expected, 1e-8 * scaleOf(J), "update");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("config: the default preference conflicts with no task when the directions are independent", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 10), (J) => {
      if (!independentDirections(J)) return;
      const update = combine(J, weightsOf(J));
      J.forEach((g, t) => {
        const p = dot(g, update);
        assert.ok(p >= -1e-9 * norm(g) * norm(update), `task ${t}: g·update = ${p}`);
      });
    }),
    { numRuns: 200 },
  );
});

Deno.test("config: ‖update‖ ≤ Σ_t ‖g_t‖ and finite weights, for every Jacobian and preference", () => {
  fc.assert(
    fc.property(
      jacobianArb(1, 7, 6),
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 7, maxLength: 7 }),
      (J, prefs) => {
        const w = weightsOf(J, prefs.slice(0, J.length));
        assert.ok(w.every(Number.isFinite), `w = ${w}`);
        const bound = scaleOf(J);
        assert.ok(norm(combine(J, w)) <= bound * (1 + 1e-9), `${norm(combine(J, w))} > ${bound}`);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("config: scaling every gradient by s leaves the weights unchanged", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 8), fc.constantFrom(1e-3, 0.5, 7, 1e3), (J, s) => {
      const T = J.length;
      const G = gramOf(J);
      const a = configWeights(G, T, undefined, ACTION);
      const b = configWeights(G.map((x) => x * s * s), T, undefined, ACTION);
      const size = a.reduce((m, x) => Math.max(m, Math.abs(x)), 1);
      close(b, a, 1e-7 * size, "scaled");
    }),
    { numRuns: 200 },
  );
});

Deno.test("config degenerate: one task gives w = 1 for any non-zero preference, 0 for preference 0", () => {
  assert.deepEqual(Array.from(weightsOf([[3, -4]])), [1]);
  close(weightsOf([[3, -4]], [-2]), [1], 1e-15);
  assert.deepEqual(Array.from(weightsOf([[3, -4]], [0])), [0]);
});

Deno.test("config degenerate: zero tasks get weight 0, all-zero gradients give a zero update", () => {
  assert.deepEqual(Array.from(weightsOf([[0, 0], [0, 0]])), [0, 0]);
  const w = weightsOf([[1, 0], [0, 0], [0, 2]]);
  close(w, [1.5, 0, 0.75], 1e-15); // the orthogonal pair above, with a zero task between
});

Deno.test("config degenerate: duplicated tasks sum, opposite tasks and a preference ⊥ them give 0", () => {
  // U = [u; u]: b = u, length 2‖g‖, update 2g.
  close(weightsOf([[1, 2, 2], [1, 2, 2]]), [1, 1], 1e-12);
  // Preference (1, −1) is orthogonal to every direction of C = [[1, 1], [1, 1]]: b = 0.
  assert.deepEqual(Array.from(weightsOf([[1, 2, 2], [1, 2, 2]], [1, -1])), [0, 0]);
  // g and −g: U⁺(1, 1) = (u − u)/2 = 0, as TorchJD.
  assert.deepEqual(Array.from(weightsOf([[1, 2, 2], [-1, -2, -2]])), [0, 0]);
  // Three tasks in a plane (rank 2 of 3): finite, no longer than the sum of the norms.
  const J = [[1, 0], [0, 1], [1, 1]];
  const w = weightsOf(J);
  assert.ok(w.every(Number.isFinite));
  assert.ok(norm(combine(J, w)) <= scaleOf(J));
});

Deno.test("config: a preference of the wrong length or with a non-finite entry is a RangeError", () => {
  const G = gramOf([[1, 0], [0, 1]]);
  assert.throws(
    () => configWeights(G, 2, [1, 2, 3], ACTION),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot run surgery: preference has 3 entries, expected 2 (one per task)",
  );
  assert.throws(
    () => configWeights(G, 2, [1, NaN], ACTION),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot run surgery: preference[1] must be a finite number, found NaN",
  );
  assert.throws(() => configWeights(G, 2, [Infinity, 1], ACTION), RangeError);
});

Deno.test("config: the Gramian and the preference are not mutated", () => {
  const G = gramOf([[1, 2], [3, -1], [0, 1]]);
  const before = G.slice();
  const p = [1, 2, 3];
  configWeights(G, 3, p, ACTION);
  assert.deepEqual(G, before);
  assert.deepEqual(p, [1, 2, 3]);
});

// Through the public API.

Deno.test("config public API: TorchJD's example through surgery(); the preference's scale does not matter", () => {
  const grads = [new Float32Array([-4, 1, 1]), new Float32Array([6, 1, 1])];
  close(Array.from(surgery(grads, { method: "config" })), [0.1588, 2.0706, 2.0706], 1e-4);
  const w = surgeryWeights(gramOf([[1, 0], [0, 2]]), { method: "config", preference: [2, 1] });
  close(Array.from(w.weights), [1.6, 0.4], 1e-15);
  const scaled = surgeryWeights(gramOf([[1, 0], [0, 2]]), {
    method: "config",
    preference: [0.2, 0.1],
  });
  close(Array.from(scaled.weights), [1.6, 0.4], 1e-15);
});

Deno.test("config public API: option errors name the option and the value", () => {
  const g = [new Float32Array([1, 0]), new Float32Array([0, 1])];
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { method: "config", preference: [1] },
      "RangeError",
      "Cannot run surgery: preference has 1 entries, expected 2 (one per task)",
    ],
    [
      { method: "config", preference: [1, Infinity] },
      "RangeError",
      "Cannot run surgery: preference[1] must be a finite number, found number Infinity",
    ],
    [
      { method: "mgda", preference: [1, 1] },
      "RangeError",
      'Cannot run surgery: option preference applies to method "upgrad" or "dualproj" or "aligned-mtl" or "config", found method "mgda"',
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => surgery(g, options), { name, message }, JSON.stringify(options));
  }
});
