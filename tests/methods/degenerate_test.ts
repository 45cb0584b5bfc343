// Degenerate Gramians for every method: tasks summing to zero, 1e-6 scale ratios, T > d, zero
// tasks, duplicated and exactly opposite tasks, every scale from 1e-30 to 1e30. Through the public
// `surgery` API, each method's update must be finite and within the bound its doc comment states
// (a multiple of Σ_t ‖g_t‖, or of maxNorm for the scale-free Nash-MTL). Every registered method is
// checked with its default options against the bound its definition claims (methods/registry.ts),
// so a new method gets every case below by registering; MORE adds other configurations.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createSurgery,
  type Method,
  METHODS,
  type Surgery,
  type SurgeryOptions,
} from "../../mod.ts";
import { ownOptions, resolveOptions } from "../../methods/options.ts";
import { registry } from "../../methods/registry.ts";
import { extraInputs } from "./_vector_inputs.ts";

const EPS32 = 2 ** -23;

type Grads = Float32Array[];

const norm = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
};
const norms = (grads: Grads): number[] => grads.map(norm);
const sumNorms = (grads: Grads): number => norms(grads).reduce((a, b) => a + b, 0);
const maxNorm = (grads: Grads): number => Math.max(0, ...norms(grads));
const rootSumSq = (grads: Grads): number => Math.sqrt(norms(grads).reduce((a, n) => a + n * n, 0));

/** One configuration of a method and the bound on ‖update‖ its doc comment states. */
interface Entry {
  options: SurgeryOptions;
  /**
   * Required options for T tasks (the claims' testOptions), null where the method cannot run on T
   * tasks (such cases are skipped); default none.
   */
  given?: (T: number) => Readonly<Record<string, unknown>> | null;
  bound: (grads: Grads) => number;
  /** The update does not scale with the gradients (Nash-MTL): equal, not proportional. */
  scaleFree?: boolean;
  /** The bound once the method's state has seen other steps (default: `bound`). */
  boundWithState?: (grads: Grads) => number;
  /**
   * Why scaling the gradients does not scale the update, where it does not (LibMTL's constants
   * added to norms and losses): the scaling test then checks each scale alone.
   */
  notHomogeneous?: string;
}

/** The configuration every method is checked in: its defaults, against its claimed bound. */
function defaultEntry(method: Method): Entry {
  const definition = registry[method];
  const { normBound, scaleFree, testOptions } = definition.claims;
  if (normBound === undefined) throw new Error(`${method} claims no norm bound`);
  const given = (T: number) => testOptions === undefined ? {} : testOptions(T);
  const optionsFor = (T: number) =>
    ownOptions(definition, resolveOptions({ method, ...given(T) }, "test"));
  return {
    options: { method },
    given,
    bound: (grads) => normBound(norms(grads), optionsFor(grads.length)),
    scaleFree,
    boundWithState: STATEFUL[method],
    notHomogeneous: NOT_HOMOGENEOUS[method],
  };
}

/** The options of one run of `entry` on T tasks, null where it cannot run on T tasks. */
function optionsFor(entry: Entry, T: number): SurgeryOptions | null {
  const given = entry.given === undefined ? {} : entry.given(T);
  return given === null ? null : { ...entry.options, ...given } as SurgeryOptions;
}

/** The methods whose update is not homogeneous in the gradients, and why. */
const NOT_HOMOGENEOUS: Partial<Record<Method, string>> = {
  "db-mtl": "α_t = max‖y‖/(‖y_t‖ + 1e-8): the 1e-8 matters for gradients near 2^-24",
  moco: "ĝ_t = L_t g_t/(‖g_t‖ + 1e-8): the 1e-8 matters for gradients near 2^-24",
  sdmgrad: "A = J_ξ J_ξ′ᵀ/(s² + 1e-8): the 1e-8 matters for gradients near 2^-24",
  modo: "λ − γ(J_0 J_1ᵀ λ + ρλ): the step grows with the square of the gradients",
};

