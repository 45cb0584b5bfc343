/**
 * The edge tests' shared workload: fixed task gradients (T = 4, a length that leaves a SIMD tail,
 * conflicting pairs) and the split-phase update over two shards. Takes the library as a parameter,
 * so the same code runs against a local import, a URL import and the bundle.
 * @module
 */

import { taskGradients } from "../../examples/browser/workload.ts";
import type * as Library from "../../mod.ts";

/** Tasks and length of {@linkcode sampleGrads}. */
export const SAMPLE = { T: 4, d: 1031 } as const;

/**
 * The methods the refused-WASM child runs, with their options: one per kernel family (PCGrad's
 * Gram and combine, MGDA's weights, the elementwise GradDrop and trimmed mean).
 */
export const REFUSED_METHODS = {
  pcgrad: {},
  mgda: {},
  graddrop: {},
  "trimmed-mean": { trim: 1 },
} as const;

/** Fixed task gradients: T = 4 of length 1031, the last against the first. */
export function sampleGrads(): Float32Array[] {
  return taskGradients(SAMPLE.T, SAMPLE.d);
}

/** The update through the split phase: Gram of two shards, weights, each shard combined. */
export function splitPhaseUpdate(
  library: Pick<typeof Library, "accumulateGram" | "surgeryWeights" | "combineBlock">,
  grads: readonly Float32Array[],
  seed: number,
): Float32Array {
  const cut = Math.floor(grads[0].length / 2);
  const left = grads.map((g) => g.subarray(0, cut));
  const right = grads.map((g) => g.subarray(cut));
  const gram = library.accumulateGram(right, library.accumulateGram(left));
  const { weights } = library.surgeryWeights(gram, { seed });
  const out = new Float32Array(grads[0].length);
  out.set(library.combineBlock(left, weights), 0);
  out.set(library.combineBlock(right, weights), cut);
  return out;
}
