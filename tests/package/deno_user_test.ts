// A Deno user of "./tfjs" by URL: the repository served over HTTP on 127.0.0.1, a fresh project
// whose deno.json maps only @tensorflow/tfjs (what `deno add npm:@tensorflow/tfjs` writes), and a
// script importing the adapter by URL beside tf.js for one SurgeryOptimizer step. A bare import of
// any other package in the adapter (@tensorflow/tfjs-core, say) would fail to resolve here.
import assert from "node:assert/strict";
import { serveStatic } from "../../tools/static_server.ts";
import { run } from "./_run.ts";

const ROOT = new URL("../../", import.meta.url);
const manifest = JSON.parse(await Deno.readTextFile(new URL("package.json", ROOT)));
const TFJS_VERSION: string = manifest.devDependencies["@tensorflow/tfjs"];
const MARKER = "RESULT ";

function script(adapterUrl: string): string {
  return `
import * as tf from "@tensorflow/tfjs";
import { createSurgery, SurgeryOptimizer } from "${adapterUrl}";

await tf.setBackend("cpu");
const shared = tf.variable(tf.tensor1d([1, 1]), true, "shared");
const optimizer = new SurgeryOptimizer(tf.train.sgd(0.1), { seed: 1 });
optimizer.minimize(() => [
  tf.sum(tf.mul(shared, tf.tensor1d([1, 0]))),
  tf.sum(tf.mul(shared, tf.tensor1d([-1, 1]))),
]);
const pcgrad = createSurgery();
const task1 = { trunk: tf.tensor1d([1, 0]), head1: tf.tensor1d([3]) };
const task2 = { trunk: tf.tensor1d([-1, 1]), head2: tf.tensor1d([4]) };
const update = pcgrad.surgery([task1, task2]);
console.log(${JSON.stringify(MARKER)} + JSON.stringify({
  theta: Array.from(shared.dataSync()),
  conflicts: optimizer.stats.conflicts,
  trunk: Array.from(update.trunk.dataSync()),
  head2: Array.from(update.head2.dataSync()),
}));
`;
}

Deno.test("deno user: ./tfjs by URL with only @tensorflow/tfjs in the import map", async () => {
  const server = serveStatic(ROOT);
  const dir = await Deno.makeTempDir({ prefix: "gs_deno_user_" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "@tensorflow/tfjs": `npm:@tensorflow/tfjs@${TFJS_VERSION}` } }),
    );
    await Deno.writeTextFile(`${dir}/main.ts`, script(`${server.url}adapters/tfjs.ts`));
    const { stdout } = await run(Deno.execPath(), [
      "run",
      "--no-lock",
      "--no-prompt",
      `--allow-import=127.0.0.1:${server.port}`,
      // tf.js reads its flags from the environment and probes the platform.
      "--allow-env",
      "--allow-read",
      "main.ts",
    ], { cwd: dir, timeoutMs: 180_000 });
    const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
    assert.ok(line, `the script printed no result:\n${stdout}`);
    const got = JSON.parse(line.slice(MARKER.length));
    // PCGrad on g1 = (1, 0), g2 = (−1, 1): update (0.5, 1.5); SGD at 0.1 from (1, 1).
    assert.deepEqual(got.conflicts, [[0, 1]]);
    got.theta.forEach((x: number, k: number) => assert.ok(Math.abs(x - [0.95, 0.85][k]) < 1e-6));
    assert.deepEqual(got.trunk, [0.5, 1.5]);
    assert.deepEqual(got.head2, [4], "a head passes through unchanged");
    const fetched = new Set(server.requests.map((r) => r.path));
    assert.ok(fetched.has("/adapters/tfjs.ts"), "the adapter came by URL");
    for (const { path, status } of server.requests) assert.equal(status, 200, path);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
