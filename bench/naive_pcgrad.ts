/**
 * PCGrad (Yu et al. 2020, Algorithm 1) in vector form, the way a straightforward
 * port of Pytorch-PCGrad to TypeScript would run it: per task i, copy g_i into a scratch array,
 * visit every other task j in the given order, take dot(g_i^PC, g_j) in a plain loop, and on a
 * conflict (dot < 0) subtract (dot / ‖g_j‖²)·g_j, always projecting against the *original* g_j;
 * then add g_i^PC to the output (sum reduction). About T²·d multiply-adds for the dots alone,
 * against T²·d/2 for the Gram pass of the library plus T·d for its combine pass.
 *
 * Written plainly but not slowly: typed arrays, ‖g_j‖² computed once per call, no allocation in
 * the loops, float64 accumulation of the dot products (JS numbers).
 * @module
 */

/** The ascending visiting order: for task i, every j ≠ i from 0 to T − 1. */
export function fixedOrders(T: number): number[][] {
  const orders: number[][] = [];
  for (let i = 0; i < T; i++) {
    const others: number[] = [];
    for (let j = 0; j < T; j++) if (j !== i) others.push(j);
    orders.push(others);
  }
  return orders;
}

/**
 * Σ_i g_i^PC for task gradients `grads` (T rows of length d), task i visiting `orders[i]`
 * (default: ascending). Writes into `out` and uses `scratch` (both of length d) when given,
 * otherwise allocates them. A task with ‖g_j‖² = 0 is never projected on.
 */
export function naivePcgrad(
  grads: readonly Float32Array[],
  orders: readonly (readonly number[])[] = fixedOrders(grads.length),
  out?: Float32Array,
  scratch?: Float32Array,
): Float32Array {
  const T = grads.length;
  const d = T === 0 ? 0 : grads[0].length;
  const result = out ?? new Float32Array(d);
  const pc = scratch ?? new Float32Array(d);

  const sqNorms = new Float64Array(T);
  for (let j = 0; j < T; j++) {
    const gj = grads[j];
    let s = 0;
    for (let k = 0; k < d; k++) s += gj[k] * gj[k];
    sqNorms[j] = s;
  }

  result.fill(0);
  for (let i = 0; i < T; i++) {
    pc.set(grads[i]);
    const order = orders[i];
    for (let n = 0; n < order.length; n++) {
      const j = order[n];
      const gj = grads[j];
      let dot = 0;
      for (let k = 0; k < d; k++) dot += pc[k] * gj[k];
      if (dot < 0 && sqNorms[j] > 0) {
        const c = dot / sqNorms[j];
        for (let k = 0; k < d; k++) pc[k] -= c * gj[k];
      }
    }
    for (let k = 0; k < d; k++) result[k] += pc[k];
  }
  return result;
}
