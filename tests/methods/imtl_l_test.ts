// IMTL-L: the scaled loss and its derivatives by hand and against finite differences, the
// balancing optimum e^s·L = 1, and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { imtlLInitialScales, imtlLWeighting } from "../../methods/loss_weighting/imtl_l.ts";
import { close } from "./_gram.ts";

Deno.test("imtl-l by hand: s = 0 is the plain sum; ∂/∂s = L − 1", () => {
  const r = imtlLWeighting([2, 0.5], imtlLInitialScales(2));
  assert.deepEqual(r, { loss: 2.5, lossWeights: [1, 1], scaleGradient: [1, -0.5] });
  const s = imtlLWeighting([2], [Math.log(3)]);
  close([s.loss, s.lossWeights[0], s.scaleGradient[0]], [6 - Math.log(3), 3, 5], 1e-15);
});

Deno.test("imtl-l: derivatives match finite differences of Σ(e^s L − s)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.double({ min: 0.01, max: 50, noNaN: true }),
          fc.double({ min: -5, max: 5, noNaN: true }),
        ),
        { minLength: 1, maxLength: 6 },
      ),
      (pairs) => {
        const L = pairs.map(([l]) => l);
        const s = pairs.map(([, x]) => x);
        const f = (l: number[], x: number[]) =>
          l.reduce((a, lt, t) => a + Math.exp(x[t]) * lt - x[t], 0);
        const r = imtlLWeighting(L, s);
        assert.ok(Math.abs(r.loss - f(L, s)) <= 1e-12 * Math.abs(f(L, s)) + 1e-12);
        const h = 1e-6;
        // Central differences of f lose about ε·Σ|terms|/h to rounding.
        const noise = 1e-9 * L.reduce((a, l, t) => a + Math.exp(s[t]) * l + Math.abs(s[t]), 1);
        L.forEach((_, t) => {
          const bump = (v: number[], d: number) => v.map((x, k) => (k === t ? x + d : x));
          const dL = (f(bump(L, h), s) - f(bump(L, -h), s)) / (2 * h);
          const ds = (f(L, bump(s, h)) - f(L, bump(s, -h))) / (2 * h);
          assert.ok(Math.abs(r.lossWeights[t] - dL) <= 1e-6 * Math.abs(dL) + noise);
          assert.ok(Math.abs(r.scaleGradient[t] - ds) <= 1e-6 * Math.abs(dL * L[t]) + noise);
        });
      },
    ),
  );
});

Deno.test("imtl-l: at s = −log L the scale gradient vanishes and every scaled loss is 1", () => {
  const L = [1e-4, 0.3, 250];
  const r = imtlLWeighting(L, L.map((l) => -Math.log(l)));
  close(r.scaleGradient, [0, 0, 0], 1e-12);
  close(r.lossWeights.map((w, t) => w * L[t]), [1, 1, 1], 1e-12);
});

Deno.test("imtl-l: bad losses or scales are RangeErrors naming the value; inputs unchanged", () => {
  const cases: [() => unknown, string][] = [
    [() => imtlLWeighting([1, -1], [0, 0]), "losses[1] must be a finite number ≥ 0, found -1"],
    [() => imtlLWeighting([1], [NaN]), "scales[0] must be a finite number ≥ -Infinity, found NaN"],
    [() => imtlLWeighting([1, 2], [0]), "scales must hold 2 numbers, found 1 numbers"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
  const L = [1, 2];
  const s = [0.5, -0.5];
  imtlLWeighting(L, s);
  assert.deepEqual([L, s], [[1, 2], [0.5, -0.5]]);
});
