/**
 * In-place cost per unit of work over d, with nothing else in the process: one gradient buffer
 * (createGradientBuffer) per size, no plain copies of the inputs and no floor measurement beside
 * it, so that large d is measured without memory pressure from the main benchmark's other
 * buffers. Flat columns mean no step where d outgrows a cache.
 *
 *   deno run --allow-read=. bench/in_place_scaling.ts --T=8 --d=1e6,1e7,1e8
 *
 * Prints medians of `--runs` timed runs (default 7) after a warm-up of at least WARMUP_MS.
 * @module
 */

import { accumulateGram, combineBlock, createGradientBuffer } from "../mod.ts";
import { median, parseList, timeMs } from "./_timing.ts";

function option(name: string, fallback: string): string {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

const Ts = parseList(option("T", "8"), "T");
const ds = parseList(option("d", "1e6,1e7,1e8"), "d");
const runs = Math.max(1, Number(option("runs", "7")));
/** Warm-up per operation: repeated until this long has passed (and at least once). */
const WARMUP_MS = 300;

console.log("| T | d | gram ms | ps / (T(T+1)/2·d) | combine ms | ps / (T·d) |");
console.log("|--:|--:|--:|--:|--:|--:|");
for (const T of Ts) {
  for (const d of ds) {
    const buffer = createGradientBuffer(T, d);
    buffer.rows.forEach((row, t) => {
      for (let k = 0; k < d; k++) row[k] = Math.sin(k * (t + 1) * 1e-3 + t);
    });
    const weights = Array.from({ length: T }, (_, t) => 1 / (t + 1));
    const time = (f: () => unknown) => {
      const start = performance.now();
      do f(); while (performance.now() - start < WARMUP_MS);
      return median(Array.from({ length: runs }, () => timeMs(f)));
    };
    const gram = time(() => accumulateGram(buffer.rows));
    const combine = time(() => combineBlock(buffer.rows, weights, buffer.output));
    const pairs = ((T * (T + 1)) / 2) * d;
    console.log(
      `| ${T} | ${d.toExponential(0)} | ${gram.toFixed(2)} | ${
        (gram * 1e9 / pairs).toFixed(1)
      } | ` +
        `${combine.toFixed(2)} | ${(combine * 1e9 / (T * d)).toFixed(1)} |`,
    );
  }
}
