// The contract every registered method keeps (as TorchJD tests every aggregator): finite results
// at every scale from 1e-30 to 1e30 and on degenerate Gramians, the norm bound its doc comment
// states, permutation equivariance, and no conflict with any task where it promises that. The
// suite iterates the registry and reads each definition's `claims` (methods/types.ts): a new
// method gets every check by registering. Default options (a method with required ones: its
// claims' testOptions for T tasks, draws it cannot run skipped), fresh state; fixed seeds. A method
// that needs more than the Gramian (kind "vectors") gets unit losses and the gradients as its extra
// batches (tests/methods/_vector_inputs.ts), and its permutation check runs through surgery.

import assert from "node:assert/strict";
import fc from "fast-check";
import { createSurgery, surgery, surgeryWeights } from "../../mod.ts";
import { ownOptions, resolveOptions } from "../../methods/options.ts";
import { registry } from "../../methods/registry.ts";
import type { MethodDefinition } from "../../methods/types.ts";
import { ordersArb } from "../_arbitraries.ts";
import { combine, dot, gramOf, jacobianArb } from "./_gram.ts";
import { extraInputs } from "./_vector_inputs.ts";

type Grads = Float32Array[];

const SCALES = [1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30];

const norm = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
};
const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The definition's own options, resolved from `given` as every entry point resolves them. */
function optionsOf(definition: MethodDefinition, given: Record<string, unknown> = {}) {
  const resolved = resolveOptions({ method: definition.name, ...given }, "test");
  return ownOptions(definition, resolved);
}

/** The options the method is checked under for T tasks (its defaults), null if it cannot run. */
function testOptions(definition: MethodDefinition, T: number): Record<string, unknown> | null {
  return definition.claims.testOptions === undefined ? {} : definition.claims.testOptions(T);
}

/**
 * The test options with their per-task arrays permuted along with the tasks (new task a = old
 * task perm[a]).
 */
function permutedOptions(
  definition: MethodDefinition,
  given: Record<string, unknown>,
  perm: readonly number[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given };
  for (const [key, kind] of Object.entries(definition.options)) {
    const value = given[key];
    if (kind.perTask && Array.isArray(value)) out[key] = perm.map((p) => value[p]);
  }
  return out;
}

/**
 * One fresh surgery: the update is finite, so are the weights, and ‖update‖ is within the claimed
 * bound (rounding slack as in degenerate_test.ts: the bound holds for the computed Gramian, the
 * update is rounded to float32).
 */
function checkStep(definition: MethodDefinition, grads: Grads, label: string): void {
  const given = testOptions(definition, grads.length);
  if (given === null) return;
  const s = createSurgery({ method: definition.name, ...given });
  const out = s.surgery(grads, extraInputs(definition.name, grads));
  assert.ok(out.every(Number.isFinite), `${label}: non-finite update ${out}`);
  assert.ok(s.stats!.weights.every(Number.isFinite), `${label}: weights ${s.stats!.weights}`);
  const { claims } = definition;
  if (claims.normBound !== undefined) {
    const norms = grads.map(norm);
    const bound = claims.normBound(norms, optionsOf(definition, given));
    const slack = (claims.scaleFree ? 1e-6 * bound : 1e-5 * bound + 1e-3 * sumOf(norms)) +
      out.length * 2 ** -149;
    assert.ok(norm(out) <= bound + slack, `${label}: ‖update‖ = ${norm(out)} > bound ${bound}`);
  }
}

const f32 = (rows: readonly (readonly number[])[]): Grads => rows.map((r) => Float32Array.from(r));

