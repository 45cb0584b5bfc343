/**
 * The edge tests' shared workload: fixed task gradients (T = 4, a length that leaves a SIMD tail,
 * conflicting pairs) and the split-phase update over two shards. Takes the library as a parameter,
 * so the same code runs against a local import, a URL import and the bundle.
 * @module
 */

import type * as Library from "../../mod.ts";

/** Tasks and length of {@linkcode sampleGrads}. */
export const SAMPLE = { T: 4, d: 1031 } as const;

/** Deterministic task gradients from an integer hash: values in [−1, 1), task 3 against task 0. */
export function sampleGrads(): Float32Array[] {
  const grads = Array.from(
    { length: SAMPLE.T },
    (_, t) =>
      Float32Array.from({ length: SAMPLE.d }, (_, k) => {
        let h = Math.imul(t * 7919 + k + 1, 2654435761) >>> 0;
        h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
        return (h >>> 8) / 2 ** 23 - 1;
      }),
  );
  for (let k = 0; k < SAMPLE.d; k++) grads[3][k] = 0.5 * grads[3][k] - grads[0][k];
  return grads;
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
