/**
 * A float32 device Gram (webgpu, tf.js ops) can flip a decision that sits within rounding of a
 * threshold, so such steps are checked stage by stage against float64 truth rather than against the
 * plain API's whole update.
 * @module
 */

import assert from "node:assert/strict";
import { createSurgery as plainCreate } from "../../mod.ts";

/**
 * Checks a step's Gramian against float64 truth, then its update against Σ_t scale · w_t g_t for
 * the weights it reported.
 */
export function checkStages(
  rows: readonly Float32Array[],
  got: Float32Array,
  gramian: readonly (readonly number[])[],
  weights: readonly number[],
  scale: number,
): void {
  const truth = plainCreate({ method: "sum" });
  truth.surgery(rows as Float32Array[]);
  const { gramian: G, norms } = truth.stats!;
  gramian.forEach((row, i) =>
    row.forEach((g, j) => {
      const tolerance = 1e-5 * norms[i] * norms[j] + 1e-30;
      assert.ok(Math.abs(g - G[i][j]) <= tolerance, `G[${i}][${j}]: ${g}, expected ${G[i][j]}`);
    })
  );
  let bound = 1e-30;
  for (const [t, g] of rows.entries()) {
    bound += Math.abs(scale * weights[t]) * g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  }
  for (let k = 0; k < got.length; k++) {
    let want = 0;
    for (const [t, g] of rows.entries()) want += scale * weights[t] * g[k];
    assert.ok(Math.abs(got[k] - want) <= 1e-5 * bound, `update[${k}]: ${got[k]}, expected ${want}`);
  }
}
