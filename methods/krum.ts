/**
 * Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui & Stainer, "Machine Learning with
 * Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS 2017), as TorchJD's `Krum` /
 * `KrumWeighting` (torchjd commit 098255d5324ad6f552f145055d52123bfd34c926,
 * src/torchjd/aggregation/_krum.py; the documented example is from
 * 03226051d5c1cc20226d19a3f3f2abb4f061e55d, krum.py). Defaults as TorchJD: `byzantine`
 * (n_byzantine) has none, `selected` (n_selected) is 1.
 *
 * With f = byzantine, each task i is scored by the sum of its distances to its T − f − 2 nearest
 * other tasks, ‖g_i − g_j‖ = √(G_ii + G_jj − 2G_ij) from the Gramian; the `selected` tasks of
 * lowest score each get weight 1/selected (Krum: the single best task, weight 1). The update is
 * the mean of the selected gradients, so ‖update‖ ≤ max_t ‖g_t‖; it does not try to avoid
 * conflicts. Like TorchJD, the scores sum distances; the paper sums squared distances.
 *
 * Constraints as TorchJD: byzantine a whole number ≥ 0, selected a whole number ≥ 1,
 * T ≥ byzantine + 3 (at least one neighbour to score by) and T ≥ selected. Choices TorchJD leaves
 * to rounding or to torch.topk: a squared distance that rounds below 0 counts as 0 (TorchJD would
 * take √ of it and get NaN), and equal scores are broken by the lower task index.
 * @module
 */

import { defineGramMethod } from "./define.ts";
import { requiredWholeNumber, wholeNumberOption } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

function checkWholeNumber(name: string, value: number, min: number, action: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a whole number ≥ ${min}, found ${value}`,
    );
  }
}

/** Checks byzantine and selected against each other and against T (TorchJD's constraints). */
export function checkKrumOptions(
  T: number,
  byzantine: number,
  selected: number,
  action: string,
): void {
  checkWholeNumber("byzantine", byzantine, 0, action);
  checkWholeNumber("selected", selected, 1, action);
  if (T < byzantine + 3) {
    throw new RangeError(
      `Cannot ${action}: krum needs at least byzantine + 3 = ${byzantine + 3} tasks, found ${T}`,
    );
  }
  if (T < selected) {
    throw new RangeError(
      `Cannot ${action}: selected must be at most the number of tasks ${T}, found ${selected}`,
    );
  }
}

/** Each task's Krum score: the sum of its distances to its `neighbours` nearest other tasks. */
export function krumScores(G: Float64Array, T: number, neighbours: number): Float64Array {
  const scores = new Float64Array(T);
  const row = new Float64Array(T - 1);
  for (let i = 0; i < T; i++) {
    let k = 0;
    for (let j = 0; j < T; j++) {
      if (j === i) continue;
      row[k++] = Math.sqrt(Math.max(0, G[i * T + i] + G[j * T + j] - 2 * G[i * T + j]));
    }
    row.sort();
    let s = 0;
    for (let r = 0; r < neighbours; r++) s += row[r];
    scores[i] = s;
  }
  return scores;
}

/**
 * Multi-Krum's weights for the Gramian G (T×T): 1/selected on the `selected` tasks of lowest
 * score, 0 elsewhere. Throws a RangeError naming the option and the values that break a constraint.
 */
export function krumWeights(
  G: Float64Array,
  T: number,
  byzantine: number,
  selected: number,
  action: string,
): Float64Array {
  checkKrumOptions(T, byzantine, selected, action);
  const scores = krumScores(G, T, T - byzantine - 2);
  const order = Array.from({ length: T }, (_, i) => i).sort((a, b) =>
    scores[a] - scores[b] || a - b
  );
  const w = new Float64Array(T);
  for (let r = 0; r < selected; r++) w[order[r]] = 1 / selected;
  return w;
}

/** The "krum" method: Multi-Krum's weights, 1/selected on the selected tasks. */
export const krum = defineGramMethod({
  name: "krum",
  kind: "gram",
  options: {
    byzantine: requiredWholeNumber({
      min: 0,
      doc: "number f of Byzantine tasks to tolerate (no default, as TorchJD); T ≥ f + 3",
    }),
    selected: wholeNumberOption({
      default: 1,
      doc: "number of lowest-score tasks averaged (1: Krum); at most T",
    }),
  },
  shared: [],
  weigh: ({ G, T, options, action }) =>
    plainWeighting(krumWeights(G, T, options.byzantine, options.selected, action)),
  claims: {
    nonConflicting: false,
    // The mean of `selected` of the gradients.
    normBound: (norms) => Math.max(0, ...norms),
    // Up to ties, which the lower index breaks: with one neighbour (T − f − 2 = 1) the nearest
    // pair always ties, so the suites select both of it at T = 3.
    permutation: "equivariant",
    testOptions: (T) => T < 3 ? null : { byzantine: 0, selected: T === 3 ? 2 : 1 },
  },
});