/** Degenerate Gramians: no NaN, and the bound still holds. */
const DEGENERATE: Record<string, Grads> = {
  "every task zero": f32([[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
  "one zero task": f32([[1, -2, 0.5], [0, 0, 0], [-1, 1, 3]]),
  "duplicated tasks": f32([[0.3, -0.7, 0.1], [0.3, -0.7, 0.1], [0.3, -0.7, 0.1]]),
  "exactly opposite tasks": f32([[0.3, -0.7, 0.1], [-0.3, 0.7, -0.1]]),
  "rank-deficient: four tasks in a plane": f32([
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
    [-2, 0.5, 0],
  ]),
  "T = 1": f32([[0.5, -2, 1]]),
};

/** T ≤ 6 float32 gradients of length ≤ 8, entries in [−1, 1]. */
const gradsArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 })).chain(
  ([T, d]) =>
    fc.array(
      fc.float32Array({ minLength: d, maxLength: d, min: -1, max: 1, noNaN: true }),
      { minLength: T, maxLength: T },
    ),
);

/** A permutation of 0..T−1. */
const permutationArb = (T: number) =>
  fc.shuffledSubarray([...Array(T).keys()], { minLength: T, maxLength: T });

/** P G Pᵀ for the permutation with new task a = old task perm[a]: the same numbers, moved. */
function permutedGram(G: Float64Array, T: number, perm: readonly number[]): Float64Array {
  const out = new Float64Array(T * T);
  for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) out[a * T + b] = G[perm[a] * T + perm[b]];
  return out;
}

/**
 * Generic Jacobians: T ≤ 5 rows of T + 2 values k/997 in [−1, 1] (no subnormal products), of
 * full row rank but in rare draws.
 */
const genericArb = fc.integer({ min: 1, max: 5 }).chain((T) =>
  fc.array(
    fc.array(fc.integer({ min: -997, max: 997 }).map((k) => k / 997), {
      minLength: T + 2,
      maxLength: T + 2,
    }),
    { minLength: T, maxLength: T },
  )
);

const RUNS = { numRuns: 200, seed: 20260 };

