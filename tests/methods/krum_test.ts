// Krum / Multi-Krum: TorchJD's documented example, a hand-scored case, the honest cluster winning
// against far Byzantine rows (colluding or not), the weights' form, degenerate inputs and
// TorchJD's constraints as RangeErrors.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { krumScores, krumWeights } from "../../methods/krum.ts";
import { close, combine, gramOf } from "./_gram.ts";

const ACTION = "run surgery";
const weightsOf = (J: number[][], byzantine: number, selected = 1) =>
  krumWeights(gramOf(J), J.length, byzantine, selected, ACTION);

Deno.test("krum golden: TorchJD's Multi-Krum example (byzantine 1, selected 4) gives (1.25, 0.75, 1.5)", () => {
  const J = [[1, 1, 1], [1, 0, 1], [75, -666, 23], [1, 2, 3], [2, 0, 1]];
  const w = weightsOf(J, 1, 4);
  assert.deepEqual(Array.from(w), [0.25, 0.25, 0, 0.25, 0.25]);
  close(combine(J, w), [1.25, 0.75, 1.5], 1e-15);
});

Deno.test("krum by hand: points 0, 1, 3 on a line, byzantine 0 (one neighbour each)", () => {
  const J = [[0], [1], [3]];
  // Distances 1 (0–1), 3 (0–3), 2 (1–3): nearest-neighbour scores 1, 1, 2.
  assert.deepEqual(Array.from(krumScores(gramOf(J), 3, 1)), [1, 1, 2]);
  assert.deepEqual(Array.from(weightsOf(J, 0)), [1, 0, 0]); // the tie goes to the lower index
  assert.deepEqual(Array.from(weightsOf(J, 0, 2)), [0.5, 0.5, 0]);
  assert.deepEqual(Array.from(weightsOf(J, 0, 3)), [1 / 3, 1 / 3, 1 / 3]);
});

/** h honest rows within 1 of a centre and f Byzantine rows ≥ 1000 away, shuffled by `order`. */
const clusterArb = fc.record({
  h: fc.integer({ min: 3, max: 7 }),
  f: fc.integer({ min: 0, max: 4 }),
  d: fc.integer({ min: 1, max: 6 }),
  collude: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
}).filter(({ h, f }) => h >= f + 3);

function cluster(h: number, f: number, d: number, collude: boolean, seed: number) {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const centre = Array.from({ length: d }, () => next() * 20 - 10);
  const rows: { row: number[]; honest: boolean }[] = [];
  for (let i = 0; i < h; i++) {
    const dir = Array.from({ length: d }, () => next() - 0.5);
    const len = Math.hypot(...dir) || 1;
    const r = next();
    rows.push({ row: centre.map((c, k) => c + (r * dir[k]) / len), honest: true });
  }
  const far = centre.map((c) => c + 1e4);
  for (let i = 0; i < f; i++) {
    const row = collude ? far : centre.map((c) => c + 1e3 * (i + 2) * (next() < 0.5 ? -1 : 1));
    rows.push({ row: row.slice(), honest: false });
  }
  // Fisher–Yates with the same stream, so the Byzantine rows sit anywhere.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

Deno.test("krum: far Byzantine rows are never selected among byzantine + 3 or more honest rows", () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 1, max: 7 }), ({ h, f, d, collude, seed }, sel) => {
      const rows = cluster(h, f, d, collude, seed);
      const selected = Math.min(sel, h);
      const w = weightsOf(rows.map((r) => r.row), f, selected);
      rows.forEach((r, t) => {
        if (!r.honest) assert.equal(w[t], 0, `Byzantine row ${t} selected`);
      });
    }),
    { numRuns: 300 },
  );
});