/**
 * The bound once the method's state has seen other steps, where it differs: GradVac's fresh state
 * (target cosines 0) makes PCGrad's projections; later each correction lengthens g_i^PC by less
 * than 1/(2√ε_f32).
 */
const STATEFUL: Partial<Record<Method, (grads: Grads) => number>> = {
  gradvac: (g) => sumNorms(g) * (1 / (2 * Math.sqrt(EPS32))) ** (g.length - 1),
  "db-mtl": dbMtlHistoryBound(),
};

/**
 * DB-MTL's bound over a run with unit losses: each moving average y_t is a convex combination of 0
 * and past g_t/(1 + 1e-8), so ‖update‖ ≤ T·max‖y‖ ≤ T times the largest norm seen so far (the
 * one run the stateful test makes).
 */
function dbMtlHistoryBound(): (grads: Grads) => number {
  let seen = 0;
  return (g) => {
    seen = Math.max(seen, maxNorm(g));
    return g.length * seen;
  };
}

/** Other configurations, with the bound each one's doc comment states. */
const MORE: Entry[] = [
  { options: { method: "mgda", normalization: "l2" }, bound: maxNorm },
  // d in the ball ‖d − g0‖ ≤ c‖g0‖, then divided by the rescale.
  { options: { method: "cagrad", c: 10, rescale: "1+c" }, bound: (g) => sumNorms(g) / g.length },
  // ‖Jᵀα‖ = √m before the clip to maxNorm, whatever the scale of the gradients.
  {
    options: { method: "nash-mtl", maxNorm: Infinity },
    bound: (g) => Math.sqrt(g.length),
    scaleFree: true,
  },
  // JᵀB has singular values √λ_scale ≤ √tr G; preference 1 per task.
  {
    options: { method: "aligned-mtl", scaleMode: "rmse" },
    bound: (g) => Math.sqrt(g.length) * rootSumSq(g),
  },
  // ‖Jᵀv*‖² ≤ ‖Jᵀu‖² (u = 1/T is feasible) without the ridge.
  { options: { method: "upgrad", regularization: 0 }, bound: (g) => sumNorms(g) / g.length },
];

/** Every configuration: each method's defaults, then the others. */
const ENTRIES: Entry[] = [...METHODS.map(defaultEntry), ...MORE];

const f32 = (rows: readonly (readonly number[])[]): Grads => rows.map((r) => Float32Array.from(r));

/** −Σ of the given float32 rows, rounded to float32 (the sum is zero only up to that rounding). */
function negatedSum(rows: Grads): Float32Array {
  const out = new Float32Array(rows[0].length);
  for (const r of rows) for (let k = 0; k < out.length; k++) out[k] -= r[k];
  return out;
}

/** A reproducible row of length d with entries in [−1, 1] (not random: a fixed formula). */
const row = (d: number, seed: number): number[] =>
  Array.from({ length: d }, (_, k) => Math.sin(seed * 12.9898 + k * 78.233) * 0.9 + 0.05);

