// A bounded differential fuzz of the plain API against Algorithm 1 in float64 (tests/_oracle.ts):
// PCGrad with explicit orders, both reductions and all three variants, on the inputs where
// float32 arithmetic is most fragile: near-parallel, near-opposite and duplicated tasks, one task,
// and every scale from 1e-30 to 1e30.

import assert from "node:assert/strict";
import fc from "fast-check";
import { surgery } from "../../mod.ts";
import { ordersArb } from "../_arbitraries.ts";
import { dot, nearZeroNorm, pcgradOracle } from "../_oracle.ts";

const norm = (v: ArrayLike<number>) => Math.sqrt(dot(v, v));

/** Errors allowed, as fractions of Σ_t ‖g_t‖: the Gramian is accumulated in float32. */
const TOLERANCE = 2e-5;

type Shape = "random" | "near-parallel" | "near-opposite" | "duplicated";

/** T tasks of length d built around one direction x, as `shape` says, times `scale`. */
function build(shape: Shape, rows: number[][], eps: number, scale: number): Float32Array[] {
  const [x, ...rest] = rows;
  return rest.map((r, t) =>
    Float32Array.from(r, (v, k) => {
      const sign = shape === "near-opposite" && t % 2 === 1 ? -1 : 1;
      switch (shape) {
        case "random":
          return scale * v;
        case "duplicated":
          return scale * (t % 2 === 0 ? x[k] : v);
        default:
          return scale * (sign * x[k] + eps * v);
      }
    })
  );
}

const caseArb = fc
  .record({
    T: fc.integer({ min: 1, max: 6 }),
    d: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(257, 2049)),
    shape: fc.constantFrom<Shape>("random", "near-parallel", "near-opposite", "duplicated"),
    eps: fc.constantFrom(1e-1, 1e-3, 1e-5),
    scale: fc.constantFrom(1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30),
    reduction: fc.constantFrom("sum" as const, "mean" as const),
    variant: fc.constantFrom("full" as const, "direction" as const, "magnitude" as const),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      rows: fc.array(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: c.d, maxLength: c.d }),
        { minLength: c.T + 1, maxLength: c.T + 1 },
      ),
      orders: ordersArb(c.T),
    })
  );

type Case = {
  T: number;
  reduction: "sum" | "mean";
  variant: "full" | "direction" | "magnitude";
  d: number;
};

/** Why `out` is not the definition built on the oracle's g^PC `u`, or null when it is. */
function mismatch(
  c: Case,
  grads: readonly Float32Array[],
  out: Float32Array,
  u: Float64Array,
): string | null {
  const s = new Float64Array(c.d);
  for (const g of grads) g.forEach((v, k) => (s[k] += v));
  const size = grads.reduce((a, g) => a + norm(g), 0);
  const [nu, ns] = [norm(u), norm(s)];
  let want: Float64Array;
  let tol: number;
  if (c.variant === "full") {
    [want, tol] = [u, TOLERANCE * size];
  } else if (c.variant === "magnitude") {
    want = ns === 0 ? s : s.map((v) => (v * nu) / ns);
    tol = TOLERANCE * size + 1e-6 * nu;
  } else if (nu > 1e-3 * size) {
    want = u.map((v) => (v * ns) / nu);
    tol = TOLERANCE * size * (ns / nu) + 1e-6 * ns;
  } else {
    // PCGrad's combination is mostly cancelled: its direction is as uncertain as the float32
    // Gramian, so only the definition's length holds (the sum's, or zero).
    const n = norm(out) * (c.reduction === "mean" ? c.T : 1);
    return n <= ns * (1 + 1e-6) ? null : `direction's length ${n} vs ‖Σg‖ ${ns}`;
  }
  const r = c.reduction === "mean" ? c.T : 1;
  let err = 0;
  for (let k = 0; k < c.d; k++) err = Math.max(err, Math.abs(out[k] - want[k] / r));
  // Float32's smallest step, 2⁻¹⁴⁹, bounds the rounding of subnormal results.
  const allowed = tol / r + 2 ** -149;
  return err <= allowed ? null : `error ${err} > ${allowed} (Σ‖g‖ = ${size})`;
}

Deno.test("differential fuzz: PCGrad, reductions and variants against float64 Algorithm 1", () => {
  fc.assert(
    fc.property(caseArb, ({ c, rows, orders }) => {
      const grads = build(c.shape, rows, c.eps, c.scale);
      const out = surgery(grads, { order: orders, reduction: c.reduction, variant: c.variant });
      assert.ok(out.every(Number.isFinite), "finite");
      // A task whose norm sits at the zero-task threshold may fall on either side of it.
      const atThreshold = grads.some((_, t) => nearZeroNorm(grads, t));
      const failures = (atThreshold ? [0.5, 2] : [1]).map((zeroScale) =>
        mismatch(c, grads, out, pcgradOracle(grads, orders, zeroScale))
      );
      if (failures.every((f) => f !== null)) assert.fail(failures.join("; "));
    }),
    { numRuns: 600 },
  );
});
