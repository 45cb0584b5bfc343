// The edge-worker example (examples/edge_worker/worker.ts), called the way a worker runtime calls
// it: `default.fetch(request)` with a Request, answers compared with the library's own.
import assert from "node:assert/strict";
import worker from "../../examples/edge_worker/worker.ts";
import { MAX_BODY_BYTES, MAX_ENTRIES, MAX_TASKS } from "../../examples/edge_worker/limits.ts";
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

  // The two-task example of Yu et al. (NeurIPS 2020), Figure 1's geometry, with the defaults.
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
  await expectError(await post('{"grads": [[1]], "options": []}'), 400, /`options` must be an obj/);
  await expectError(await post('{"grads": [[1]], "loss": [1]}'), 400, /unknown key "loss"/);
  await expectError(await post('{"grads": [[1]], "stats": "no"}'), 400, /`stats` must be true/);
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

/** T rows of d numbers, distinct enough that every pair has a direction. */
function rows(T: number, d: number): number[][] {
  return Array.from(
    { length: T },
    (_, t) => Array.from({ length: d }, (_, k) => Math.sin(t + 3 * k)),
  );
}

Deno.test("edge worker: more tasks than MAX_TASKS get a 422 before any work", async () => {
  // T = 3000 once took 30 s and answered a plain-text 500; T = 10000 a 400 from WASM memory.
  for (const [T, d] of [[3000, 2], [3000, 1], [10000, 1], [MAX_TASKS + 1, 3]]) {
    await expectError(
      await post(JSON.stringify({ grads: rows(T, d) })),
      422,
      new RegExp(`grads has ${T} tasks, more than the limit of ${MAX_TASKS}`),
    );
  }
});

Deno.test("edge worker: more entries than MAX_ENTRIES (T·d) get a 422", async () => {
  const d = MAX_ENTRIES / 2 + 1;
  const zeros = `[${new Array(d).fill(0).join(",")}]`;
  await expectError(
    await post(`{"grads": [${zeros}, ${zeros}]}`),
    422,
    new RegExp(
      `grads has ${2 * d} entries in all \\(T·d\\), more than the limit of ${MAX_ENTRIES}`,
    ),
  );
});

Deno.test("edge worker: at MAX_TASKS the T×T stats come back, and `stats: false` leaves them out", async () => {
  const grads = rows(MAX_TASKS, 5);
  const full = await post(JSON.stringify({ grads, options: { seed: 2 } }));
  assert.equal(full.status, 200);
  const { update, stats } = await full.json();
  const want = surgery(grads.map((g) => Float32Array.from(g)), { seed: 2 });
  assert.deepEqual(update, Array.from(want));
  assert.equal(stats.gramian.length, MAX_TASKS);
  assert.equal(stats.cosine[MAX_TASKS - 1].length, MAX_TASKS);
  assert.equal(stats.orders.length, MAX_TASKS);

  const bare = await post(JSON.stringify({ grads, options: { seed: 2 }, stats: false }));
  assert.equal(bare.status, 200);
  assert.deepEqual(await bare.json(), { update: Array.from(want) });
});

Deno.test("edge worker: `losses` reach MGDA's loss normalisation, at the top level or in options", async () => {
  const grads = [[4, 0, 1], [0, 1, -1], [1, 1, 1]];
  const losses = [2, 1, 0.5];
  for (const normalization of ["loss", "loss+"] as const) {
    const options = { method: "mgda", normalization } as const;
    const want = Array.from(
      surgery(grads.map((g) => Float32Array.from(g)), { ...options, losses }),
    );
    const top = await post(JSON.stringify({ grads, losses, options }));
    assert.equal(top.status, 200);
    assert.deepEqual((await top.json()).update, want);
    const inside = await post(JSON.stringify({ grads, options: { ...options, losses } }));
    assert.equal(inside.status, 200);
    assert.deepEqual((await inside.json()).update, want);
  }
  const options = { method: "mgda", normalization: "loss" };
  await expectError(await post(JSON.stringify({ grads, options })), 400, /needs the task losses/);
  await expectError(
    await post(JSON.stringify({ grads, options, losses: [1, 2] })),
    400,
    /losses has 2 entries, expected 3/,
  );
  await expectError(
    await post(JSON.stringify({ grads, losses, options: { ...options, losses } })),
    400,
    /`losses` given twice/,
  );
});

Deno.test("edge worker: an update beyond float32 is a 422 JSON error, as the library's RangeError", async () => {
  for (const variant of ["full", "direction"]) {
    await expectError(
      await post(JSON.stringify({ grads: [[3e38], [3e38]], options: { variant } })),
      422,
      /^Cannot run surgery: the update overflows float32 at index 0: 6\.0000000109955115e\+38 is beyond/,
    );
  }
  // The same values averaged fit.
  const mean = await post(
    JSON.stringify({ grads: [[3e38], [3e38]], options: { reduction: "mean" } }),
  );
  assert.equal(mean.status, 200);
  assert.deepEqual((await mean.json()).update, [Math.fround(3e38)]);
});

Deno.test("edge worker: a failure of its own is a JSON 500 too", async () => {
  // The client's body stream breaks half-way: not a request the worker can answer.
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('{"grads": [['));
      else controller.error(new Error("connection reset"));
    },
  });
  await expectError(await post(body), 500, /^Internal error: connection reset$/);
});
