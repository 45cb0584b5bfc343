/**
 * RLW, random loss weighting (Lin et al., "Reasonable Effectiveness of Random Weighting", TMLR
 * 2022): fresh random weights every step from the seeded stream, summing to 1.
 * "normal": softmax(z), z ~ N(0, I_T) (LibMTL, Nash-MTL, TorchJD `Random`; z by Box–Muller);
 * "dirichlet": Dirichlet(1, …, 1) (normalised Exp(1) draws; Kurin et al.'s "RLW Dirichlet").
 * @module
 */

import type { Prng } from "../random/prng.ts";
import { DISTRIBUTIONS } from "../vocabulary/method_options.ts";
import { defineGramMethod } from "./define.ts";
import { oneOfOption } from "./option_kinds.ts";
import { plainWeighting } from "./types.ts";

/** A uniform draw in (0, 1]. */
function openUniform(rng: Prng): number {
  return 1 - rng.nextFloat();
}

/** A standard normal draw (Box–Muller, cosine branch). */
export function standardNormal(rng: Prng): number {
  const radius = Math.sqrt(-2 * Math.log(openUniform(rng)));
  return radius * Math.cos(2 * Math.PI * rng.nextFloat());
}

/** The "rlw" method. */
export const rlw = defineGramMethod({
  name: "rlw",
  kind: "gram",
  options: {
    distribution: oneOfOption(DISTRIBUTIONS, { default: "normal", doc: "weight distribution" }),
  },
  shared: [],
  weigh({ T, options, rng }) {
    const w = new Float64Array(T);
    if (options.distribution === "normal") {
      for (let t = 0; t < T; t++) w[t] = standardNormal(rng);
      const max = Math.max(...w);
      for (let t = 0; t < T; t++) w[t] = Math.exp(w[t] - max);
    } else {
      for (let t = 0; t < T; t++) w[t] = -Math.log(openUniform(rng));
    }
    const total = w.reduce((a, b) => a + b, 0);
    return plainWeighting(w.map((x) => x / total));
  },
  claims: {
    nonConflicting: false,
    normBound: (norms) => Math.max(0, ...norms), // weights on the simplex
    permutation: {
      untestable: "fresh random weights every draw, drawn by task index from the stream",
    },
  },
});
