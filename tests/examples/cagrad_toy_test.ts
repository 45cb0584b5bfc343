// The CAGrad toy (examples/cagrad_toy; Liu et al. 2021, §5.1): analytic gradients against finite
// differences, the global minimum, and the known result on full-length runs from one start each.

import assert from "node:assert/strict";
import {
  METHODS,
  paretoDistance,
  runMethod,
  summaryTable,
} from "../../examples/cagrad_toy/main.ts";
import { average, PARETO_X2, task } from "../../examples/cagrad_toy/problem.ts";
import { composeGrid } from "../../examples/_shared/plot_grid.ts";

Deno.test("cagrad toy: analytic gradients match central differences away from the kinks", () => {
  const h = 1e-6;
  for (const [x1, x2] of [[-8.5, 7.5], [3, -4], [9, 9], [10, -8], [-2, 1.3], [0.5, -0.7]]) {
    for (const t of [0, 1] as const) {
      const { grad } = task(t, x1, x2);
      const fd = [
        (task(t, x1 + h, x2).value - task(t, x1 - h, x2).value) / (2 * h),
        (task(t, x1, x2 + h).value - task(t, x1, x2 - h).value) / (2 * h),
      ];
      for (let k = 0; k < 2; k++) {
        assert.ok(
          Math.abs(grad[k] - fd[k]) < 1e-6 * Math.max(1, Math.abs(fd[k])),
          `${t} (${x1}, ${x2})`,
        );
      }
    }
  }
  // torch semantics at x2 = 0: both gates have slope, so (0, 0) is not a fixed point.
  assert.notDeepEqual(task(0, 0, 0).grad, [0, 0]);
  // The average's minimum (L0 ≈ −15.09 at (0, −8.3552)).
  assert.ok(Math.abs(average(0, PARETO_X2) + 15.09) < 0.01);
  assert.ok(
    average(0, PARETO_X2) < average(0.3, PARETO_X2) && average(0, PARETO_X2) < average(0, -8),
  );
});

Deno.test("cagrad toy known result: GD stalls, MGDA reaches the Pareto set, CAGrad the optimum", () => {
  const byName = (name: string) => METHODS.find((m) => m.name.startsWith(name))!;
  const gd = runMethod(byName("GD"), [-8.5, 7.5], undefined, 10_000);
  assert.ok(paretoDistance(gd.end) > 5, `GD ended at ${gd.end}`);
  const mgda = runMethod(byName("MGDA"), [9, 9], undefined, 10_000);
  assert.ok(paretoDistance(mgda.end) < 0.05 && Math.abs(mgda.end[0]) > 1, `MGDA at ${mgda.end}`);
  const cagrad = runMethod(byName("CAGrad"), [-8.5, 7.5], undefined, 10_000);
  assert.ok(Math.hypot(cagrad.end[0], cagrad.end[1] - PARETO_X2) < 0.01, `CAGrad at ${cagrad.end}`);
  assert.match(summaryTable([gd, mgda, cagrad]), /CAGrad \(c = 0\.5\)\s+\(-8\.5, 7\.5\)/);
});

Deno.test("composeGrid places each panel at its cell under the title", () => {
  const panel = '<svg class="marks" width="100" height="50" viewBox="0 0 100 50"><rect/></svg>';
  const svg = composeGrid([panel, panel, panel], 2, "A & B");
  assert.match(svg, /width="200" height="136"/);
  assert.match(svg, /<svg x="100" y="36" class="marks"/);
  assert.match(svg, /<svg x="0" y="86" class="marks"/);
  assert.match(svg, /A &amp; B/);
  assert.throws(() => composeGrid(["<svg>"], 1, "t"), /a panel has no width and height/);
});