Deno.test("krum: exactly `selected` tasks weigh 1/selected each, summing to 1", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 3, max: 8 }).chain((T) =>
        fc.tuple(
          fc.array(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 3, maxLength: 3 }), {
            minLength: T,
            maxLength: T,
          }),
          fc.integer({ min: 0, max: T - 3 }),
          fc.integer({ min: 1, max: T }),
        )
      ),
      ([J, byzantine, selected]) => {
        const w = weightsOf(J, byzantine, selected);
        const chosen = Array.from(w).filter((x) => x !== 0);
        assert.equal(chosen.length, selected);
        assert.ok(chosen.every((x) => x === 1 / selected));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("krum degenerate: zero tasks, duplicated tasks and the smallest T give finite weights", () => {
  // Duplicates are at distance 0 (whatever rounding gives for G_ii + G_jj − 2G_ij).
  const dup = weightsOf([[0.1, 0.7], [0.1, 0.7], [0.1, 0.7], [5, 5]], 1);
  assert.deepEqual(Array.from(dup), [1, 0, 0, 0]);
  const zeros = weightsOf([[0, 0], [0, 0], [0, 0]], 0, 2);
  assert.deepEqual(Array.from(zeros), [0.5, 0.5, 0]);
  const mixed = weightsOf([[0, 0], [1e-30, 0], [3, 4], [3, 4.5]], 1, 2);
  assert.ok(mixed.every(Number.isFinite));
  assert.equal(mixed.reduce((a, b) => a + b, 0), 1);
});

Deno.test("krum: TorchJD's constraints are RangeErrors naming the option and the value", () => {
  const G = gramOf([[1], [2], [3], [4]]);
  const fails = (byzantine: number, selected: number, message: string) =>
    assert.throws(
      () => krumWeights(G, 4, byzantine, selected, ACTION),
      (e: Error) => e instanceof RangeError && e.message === `Cannot run surgery: ${message}`,
    );
  fails(-1, 1, "byzantine must be a whole number ≥ 0, found -1");
  fails(0.5, 1, "byzantine must be a whole number ≥ 0, found 0.5");
  fails(NaN, 1, "byzantine must be a whole number ≥ 0, found NaN");
  fails(0, 0, "selected must be a whole number ≥ 1, found 0");
  fails(0, 1.5, "selected must be a whole number ≥ 1, found 1.5");
  fails(2, 1, "krum needs at least byzantine + 3 = 5 tasks, found 4");
  fails(0, 5, "selected must be at most the number of tasks 4, found 5");
  assert.throws(() => krumWeights(new Float64Array([1]), 1, 0, 1, ACTION), RangeError);
});

Deno.test("krum: the Gramian is not mutated", () => {
  const G = gramOf([[1, 2], [3, -1], [0, 1], [2, 2]]);
  const before = G.slice();
  krumWeights(G, 4, 1, 2, ACTION);
  assert.deepEqual(G, before);
});

// Through the public API.

const f32 = (J: number[][]) => J.map((g) => Float32Array.from(g));
const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
};

Deno.test("krum public API: TorchJD's Multi-Krum example through surgery() and surgeryWeights()", () => {
  const J = [[1, 1, 1], [1, 0, 1], [75, -666, 23], [1, 2, 3], [2, 0, 1]];
  assert.deepEqual(
    Array.from(surgery(f32(J), { method: "krum", byzantine: 1, selected: 4 })),
    [1.25, 0.75, 1.5],
  );
  assert.deepEqual(
    Array.from(surgeryWeights(gramOf(J), { method: "krum", byzantine: 1, selected: 4 }).weights),
    [0.25, 0.25, 0, 0.25, 0.25],
  );
  // selected 1 (the default): Krum itself, the one best-scored gradient.
  const s = createSurgery({ method: "krum", byzantine: 1 });
  const one = s.surgery(f32(J));
  assert.ok(J.some((g) => g.every((x, k) => x === one[k])), `${one}`);
  assert.equal(s.stats!.weights.filter((w) => w === 1).length, 1);
});

Deno.test("krum public API: option errors name the option, the method and the value", () => {
  const g = f32([[1, 0], [0, 1], [1, 1], [2, 2]]);
  const cases: [Record<string, unknown>, ErrorConstructor, string][] = [
    [
      { method: "krum" },
      TypeError,
      'Cannot run surgery: method "krum" needs option byzantine (a whole number ≥ 0), found undefined',
    ],
    [
      { method: "krum", byzantine: -1 },
      RangeError,
      "Cannot run surgery: byzantine must be a whole number ≥ 0, found number -1",
    ],
    [
      { method: "krum", byzantine: 0.5 },
      RangeError,
      "Cannot run surgery: byzantine must be a whole number ≥ 0, found number 0.5",
    ],
    [
      { method: "krum", byzantine: 0, selected: 0 },
      RangeError,
      "Cannot run surgery: selected must be a whole number ≥ 1, found number 0",
    ],
    [
      { method: "krum", byzantine: 2 },
      RangeError,
      "Cannot run surgery: krum needs at least byzantine + 3 = 5 tasks, found 4",
    ],
    [
      { method: "krum", byzantine: 0, selected: 5 },
      RangeError,
      "Cannot run surgery: selected must be at most the number of tasks 4, found 5",
    ],
    [
      { method: "mean", byzantine: 1 },
      RangeError,
      'Cannot run surgery: option byzantine applies to method "krum", found method "mean"',
    ],
    [
      { method: "mean", selected: 1 },
      RangeError,
      'Cannot run surgery: option selected applies to method "krum", found method "mean"',
    ],
  ];
  for (const [options, type, message] of cases) {
    const e = errorOf(() => surgery(g, options));
    assert.ok(e instanceof type, `${JSON.stringify(options)}: ${e}`);
    assert.equal(e.message, message);
  }
});
