/**
 * Gradient surgery as a worker-style edge function: a module whose default export has
 * `fetch(request)`, the shape Cloudflare Workers, Deno (`deno serve`) and Bun serve. POST a JSON
 * body `{ "grads": number[][], "options"?: { method, reduction, variant, order, seed } }` and get
 * `{ "update": number[], "stats": {…} }` back: one stateless surgery step. A training loop that
 * wants fresh PCGrad orders every step sends a different `seed` each step (e.g. the step number).
 *
 * `deno task bundle` writes it as one file with the WASM core inside, dist/edge_worker.mjs, ready
 * to deploy; try it with `deno serve examples/edge_worker/worker.ts`.
 * @module
 */

import { createSurgery, type SurgeryOptions, type SurgeryStats } from "../../mod.ts";

/** Largest request body accepted, in bytes (about 1.5 M gradient entries as JSON). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The JSON a successful call returns. */
export interface SurgeryResponse {
  /** The combined update, one number per parameter. */
  update: number[];
  /** The step's diagnostics, as the library's `SurgeryStats`. */
  stats: SurgeryStats;
}

/** A client error: becomes a JSON `{ error }` response with this status. */
class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The body as text, refusing more than MAX_BODY_BYTES without buffering past the limit. */
async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) {
    throw new HttpError(413, `Request body of ${declared} bytes exceeds ${MAX_BODY_BYTES} bytes`);
  }
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** `{ grads, options }` from the parsed body; HttpError 400 naming what is wrong. */
function parseCall(body: unknown): { grads: Float32Array[]; options: SurgeryOptions } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "Body must be a JSON object with a `grads` array");
  }
  const { grads, options } = body as { grads?: unknown; options?: unknown };
  if (!Array.isArray(grads)) throw new HttpError(400, "`grads` must be an array of arrays");
  const rows = grads.map((row, t) => {
    if (!Array.isArray(row) || !row.every((x) => typeof x === "number")) {
      throw new HttpError(400, `grads[${t}] must be an array of numbers`);
    }
    return Float32Array.from(row);
  });
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new HttpError(400, "`options` must be an object");
  }
  // `out` cannot come from JSON; everything else is checked by the library.
  const { out: _out, ...weightOptions } = (options ?? {}) as SurgeryOptions;
  return { grads: rows, options: weightOptions };
}

/** One stateless surgery step per POST. */
async function handle(request: Request): Promise<Response> {
  if (request.method !== "POST") {
    return json({ error: `Method ${request.method} not allowed; POST JSON` }, 405, {
      allow: "POST",
    });
  }
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, `Content-Type must be application/json, found "${type}"`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `Body is not valid JSON: ${(error as Error).message}`);
  }
  const { grads, options } = parseCall(body);
  let result: SurgeryResponse;
  try {
    // A fresh stateful surgery per request: `surgery(grads, options)` plus its stats.
    const step = createSurgery(options);
    const update = step.surgery(grads);
    result = { update: Array.from(update), stats: step.stats! };
  } catch (error) {
    // The library's boundary errors name the parameter and the value found.
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new HttpError(400, error.message);
    }
    throw error;
  }
  return json(result);
}

/** The worker: `export default { fetch }`. */
export default {
  /** Answers one request; client errors become JSON `{ error }` with a 4xx status. */
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      if (error instanceof HttpError) return json({ error: error.message }, error.status);
      throw error;
    }
  },
};
