/**
 * What a consumer of the npm package runs, as source text written into a temporary project: one
 * plain-JavaScript check script (Node, Bun and Deno run the same file) and one TypeScript file that
 * tsc checks against the package's declarations. Each prints one line of JSON after
 * {@linkcode MARKER}; tf.js prints its own lines to stdout too.
 * @module
 */

/** Starts the line that carries a check script's results. */
export const MARKER = "RESULT ";

/**
 * Fixed task gradients: T rows of length d, deterministic, with conflicting pairs. The check
 * script carries the same function as text ({@linkcode checkScript}), so the test recomputes the
 * package's numbers from the sources.
 */
export function consumerGrads(T: number, d: number): Float32Array[] {
  return Array.from({ length: T }, (_, t) => {
    const row = new Float32Array(d);
    // Integer hashing only: every engine computes the same floats (Math.sin need not agree).
    for (let k = 0; k < d; k++) {
      const h = (Math.imul(k + 1, 2654435761) ^ Math.imul(t + 1, 40503)) >>> 0;
      row[k] = (h % 2001) / 1000 - 1 - (t === 1 ? 0.5 : 0);
    }
    return row;
  });
}

/** Tasks and length of the threaded step: 2 × 2^19 floats, enough for the workers to run. */
export const BIG = { T: 2, d: 1 << 19 } as const;
/** Tasks and length of the single-thread step (a length that leaves a SIMD tail). */
export const SMALL = { T: 3, d: 1031 } as const;

/**
 * The check script: the plain API by the package's name (bare, or with Deno's `npm:` prefix), the parallel surgery asked for two
 * threads, and "./tfjs" beside `@tensorflow/tfjs` for one SurgeryOptimizer step. A failing part
 * reports its error instead of ending the script, so every runtime reports every part.
 */
export function checkScript(prefix: "" | "npm:" = ""): string {
  return `
import * as gs from "${prefix}gradient-surgery";
import * as tf from "${prefix}@tensorflow/tfjs";
import { SurgeryOptimizer, surgery as tfSurgery } from "${prefix}gradient-surgery/tfjs";

const consumerGrads = ${consumerGrads.toString()};
const out = {
  runtime: typeof Bun !== "undefined" ? "bun " + Bun.version
    : typeof Deno !== "undefined" ? "deno " + Deno.version.deno
    : "node " + process.versions.node,
};

const pcgrad = gs.createSurgery({ seed: 3 });
out.paper = Array.from(gs.surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]));
out.small = Array.from(pcgrad.surgery(consumerGrads(${SMALL.T}, ${SMALL.d})));
out.kernel = pcgrad.stats.kernel;

try {
  const big = consumerGrads(${BIG.T}, ${BIG.d});
  const parallel = await gs.createParallelSurgery({ threads: 2, seed: 3 });
  try {
    out.threads = parallel.threads;
    const threaded = await parallel.surgery(big);
    const single = gs.createSurgery({ seed: 3 }).surgery(big);
    let gap = 0;
    let scale = 0;
    single.forEach((x, k) => {
      gap = Math.max(gap, Math.abs(x - threaded[k]));
      scale = Math.max(scale, Math.abs(x));
    });
    out.parallelGap = gap;
    out.parallelScale = scale;
  } finally {
    parallel.close();
  }
} catch (error) {
  out.parallelError = String(error);
}

try {
  await tf.setBackend("cpu");
  const shared = tf.variable(tf.tensor1d([1, 1]), true, "shared");
  const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 1 });
  const before = tf.memory().numTensors;
  optimizer.minimize(() => [
    tf.sum(tf.mul(shared, tf.tensor1d([1, 0]))),
    tf.sum(tf.mul(shared, tf.tensor1d([-1, 1]))),
  ]);
  out.leaked = tf.memory().numTensors - before;
  out.theta = Array.from(shared.dataSync());
  out.conflicts = optimizer.stats.conflicts;
  const grads = [tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])];
  const update = tfSurgery(grads);
  out.tfUpdate = Array.from(update.dataSync());
  tf.dispose([update, ...grads, shared]);
  optimizer.dispose();
} catch (error) {
  out.tfjsError = String(error && error.stack || error);
}

console.log(${JSON.stringify(MARKER)} + JSON.stringify(out));
`;
}

/**
 * A TypeScript consumer: compiles only if the package's declarations type both entry points and
 * hand back tf.js's own types (an untyped `any` would leave the `@ts-expect-error` lines unused,
 * which tsc reports).
 */
export const TYPES_SCRIPT = `
import { createParallelSurgery, surgery, type SurgeryStats } from "gradient-surgery";
import * as tf from "@tensorflow/tfjs";
import {
  SurgeryOptimizer,
  surgery as tfSurgery,
  type TfSurgeryOptions,
} from "gradient-surgery/tfjs";

const update: Float32Array = surgery([new Float32Array([1, 0]), new Float32Array([-1, 1])]);
const threads: Promise<number> = createParallelSurgery({ threads: 2 }).then((p) => p.threads);
const options: TfSurgeryOptions = { method: "pcgrad", seed: 1 };
const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), options);
const inner: tf.SGDOptimizer = optimizer.inner;
const stats: SurgeryStats | null = optimizer.stats;
const cost: tf.Tensor1D | null = optimizer.minimize(() => [tf.scalar(1), tf.scalar(2)], true);
const tfUpdate: tf.Tensor1D = tfSurgery([tf.tensor1d([1, 0]), tf.tensor1d([-1, 1])]);
const maps: tf.NamedTensorMap = tfSurgery([{ a: tf.tensor1d([1]) }, { a: tf.tensor1d([2]) }]);
// @ts-expect-error: a method name the package does not have
surgery([update], { method: "no-such-method" });
// @ts-expect-error: the same from "./tfjs"
new SurgeryOptimizer(tf.train.sgd(0.1), { method: "no-such-method" });
export { cost, inner, maps, stats, tfUpdate, threads };
`;
