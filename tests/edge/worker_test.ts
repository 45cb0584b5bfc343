// The edge-worker example (examples/edge_worker/worker.ts), called the way a worker runtime calls
// it: `default.fetch(request)` with a Request, answers compared with the library's own.
import assert from "node:assert/strict";
import worker, { MAX_BODY_BYTES } from "../../examples/edge_worker/worker.ts";
import { surgery } from "../../mod.ts";
import { sampleGrads } from "./_workload.ts";

const URL_ = "https://edge.example/surgery";

function post(body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return worker.fetch(
    new Request(URL_, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    }),
  );
}

async function expectError(response: Response, status: number, message: RegExp): Promise<void> {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const { error } = await response.json();
  assert.match(error, message);
}

Deno.test("edge worker: a posted gradient gets the library's update and stats", async () => {
  const grads = sampleGrads();
  const options = { seed: 11, reduction: "mean" } as const;
  const response = await post(JSON.stringify({ grads: grads.map((g) => Array.from(g)), options }));
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const { update, stats } = await response.json();
  assert.deepEqual(update, Array.from(surgery(grads, options)));
  assert.equal(stats.kernel, "wasm-simd");
  assert.equal(stats.weights.length, grads.length);
  assert.ok(stats.conflicts.length > 0);

  // The paper's two-task example with defaults (Algorithm 1 by hand).
  const paper = await post(JSON.stringify({ grads: [[1, 0], [-1, 1]] }));
  assert.deepEqual((await paper.json()).update, [0.5, 1.5]);
});

Deno.test("edge worker: bad requests get a 4xx JSON error naming the problem", async () => {
  const get = await worker.fetch(new Request(URL_));
  assert.equal(get.headers.get("allow"), "POST");
  await expectError(get, 405, /GET not allowed/);
  await expectError(await post("{}", { "content-type": "text/plain" }), 415, /text\/plain/);
  await expectError(await post("{not json"), 400, /not valid JSON/);
  await expectError(await post("[1, 2]"), 400, /JSON object with a `grads` array/);
  await expectError(await post('{"grads": 3}'), 400, /`grads` must be an array/);
  await expectError(await post('{"grads": [[1, "2"]]}'), 400, /grads\[0\] must be an array of num/);
  await expectError(await post('{"grads": [[1]], "options": 5}'), 400, /`options` must be an obj/);
  // The library's boundary errors pass through.
  await expectError(
    await post('{"grads": [[1, 2, 3], [1, 2]]}'),
    400,
    /Cannot run surgery: task 1 has length 2, expected 3/,
  );
  await expectError(
    await post('{"grads": [[1]], "options": {"method": "nope"}}'),
    400,
    /method must be one of .*"nope"/,
  );
  await expectError(await post('{"grads": []}'), 400, /Cannot run surgery/);
});

Deno.test("edge worker: bodies over the limit are refused without reading them whole", async () => {
  await expectError(
    await post("{}", { "content-length": String(MAX_BODY_BYTES + 1) }),
    413,
    /exceeds/,
  );
  // A streamed body with no length: the worker stops reading past the limit.
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > MAX_BODY_BYTES * 2) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  await expectError(await post(body), 413, /exceeds/);
  assert.ok(sent <= MAX_BODY_BYTES + 2 * chunk.length, `read ${sent} bytes`);
});
