/**
 * The baselines every multi-task paper compares against: equal weighting, as the sum of the task
 * gradients (PCGrad's Definition 4, L = Σ L_i) or their mean.
 * @module
 */

import { defineGramMethod } from "./define.ts";
import { plainWeighting } from "./types.ts";

const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** "sum": w = 1 for every task. */
export const sum = defineGramMethod({
  name: "sum",
  kind: "gram",
  options: {},
  shared: [],
  weigh: ({ T }) => plainWeighting(new Float64Array(T).fill(1)),
  claims: { nonConflicting: false, normBound: sumOf, permutation: "equivariant" },
});

/** "mean": w = 1/T for every task. */
export const mean = defineGramMethod({
  name: "mean",
  kind: "gram",
  options: {},
  shared: [],
  weigh: ({ T }) => plainWeighting(new Float64Array(T).fill(1 / T)),
  claims: {
    nonConflicting: false,
    normBound: (norms) => sumOf(norms) / norms.length,
    permutation: "equivariant",
  },
});
