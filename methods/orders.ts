/**
 * The visiting orders of Algorithm 1 (Yu et al. 2020): for each task i, the other tasks j ≠ i in a
 * fresh random permutation per i (the paper), ascending (a fixed order), or as given. With
 * self-projection (docs/methods.md; the official TF code, Pytorch-PCGrad, LibMTL) task i is in its
 * own list too.
 * @module
 */

import type { Prng } from "../random/prng.ts";
import type { Order } from "../vocabulary/options.ts";

/** The orders for T tasks; "random" draws T permutations from `rng`, one per task, in task order. */
export function drawOrders(order: Order, T: number, rng: Prng, includeSelf = false): number[][] {
  if (Array.isArray(order)) return order.map((list) => list.slice());
  const orders: number[][] = [];
  for (let i = 0; i < T; i++) {
    const others: number[] = [];
    for (let j = 0; j < T; j++) if (j !== i || includeSelf) others.push(j);
    orders.push(order === "random" ? rng.shuffle(others) : others);
  }
  return orders;
}