/** The degenerate cases (d = 64 rows go through the float32 WASM Gram kernel, the rest float64). */
const CASES: Record<string, Grads> = {
  "tasks summing to zero (g3 = fl32(−(g1 + g2)))": (() => {
    const g = f32([[0.1, 0.7], [0.3, -0.2]]);
    return [...g, negatedSum(g)];
  })(),
  "four tasks summing to zero, d = 5": (() => {
    const g = f32([row(5, 1), row(5, 2), row(5, 3)]);
    return [...g, negatedSum(g)];
  })(),
  "three tasks summing to zero, d = 64": (() => {
    const g = f32([row(64, 4), row(64, 5)]);
    return [...g, negatedSum(g)];
  })(),
  "orthogonal tasks with a 1e-6 scale ratio": f32([[1, 0], [0, 1e-6]]),
  "conflicting tasks with a 1e-6 scale ratio": f32([
    [1, 0.5, -0.2],
    [-0.3e-6, 1e-6, 0.4e-6],
    [0.2, -1, 0.1],
  ]),
  "1e-6 scale ratio, d = 64": f32([row(64, 6), row(64, 7).map((x) => x * 1e-6)]),
  "T > d: five tasks in two dimensions": f32([[1, 0], [0, 1], [-1, 0.2], [0.3, -0.9], [0.5, 0.5]]),
  "a zero task": f32([[1, 2, 3], [0, 0, 0], [-1, 0.5, 0.2]]),
  "every task zero": f32([[0, 0], [0, 0], [0, 0]]),
  "one task": f32([[0.5, -2]]),
  "duplicated tasks": f32([[0.3, -0.7, 0.1], [0.3, -0.7, 0.1], [0.3, -0.7, 0.1]]),
  "duplicated tasks beside another": f32([[0.3, -0.7, 0.1], [0.3, -0.7, 0.1], [1, 0, 0]]),
  "parallel tasks 1e3 apart in length": f32([[0.3, -0.7, 0.1], [300, -700, 100]]),
  "exactly opposite tasks": f32([[0.3, -0.7, 0.1], [-0.3, 0.7, -0.1]]),
  "exactly opposite tasks beside a third": f32([[0.3, -0.7, 0.1], [-0.3, 0.7, -0.1], [1, 1, 0]]),
  "exactly opposite tasks, d = 64": f32([row(64, 8), row(64, 8).map((x) => -x)]),
  "nearly opposite tasks": f32([[1, 0], [-1, 1e-4]]),
};

const SCALES = [1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30];

/**
 * Two-task steps for one stateful run: long stretches of parallel and nearly parallel tasks drive
 * GradVac's target cosine to within float32 noise of 1 (and Nash-MTL's warm start far off), each
 * followed by steps that conflict, at other scales.
 */
const STEPS: [string, Grads][] = [
  ...Array.from({ length: 40 }, (): [string, Grads] => ["duplicated", f32([[1, 0], [1, 0]])]),
  ["orthogonal", f32([[1, 0], [0, 1]])],
  ...Array.from(
    { length: 40 },
    (): [string, Grads] => ["nearly parallel", f32([[1, 0], [1, 1e-3]])],
  ),
  ["orthogonal, × 1e20", f32([[1e20, 0], [0, 1e20]])],
  ["exactly opposite", f32([[1, 0], [-1, 0]])],
  ["1e-6 scale ratio", f32([[1, 0], [0, 1e-6]])],
  ["a zero task, × 1e-20", f32([[1e-20, 2e-20], [0, 0]])],
  ["every task zero", f32([[0, 0], [0, 0]])],
  ["conflicting, × 1e-10", f32([[1e-10, 0], [-0.5e-10, 1e-10]])],
];

const scaled = (grads: Grads, s: number): Grads => grads.map((g) => g.map((x) => x * s));

/**
 * Runs one surgery (on `s`, or a fresh one) and checks finiteness, the bound and that the inputs
 * are untouched.
 */
function check(
  entry: Entry,
  grads: Grads,
  action: string,
  s?: Surgery,
): Float32Array | null {
  const options = optionsFor(entry, grads.length);
  if (options === null) return null;
  const copies = grads.map((g) => g.slice());
  const withState = s !== undefined;
  s ??= createSurgery(options);
  const out = s.surgery(grads, extraInputs(entry.options.method ?? "pcgrad", grads));
  grads.forEach((g, t) => assert.deepEqual(g, copies[t], `${action}: task ${t} was changed`));
  assert.ok(out.every(Number.isFinite), `${action}: non-finite update ${out}`);
  assert.ok(s.stats!.weights.every(Number.isFinite), `${action}: weights ${s.stats!.weights}`);
  const bound = (withState && entry.boundWithState)
    ? entry.boundWithState(grads)
    : entry.bound(grads);
  // Rounding slack: the bounds hold for the computed Gramian; the update is rounded to float32
  // (relatively, and absolutely by up to the smallest subnormal 2⁻¹⁴⁹ per value).
  const slack = (entry.scaleFree ? 1e-6 * bound : 1e-5 * bound + 1e-3 * sumNorms(grads)) +
    out.length * 2 ** -149;
  const n = norm(out);
  assert.ok(n <= bound + slack, `${action}: ‖update‖ = ${n} > bound ${bound}`);
  return out;
}

