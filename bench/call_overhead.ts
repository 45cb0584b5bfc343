/**
 * Per-call overhead at tiny d: the PCGrad toy demo makes 500 000 calls with T = 2, d = 2, where
 * the fixed cost of one call is all there is. Measures, in one run:
 * - a whole `createSurgery().surgery(grads, { out })` call, and `surgeryWeights` alone;
 * - one Gram plus one combine through the WASM kernels and through the TypeScript kernels, for
 *   T · d around the crossover that chose SMALL_BLOCK_FLOATS (core/kernels.ts).
 *
 *   node tools/deno.mjs run --allow-read=. bench/call_overhead.ts
 * @module
 */

import { createSurgery, surgeryWeights } from "../mod.ts";
import { SMALL_BLOCK_FLOATS } from "../core/kernels.ts";
import { referenceKernels } from "../core/reference.ts";
import { createWasmKernels } from "../core/wasm.ts";
import { median } from "./_timing.ts";

/** Calls per timed batch, and batches (the median batch is reported). */
const CALLS = 20_000;
const BATCHES = 9;

/** Median µs per call of `f` over BATCHES batches of `calls` calls, after one warm-up batch. */
function perCallUs(f: () => unknown, calls = CALLS): number {
  const batches: number[] = [];
  for (let b = 0; b <= BATCHES; b++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    if (b > 0) batches.push(((performance.now() - t0) * 1000) / calls);
  }
  return median(batches);
}

function rows(T: number, d: number): Float32Array[] {
  return Array.from({ length: T }, (_, t) => Float32Array.from({ length: d }, (_, k) => t - k));
}

function main(): void {
  const grads = [new Float32Array([1, 0]), new Float32Array([-1, 1])];
  const out = new Float32Array(2);
  const pcgrad = createSurgery({ seed: 1 });
  const gram = new Float64Array([1, -1, -1, 2]);
  console.log("| call (T = 2, d = 2) | µs per call |");
  console.log("|:--|--:|");
  console.log(
    `| createSurgery().surgery | ${perCallUs(() => pcgrad.surgery(grads, { out })).toFixed(2)} |`,
  );
  console.log(
    `| surgeryWeights (T×T only) | ${perCallUs(() => surgeryWeights(gram)).toFixed(2)} |`,
  );
  console.log("");

  const wasm = createWasmKernels()!;
  console.log(
    `Gram + combine, µs per call (blocks of T·d ≤ ${SMALL_BLOCK_FLOATS} floats run TypeScript):`,
  );
  console.log("| T | d | T·d | WASM | TypeScript |");
  console.log("|--:|--:|--:|--:|--:|");
  for (const [T, d] of [[2, 2], [2, 16], [8, 4], [2, 32], [8, 8], [2, 64], [8, 16], [8, 64]]) {
    const r = rows(T, d);
    const G = new Float64Array(T * T);
    const o = new Float32Array(d);
    const w = new Float64Array(T).fill(0.5);
    const us = [wasm, referenceKernels].map((k) =>
      perCallUs(() => {
        k.gram(r, G);
        k.combine(r, w, o);
      }, CALLS / 4)
    );
    console.log(`| ${T} | ${d} | ${T * d} | ${us[0].toFixed(3)} | ${us[1].toFixed(3)} |`);
  }
}

if (import.meta.main) main();