for (const definition of Object.values(registry)) {
  const { name, claims } = definition;

  Deno.test(`contract ${name}: finite and within its bound for gradients scaled 1e-30 to 1e30`, () => {
    fc.assert(
      fc.property(gradsArb, fc.constantFrom(...SCALES), (grads, scale) => {
        const scaled = grads.map((g) => g.map((x) => x * scale));
        checkStep(definition, scaled, `× ${scale}`);
      }),
      RUNS,
    );
  });

  Deno.test(`contract ${name}: degenerate Gramians give no NaN, at every scale`, () => {
    for (const [label, grads] of Object.entries(DEGENERATE)) {
      for (const scale of SCALES) {
        checkStep(definition, grads.map((g) => g.map((x) => x * scale)), `${label} × ${scale}`);
      }
    }
  });

  const permutation = claims.permutation;
  // A claim "untestable" (RLW: fresh weights per draw) skips the permutation check; the last test
  // asserts it gives its reason.
  const testable = typeof permutation === "string";
  if (testable && definition.kind === "elementwise") {
    Deno.test(`contract ${name}: permuting the tasks leaves the update unchanged`, () => {
      fc.assert(
        fc.property(
          gradsArb.chain((g) => fc.tuple(fc.constant(g), permutationArb(g.length))),
          ([grads, perm]) => {
            const given = testOptions(definition, grads.length);
            if (given === null) return;
            const out = surgery(grads, { method: name, seed: 7, ...given });
            const permuted = surgery(perm.map((p) => grads[p]), {
              method: name,
              seed: 7,
              ...permutedOptions(definition, given, perm),
            });
            out.forEach((x, k) => {
              // The kernel sums in float32 in task order: rounding of Σ_t |g_tk| at most.
              const scale = sumOf(grads.map((g) => Math.abs(g[k])));
              assert.ok(
                Math.abs(permuted[k] - x) <= 1e-6 * scale,
                `[${k}]: ${permuted[k]} vs ${x}`,
              );
            });
          },
        ),
        RUNS,
      );
    });
  } else if (testable && definition.kind === "vectors") {
    Deno.test(`contract ${name}: permuting the tasks (and their losses, batches) permutes the weights`, () => {
      fc.assert(
        fc.property(
          genericArb.chain((J) => fc.tuple(fc.constant(J), permutationArb(J.length))),
          ([J, perm]) => {
            const grads = J.map((r) => Float32Array.from(r));
            const permuted = perm.map((p) => grads[p]);
            const weightsOf = (g: Grads) => {
              const s = createSurgery({ method: name });
              // Two steps: the second reads the state the first kept.
              s.surgery(g, extraInputs(name, g));
              s.surgery(g, extraInputs(name, g));
              return s.stats!.weights;
            };
            const w = weightsOf(grads);
            const v = weightsOf(permuted);
            const size = sumOf(w.map(Math.abs));
            perm.forEach((p, a) => {
              assert.ok(
                Math.abs(v[a] - w[p]) <= 1e-6 * Math.max(size, 1e-300),
                `task ${p} → ${a}: ${v[a]} vs ${w[p]}`,
              );
            });
          },
        ),
        RUNS,
      );
    });
  } else if (testable) {
    const withOrder = permutation === "with explicit order";
    Deno.test(
      `contract ${name}: permuting the tasks permutes the weights${
        withOrder ? " (the explicit order permuted with them)" : ""
      }`,
      () => {
        fc.assert(
          fc.property(
            genericArb.chain((J) =>
              fc.tuple(fc.constant(J), permutationArb(J.length), ordersArb(J.length))
            ),
            ([J, perm, order]) => {
              const T = J.length;
              const given = testOptions(definition, T);
              if (given === null) return;
              const G = gramOf(J);
              const inverse = new Array<number>(T);
              perm.forEach((p, a) => (inverse[p] = a));
              const permutedOrder = perm.map((p) => order[p].map((j) => inverse[j]));
              const w = surgeryWeights(G, {
                method: name,
                ...given,
                ...(withOrder ? { order } : {}),
              }).weights;
              const v = surgeryWeights(permutedGram(G, T, perm), {
                method: name,
                ...permutedOptions(definition, given, perm),
                ...(withOrder ? { order: permutedOrder } : {}),
              }).weights;
              const size = sumOf(Array.from(w, Math.abs));
              perm.forEach((p, a) => {
                assert.ok(
                  Math.abs(v[a] - w[p]) <= 1e-6 * Math.max(size, 1e-300),
                  `task ${p} → ${a}: ${v[a]} vs ${w[p]}`,
                );
              });
            },
          ),
          RUNS,
        );
      },
    );
  }

  if (claims.nonConflicting !== false && definition.kind === "gram") {
    const given = claims.nonConflicting === true ? {} : claims.nonConflicting.options;
    Deno.test(
      `contract ${name}: the update conflicts with no task ${JSON.stringify(given)}`,
      () => {
        fc.assert(
          fc.property(jacobianArb(1, 6, 6), (J) => {
            const required = testOptions(definition, J.length);
            if (required === null) return;
            const w = surgeryWeights(gramOf(J), { method: name, ...required, ...given }).weights;
            const u = combine(J, w);
            // Rounding: the weights are exact to float64 rounding of their total Σ|w_s| (MGDA's
            // γ near 1 leaves 1 − γ known to 1e-16 absolutely), so each term w_s g_s to that times
            // the largest ‖g_s‖; a stationary point's u ≈ 0 is only that rounding.
            const size = sumOf(Array.from(w, Math.abs)) * Math.max(...J.map(norm));
            J.forEach((g, t) => {
              const slack = 1e-9 * norm(g) * (norm(u) + 1e-3 * size);
              assert.ok(dot(u, g) >= -slack, `task ${t}: u·g_t = ${dot(u, g)}, ‖u‖ = ${norm(u)}`);
            });
          }),
          { numRuns: 100, seed: 20261 },
        );
      },
    );
  }
}

Deno.test("contract: every method states a norm bound, and why a permutation is untestable", () => {
  for (const { name, claims } of Object.values(registry)) {
    assert.ok(claims.normBound !== undefined, name);
    if (typeof claims.permutation === "object") {
      assert.ok(claims.permutation.untestable.length > 0, name);
    }
  }
});
