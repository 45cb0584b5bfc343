// DB-MTL: the log-loss moving average against LibMTL's update recomputed in float64, the
// max-norm balance, β = 0 in Gram space against the d-space method, degenerate and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { dbMtlGramWeights, dbMtlTrack, dbMtlWeights } from "../../methods/db_mtl.ts";
import { combineRows, rowGram } from "../../methods/tracked_gradients.ts";
import { close, combine, jacobianArb, norm } from "./_gram.ts";

const f32 = (J: number[][]) => J.map((row) => Float32Array.from(row));

/** LibMTL's DB-MTL step in plain float64: buffer = g + β_k(buffer − g), α = max‖·‖/(‖·‖ + 1e-8). */
function reference(
  steps: { J: number[][]; L: number[] }[],
  beta: number,
  sigma: number,
): { buffer: number[][]; update: number[] } {
  let buffer = steps[0].J.map((row) => row.map(() => 0));
  steps.forEach(({ J, L }, k) => {
    const b = beta / (k + 1) ** sigma;
    const g = J.map((row, t) => row.map((x) => x / (L[t] + 1e-8)));
    buffer = g.map((row, t) => row.map((x, i) => x + b * (buffer[t][i] - x)));
  });
  const n = buffer.map(norm);
  const max = Math.max(...n);
  return { buffer, update: combine(buffer, n.map((x) => max / (x + 1e-8))) };
}

Deno.test("db-mtl: three steps match LibMTL's update (float64 recomputation, σ = 0 and 0.5)", () => {
  const steps = [
    { J: [[1, 2, -1], [0.5, -3, 2]], L: [2, 0.25] },
    { J: [[0.8, 2.5, -1], [0.4, -2, 1.5]], L: [1.5, 0.2] },
    { J: [[1.2, 1, 0], [0, -1, 1]], L: [1.2, 0.1] },
  ];
  for (const sigma of [0, 0.5]) {
    let rows: Float32Array[] | null = null;
    steps.forEach(({ J, L }, k) => {
      rows = dbMtlTrack(rows, f32(J), L, k + 1, { beta: 0.9, betaSigma: sigma });
    });
    const { buffer, update } = reference(steps, 0.9, sigma);
    rows!.forEach((row, t) => close(row, buffer[t], 1e-6 * norm(buffer[t]), `σ ${sigma} y_${t}`));
    const mine = combineRows(rows!, dbMtlWeights(rowGram(rows!), 2));
    close(mine, update, 1e-5 * norm(update), `σ = ${sigma}`);
  }
});

Deno.test("db-mtl: the first step keeps (1 − β)·g/(L + 1e-8); β_k = β/k^σ", () => {
  const first = dbMtlTrack(null, f32([[2, -4]]), [0.5], 1);
  close(first[0], [0.1 * 2 / (0.5 + 1e-8), -0.1 * 4 / (0.5 + 1e-8)], 1e-6);
  const y = f32([[1, 1]]);
  const next = dbMtlTrack(y, f32([[0, 0]]), [1], 4, { beta: 0.9, betaSigma: 0.5 });
  close(next[0], [0.45, 0.45], 1e-7); // β_4 = 0.9/2
});

Deno.test("db-mtl: every task contributes a vector as long as the longest", () => {
  fc.assert(
    fc.property(jacobianArb(1, 6, 8), (J) => {
      const rows = f32(J);
      const G = rowGram(rows);
      const w = dbMtlWeights(G, J.length);
      const T = J.length;
      const max = Math.max(...J.map((_, t) => Math.sqrt(G[t * T + t])));
      J.forEach((_, t) => {
        if (w[t] === 0) return; // zero task
        const n = Math.sqrt(G[t * T + t]);
        const len = w[t] * n; // max up to the reference's 1e-8 added to the norm
        assert.ok(Math.abs(len - max) <= max * (1e-8 / n + 1e-12), `task ${t}: ${len} vs ${max}`);
      });
      const u = combineRows(rows, w);
      assert.ok(norm(Array.from(u)) <= J.length * max * (1 + 1e-6));
    }),
  );
});

Deno.test("db-mtl β = 0: the Gram-space weights reproduce the d-space method", () => {
  fc.assert(
    fc.property(
      jacobianArb(1, 5, 8),
      fc.array(fc.constantFrom(0, 1e-3, 0.5, 2, 40), { minLength: 5, maxLength: 5 }),
      (J, allLosses) => {
        const T = J.length;
        const L = allLosses.slice(0, T);
        const rows = dbMtlTrack(null, f32(J), L, 1, { beta: 0 });
        const expected = combineRows(rows, dbMtlWeights(rowGram(rows), T));
        const w = dbMtlGramWeights(rowGram(f32(J)), T, L);
        const got = combine(J, w);
        // Rounding is relative to Σ_t ‖α_t y_t‖ = T·max‖y‖ (the terms may cancel).
        const G = rowGram(rows);
        const scale = T * Math.max(...rows.map((_, t) => Math.sqrt(G[t * T + t])));
        close(got, Array.from(expected), 1e-6 * scale);
      },
    ),
  );
});

Deno.test("db-mtl degenerate: zero task weighs 0, duplicated tasks weigh alike, T = 1 is finite", () => {
  close(dbMtlWeights(new Float64Array([0, 0, 0, 4]), 2), [0, 2 / (2 + 1e-8)], 1e-15);
  const dup = dbMtlWeights(new Float64Array([9, 9, 9, 9]), 2);
  assert.equal(dup[0], dup[1]);
  close(dbMtlWeights(new Float64Array([1e-30]), 1), [1e-15 / (1e-15 + 1e-8)], 1e-20);
  close(dbMtlWeights(new Float64Array(4), 2), [0, 0], 0);
});

Deno.test("db-mtl state: float32 rows survive a JSON round trip bitwise", () => {
  const rows = dbMtlTrack(null, f32([[0.1, 1 / 3], [-7e-5, 2]]), [0.3, 1.7], 1);
  const restored = (JSON.parse(JSON.stringify(rows.map((r) => Array.from(r)))) as number[][])
    .map((r) => Float32Array.from(r));
  restored.forEach((r, t) => assert.deepEqual(r, rows[t]));
});

Deno.test("db-mtl: bad options and inputs are RangeErrors naming the value", () => {
  const g = f32([[1, 2]]);
  const cases: [() => unknown, string][] = [
    [
      () => dbMtlTrack(null, g, [1], 1, { beta: 1.5 }),
      "beta must be a number in [0, 1], found 1.5",
    ],
    [() => dbMtlTrack(null, g, [1], 1, { betaSigma: -1 }), "betaSigma must be a finite number ≥ 0"],
    [() => dbMtlTrack(null, g, [1], 0), "step must be a whole number ≥ 1, found 0"],
    [() => dbMtlTrack(null, g, [-1], 1), "losses[0] must be a finite number ≥ 0, found -1"],
    [() => dbMtlTrack(null, g, [], 1), "DB-MTL needs the 1 task losses, found 0 losses"],
    [
      () => dbMtlTrack(f32([[1]]), g, [1], 1),
      "the tracked rows[0] must be a Float32Array of length 2",
    ],
    [() => dbMtlGramWeights(new Float64Array([1]), 1, [NaN]), "found NaN"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