const label = (e: Entry) =>
  Object.entries(e.options).map(([k, v]) => `${k}: ${typeof v === "string" ? `"${v}"` : v}`)
    .join(", ");

for (const entry of ENTRIES) {
  Deno.test(`degenerate ${label(entry)}: finite and within its bound, every case and scale`, () => {
    for (const [name, grads] of Object.entries(CASES)) {
      for (const s of SCALES) check(entry, scaled(grads, s), `${name} × ${s}`);
    }
  });

  Deno.test(`degenerate ${label(entry)}: scaling every gradient by 2^k scales the update`, () => {
    for (const [name, grads] of Object.entries(CASES)) {
      if (name === "every task zero") continue;
      const base = check(entry, grads, name);
      if (base === null) continue;
      const tol = 1e-5 * (entry.bound(grads) + sumNorms(grads));
      for (const k of [-24, 24, 80]) {
        const s = 2 ** k;
        const out = check(entry, scaled(grads, s), `${name} × 2^${k}`)!;
        // Not homogeneous (LibMTL's constants): finite and within the bound at each scale only.
        if (entry.notHomogeneous !== undefined) continue;
        const factor = entry.scaleFree ? 1 : s;
        out.forEach((x, i) => {
          assert.ok(
            Math.abs(x / factor - base[i]) <= tol,
            `${name} × 2^${k}: update[${i}] = ${x / factor} (rescaled) vs ${base[i]}`,
          );
        });
      }
    }
  });

  // Every step has two tasks: not for a method that cannot run on two (Krum).
  const twoTasks = optionsFor(entry, 2);
  if (twoTasks !== null) {
    Deno.test(`degenerate ${label(entry)}: one state carried through degenerate steps`, () => {
      const s = createSurgery(twoTasks);
      STEPS.forEach(([name, grads], k) => check(entry, grads, `step ${k}, ${name}`, s));
    });
  }

  Deno.test(`degenerate ${label(entry)}: random float32 gradients with degenerate structure`, () => {
    fc.assert(
      fc.property(degenerateGrads(), (grads) => void check(entry, grads, "random")),
      { numRuns: 100 },
    );
  });
}

/**
 * T ≤ 6 rows of d ≤ 6 float32 values anywhere in ±1e30 (subnormals, zeros and mixed magnitudes
 * included), then one of: nothing, append fl32(−Σ), duplicate a row, append its negation, zero a
 * row, scale a row by 1e-6.
 */
function degenerateGrads(): fc.Arbitrary<Grads> {
  const max = Math.fround(1e30);
  return fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).chain(([T, d]) =>
    fc.tuple(
      fc.array(
        fc.float32Array({
          minLength: d,
          maxLength: d,
          min: -max,
          max,
          noDefaultInfinity: true,
          noNaN: true,
        }),
        { minLength: T, maxLength: T },
      ),
      fc.constantFrom("none", "sum-zero", "duplicate", "opposite", "zero", "tiny"),
    ).map(([rows, how]) => {
      switch (how) {
        case "sum-zero":
          return [...rows, negatedSum(rows)];
        case "duplicate":
          return [...rows, rows[0].slice()];
        case "opposite":
          return [...rows, rows[0].map((x) => -x)];
        case "zero":
          return [new Float32Array(d), ...rows.slice(1)];
        case "tiny":
          return [rows[0].map((x) => x * 1e-6), ...rows.slice(1)];
        default:
          return rows;
      }
    })
  );
}
