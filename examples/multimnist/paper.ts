/**
 * The PCGrad paper's MultiMNIST table (Yu et al. 2020, Appendix E; MGDA-UB's row is Sener and
 * Koltun's): final left / right test accuracy in %, by this example's run names.
 * @module
 */

export const PAPER_MULTIMNIST = {
  "mgda-ub": [96.45, 94.95],
  "pcgrad": [96.58, 95.5],
} as const satisfies Record<string, readonly [number, number]>;

/** The paper's left / right accuracy for the run named `label`, or undefined if it has none. */
export function paperAccuracy(label: string): readonly [number, number] | undefined {
  return (PAPER_MULTIMNIST as Record<string, readonly [number, number]>)[label];
}
