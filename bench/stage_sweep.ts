/**
 * Tuning sweep of the WASM wrapper (core/wasm.ts): the Gram and combine kernels, relaxed SIMD
 * against plain SIMD, for several staging chunk sizes (STAGE_FLOATS), side by side in one run on
 * the same buffers. Chose STAGE_FLOATS and the default flavor.
 *
 *   node tools/deno.mjs run --allow-read=. bench/stage_sweep.ts [--T=2,8,32] [--d=1e6,1e7]
 *       [--stage=16384,65536,262144] [--chunk=4096,16384] [--runs=7] [--flavor=relaxed-simd] [--json]
 * @module
 */

import { createWasmKernels, type WasmFlavor, type WasmKernels } from "../core/wasm.ts";
import { median, parseList, timeMs } from "./_timing.ts";
import { makeGrads } from "./inputs.ts";

interface Row {
  T: number;
  d: number;
  flavor: WasmFlavor;
  stageFloats: number;
  maxChunkFloats: number;
  gramMs: number;
  combineMs: number;
}

function main(): void {
  const args = new Map(
    Deno.args.map((a) => a.replace(/^--/, "").split("=") as [string, string]),
  );
  const Ts = parseList(args.get("T") ?? "2,8,32", "T");
  const ds = parseList(args.get("d") ?? "1e6,1e7", "d");
  const stages = parseList(args.get("stage") ?? "16384,65536,262144", "stage");
  const chunks = parseList(args.get("chunk") ?? "4096,16384", "chunk");
  const runs = Number(args.get("runs") ?? 7);
  const flavors = (args.get("flavor") ?? "relaxed-simd,simd").split(",") as WasmFlavor[];
  const rows: Row[] = [];
  console.log("| T | d | flavor | stage floats | max chunk | gram ms | combine ms |");
  console.log("|--:|--:|:--|--:|--:|--:|--:|");
  for (const T of Ts) {
    for (const d of ds) {
      const grads = makeGrads(T, d);
      const out = new Float32Array(d);
      const w = Array.from({ length: T }, (_, t) => 1 / (t + 1));
      const variants: {
        flavor: WasmFlavor;
        stageFloats: number;
        maxChunkFloats: number;
        k: WasmKernels;
      }[] = [];
      for (const flavor of flavors) {
        for (const stageFloats of stages) {
          for (const maxChunkFloats of chunks) {
            const k = createWasmKernels({ flavors: [flavor], stageFloats, maxChunkFloats });
            if (k !== null) variants.push({ flavor, stageFloats, maxChunkFloats, k });
          }
        }
      }
      // Round-robin over the variants, so drift on a shared machine hits all alike.
      const gram: number[][] = variants.map(() => []);
      const combine: number[][] = variants.map(() => []);
      for (let r = 0; r < runs + 1; r++) {
        variants.forEach(({ k }, v) => {
          const g = timeMs(() => k.gram(grads, new Float64Array(T * T)));
          const c = timeMs(() => k.combine(grads, w, out));
          if (r > 0) { // the first round is warm-up
            gram[v].push(g);
            combine[v].push(c);
          }
        });
      }
      variants.forEach(({ flavor, stageFloats, maxChunkFloats }, v) => {
        const row = {
          T,
          d,
          flavor,
          stageFloats,
          maxChunkFloats,
          gramMs: median(gram[v]),
          combineMs: median(combine[v]),
        };
        rows.push(row);
        console.log(
          `| ${T} | ${d} | ${flavor} | ${stageFloats} | ${maxChunkFloats} | ` +
            `${row.gramMs.toFixed(2)} | ` +
            `${row.combineMs.toFixed(2)} |`,
        );
      });
    }
  }
  if (args.has("json")) console.log(JSON.stringify(rows, null, 2));
}

if (import.meta.main) main();
