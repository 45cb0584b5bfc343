/**
 * Adam (Kingma & Ba, ICLR 2015) in torch's form, without weight decay, for the loss weightings
 * whose parameters LibMTL trains with the network's optimizer (its default: Adam, lr 1e-4,
 * LibMTL/config.py at commit 04cf41af15808c98250c1c2fb2deba8da32b2d04): GradNorm's weights,
 * uncertainty weighting's log-variances, IMTL-L's scales. Here they get an Adam of their own.
 * @module
 */

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Adam's moments and step count (plain JSON data). */
export interface AdamMoments {
  /** First moment. */
  m: number[];
  /** Second moment. */
  v: number[];
  /** Steps taken. */
  step: number;
}

/** No history: zero moments, no step. */
export function adamInitial(T: number): AdamMoments {
  return { m: new Array<number>(T).fill(0), v: new Array<number>(T).fill(0), step: 0 };
}

/** One Adam step of `params` along `gradient`: new parameters and moments (inputs unchanged). */
export function adamStep(
  params: readonly number[],
  gradient: readonly number[],
  moments: AdamMoments,
  lr: number,
): { params: number[]; moments: AdamMoments } {
  const step = moments.step + 1;
  const c1 = 1 - BETA1 ** step;
  const c2 = 1 - BETA2 ** step;
  const m = gradient.map((g, t) => BETA1 * moments.m[t] + (1 - BETA1) * g);
  const v = gradient.map((g, t) => BETA2 * moments.v[t] + (1 - BETA2) * g * g);
  return {
    params: params.map((x, t) =>
      x - (lr / c1) * m[t] / (Math.sqrt(v[t]) / Math.sqrt(c2) + EPSILON)
    ),
    moments: { m, v, step },
  };
}
