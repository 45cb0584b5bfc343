/**
 * The 2-D toy of the PCGrad paper (Yu et al., "Gradient Surgery for Multi-Task Learning",
 * NeurIPS 2020, Figure 1 and Appendix D): two task losses over θ = (θ1, θ2)
 * whose valleys meet only at θ1 = −2, tanh θ2 → 1. Everything here is float64.
 * @module
 */

/** Floor inside both logarithms (paper: max(|·|, 0.000005)). */
export const FLOOR = 5e-6;

/** The paper's starting point θ = (0.5, −3). */
export const START: readonly [number, number] = [0.5, -3];

/** Inner term of task 1: 0.5θ1 + tanh(θ2). */
function inner1(t1: number, t2: number): number {
  return 0.5 * t1 + Math.tanh(t2);
}

/** Inner term of task 2: 0.5θ1 − tanh(θ2) + 2. */
function inner2(t1: number, t2: number): number {
  return 0.5 * t1 - Math.tanh(t2) + 2;
}

/**
 * tanh′(x) = sech²(x) = 4e / (1 + e)² with e = exp(−2|x|): no cancellation (unlike 1 − tanh²), no
 * overflow, and the same bits in every engine. Math.cosh is not: Chromium 156 and Deno 2.9 (V8
 * 15.0) differ in its last bit at some inputs, and Adam's run on the valley floor amplifies one
 * such bit into a different end point (tests/edge/browser_test.ts compares the two bit for bit).
 */
function sech2(x: number): number {
  const e = Math.exp(-2 * Math.abs(x));
  return (4 * e) / ((1 + e) * (1 + e));
}

/** Task 1 loss (Yu et al. 2020, Appendix D): L1 = 20·log(max(|0.5θ1 + tanh(θ2)|, 5e-6)). */
export function loss1(t1: number, t2: number): number {
  return 20 * Math.log(Math.max(Math.abs(inner1(t1, t2)), FLOOR));
}

/** Task 2 loss (Yu et al. 2020, Appendix D): L2 = 25·log(max(|0.5θ1 − tanh(θ2) + 2|, 5e-6)). */
export function loss2(t1: number, t2: number): number {
  return 25 * Math.log(Math.max(Math.abs(inner2(t1, t2)), FLOOR));
}

/** The objective the paper minimises: L = L1 + L2. */
export function loss(t1: number, t2: number): number {
  return loss1(t1, t2) + loss2(t1, t2);
}

/**
 * d/du [c·log(max(|u|, floor))] = c·sign(u)/|u| = c/u above the floor, 0 where the max picks
 * the floor (and so at u = 0, where sign(0) = 0 too).
 */
function logAbsSlope(c: number, u: number): number {
  return Math.abs(u) > FLOOR ? c / u : 0;
}

/** ∇L1 = 20/u1 · (0.5, sech²θ2) with u1 = 0.5θ1 + tanh θ2 (0 on the floor). */
export function grad1(t1: number, t2: number): [number, number] {
  const s = logAbsSlope(20, inner1(t1, t2));
  return s === 0 ? [0, 0] : [0.5 * s, s * sech2(t2)];
}

/** ∇L2 = 25/u2 · (0.5, −sech²θ2) with u2 = 0.5θ1 − tanh θ2 + 2 (0 on the floor). */
export function grad2(t1: number, t2: number): [number, number] {
  const s = logAbsSlope(25, inner2(t1, t2));
  return s === 0 ? [0, 0] : [0.5 * s, -s * sech2(t2)];
}
