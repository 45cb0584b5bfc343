/**
 * The CAGrad toy (Liu et al., "Conflict-Averse Gradient Descent", NeurIPS 2021, §5.1),
 * in the code version (`toy.py`, reused by Nash-MTL and FAMO: "+ tanh(−x2)" in f2, where
 * the paper prints "−"). Two losses over x = (x1, x2); their average has its global minimum at
 * (0, −8.3552) and the Pareto set is about the segment x1 ∈ [−7, 7], x2 = −8.3552. Gradients are
 * analytic with torch's conventions at the kinks: d|u|/du = 0 at u = 0, and clamp(min) passes the
 * gradient where its input is ≥ the bound, so at x2 = 0 both c1 and c2 have a non-zero slope.
 * @module
 */

/** The floor inside the logarithms (LOWER = 5e-6). */
export const LOWER = 5e-6;

/** The CAGrad paper's five starting points. */
export const STARTS: readonly (readonly [number, number])[] = [
  [-8.5, 7.5],
  [-8.5, 5],
  [0, 0],
  [9, 9],
  [10, -8],
];

/** x2 of the global minimum of the average and of the drawn Pareto set (the repos' −8.3552). */
export const PARETO_X2 = -8.3552;

/** Value and gradient of one task loss at x. */
export interface Evaluated {
  value: number;
  grad: [number, number];
}

function sech2(x: number): number {
  const c = Math.cosh(x);
  return 1 / (c * c);
}

/** log(max(|u|, LOWER)) and its derivative in u (torch: 0 below the floor and at u = 0). */
function logFloor(u: number): [number, number] {
  const a = Math.abs(u);
  return a >= LOWER ? [Math.log(a), 1 / u] : [Math.log(LOWER), 0];
}

/** Task t ∈ {0, 1} at x: L_t = c1·f_t + c2·g_t (as in CAGrad's toy.py). */
export function task(t: 0 | 1, x1: number, x2: number): Evaluated {
  const th = Math.tanh(x2);
  // f1: u = 0.5(−x1 − 7) − tanh(−x2); f2: u = 0.5(−x1 + 3) + tanh(−x2) + 2.
  const u = t === 0 ? 0.5 * (-x1 - 7) + th : 0.5 * (-x1 + 3) - th + 2;
  const [logU, dLog] = logFloor(u);
  const f = logU + 6;
  const df: [number, number] = [-0.5 * dLog, (t === 0 ? 1 : -1) * sech2(x2) * dLog];
  const shift = t === 0 ? 7 : -7; // g1 uses (−x1 + 7)², g2 (−x1 − 7)²
  const g = ((x1 - shift) ** 2 + 0.1 * (x2 + 8) ** 2) / 10 - 20;
  const dg: [number, number] = [0.2 * (x1 - shift), 0.02 * (x2 + 8)];
  const half = Math.tanh(0.5 * x2);
  const c1 = Math.max(half, 0);
  const c2 = Math.max(-half, 0);
  const slope = 0.5 * sech2(0.5 * x2);
  const dc1 = half >= 0 ? slope : 0;
  const dc2 = -half >= 0 ? -slope : 0;
  return {
    value: c1 * f + c2 * g,
    grad: [c1 * df[0] + c2 * dg[0], c1 * df[1] + f * dc1 + c2 * dg[1] + g * dc2],
  };
}

/** The average objective L0 = ½(L1 + L2) that CAGrad optimises. */
export function average(x1: number, x2: number): number {
  return 0.5 * (task(0, x1, x2).value + task(1, x1, x2).value);
}
