// GLS: the geometric-mean loss and its gradient by hand and against finite differences, many
// tasks without overflow, and bad inputs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { glsWeighting } from "../../methods/loss_weighting/gls.ts";
import { close } from "./_gram.ts";

Deno.test("gls by hand: L = (1, 4) gives loss 2 and weights (1, 1/4)", () => {
  const { loss, weights } = glsWeighting([1, 4]);
  close([loss], [2], 1e-15);
  close(weights, [2 / 2, 2 / 8], 1e-15); // loss/(T·L_t)
  const one = glsWeighting([3]); // T = 1: the plain loss
  close([one.loss, one.weights[0]], [3, 1], 1e-15);
});

Deno.test("gls: the weights are ∂(Π L)^(1/T)/∂L_t (finite differences of the product form)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }),
      (L) => {
        const f = (x: number[]) => x.reduce((p, l) => p * l, 1) ** (1 / x.length);
        const { loss, weights } = glsWeighting(L);
        assert.ok(Math.abs(loss / f(L) - 1) < 1e-12);
        L.forEach((l, t) => {
          const h = 1e-6 * l;
          const up = L.slice(), down = L.slice();
          up[t] += h;
          down[t] -= h;
          const numeric = (f(up) - f(down)) / (2 * h);
          assert.ok(Math.abs(weights[t] - numeric) <= 1e-6 * Math.abs(numeric) + 1e-12);
        });
        // Equal losses are the equal-weight case scaled: λ_t = 1/T.
        close(glsWeighting(L.map(() => L[0])).weights, L.map(() => 1 / L.length), 1e-15);
      },
    ),
  );
});

Deno.test("gls: 64 tasks of 1e-300 or 1e300 neither underflow nor overflow (logs)", () => {
  const tiny = glsWeighting(new Array<number>(64).fill(1e-300));
  assert.ok(Math.abs(tiny.loss / 1e-300 - 1) < 1e-12);
  tiny.weights.forEach((w) => assert.ok(Math.abs(w * 64 - 1) < 1e-12));
  const mixed = glsWeighting([1e300, 1e-300]);
  close([mixed.loss], [1], 1e-12);
  [0.5e-300, 0.5e300].forEach((x, t) => assert.ok(Math.abs(mixed.weights[t] / x - 1) < 1e-12));
});

Deno.test("gls: a loss ≤ 0, a non-finite loss or no task is a RangeError naming the value", () => {
  const cases: [() => unknown, string][] = [
    [() => glsWeighting([1, 0]), "losses[1] must be a finite number > 0, found 0"],
    [() => glsWeighting([Infinity]), "losses[0] must be a finite number > 0, found Infinity"],
    [() => glsWeighting([]), "losses must hold at least one task"],
  ];
  for (const [call, text] of cases) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(text));
  }
});
