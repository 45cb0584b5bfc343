/**
 * Gradient surgery as a worker-style edge function: a module whose default export has
 * `fetch(request)`, the shape Cloudflare Workers, Deno (`deno serve`) and Bun serve. POST a JSON
 * body `{ "grads": number[][], "losses"?: number[], "options"?: { method, reduction, … },
 * "stats"?: boolean }` and get `{ "update": number[], "stats"?: {…} }` back: one stateless surgery
 * step. A training loop that wants fresh PCGrad orders every step sends a different `seed` each
 * step (e.g. the step number).
 *
 * Every answer is JSON: `{ error }` with 4xx for a request the worker refuses (413 for a body over
 * MAX_BODY_BYTES, 422 for more than MAX_TASKS tasks or MAX_ENTRIES gradient entries or for an
 * update beyond float32's range, 400 for a malformed call), 500 for a failure of its own. The limits (limits.ts) bound each request's work.
 *
 * `deno task bundle` writes it as one file with the WASM core inside, dist/edge_worker.mjs, and as
 * dist/edge/worker.mjs, which imports the core as the module dist/edge/core.wasm, for runtimes that
 * refuse to compile WebAssembly from bytes (Cloudflare Workers, Vercel Edge); try it with
 * `deno serve examples/edge_worker/worker.ts`.
 * @module
 */

import { createSurgery, type SurgeryStats } from "../../mod.ts";
import { HttpError, parseCall, readBody } from "./request.ts";

// Only the handler is exported: Cloudflare Workers takes every named export of the main module
// for an entrypoint and refuses to start on a plain value (the limits live in limits.ts).

/** The JSON a successful call returns. */
export interface SurgeryResponse {
  /** The combined update, one number per parameter. */
  update: number[];
  /** The step's diagnostics, as the library's `SurgeryStats`; left out for `"stats": false`. */
  stats?: SurgeryStats;
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The library's boundary errors ("Cannot run surgery: …") name the parameter and the value. */
function isBoundaryError(error: unknown): error is Error {
  return (error instanceof TypeError || error instanceof RangeError) &&
    error.message.startsWith("Cannot ");
}

/** The library's overflow error: the update left float32's range (docs/architecture.md). */
const OVERFLOW = /: the update overflows float32 at /;

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
  const text = await readBody(request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Body is not valid JSON: ${(error as Error).message}`);
  }
  const call = parseCall(body);
  let result: SurgeryResponse;
  try {
    // A fresh stateful surgery per request: `surgery(grads, options)` plus its stats.
    const step = createSurgery(call.options);
    const update = step.surgery(call.grads, { losses: call.losses as number[] | undefined });
    result = call.stats ? { update: Array.from(update), stats: step.stats! } : {
      update: Array.from(update),
    };
  } catch (error) {
    // A well-formed call whose update float32 cannot hold (the library's overflow policy).
    if (isBoundaryError(error) && OVERFLOW.test(error.message)) {
      throw new HttpError(422, error.message);
    }
    if (isBoundaryError(error)) throw new HttpError(400, error.message);
    throw error;
  }
  return json(result);
}

/** The worker: `export default { fetch }`. */
export default {
  /**
   * Answers one request, always with JSON: client errors as `{ error }` with a 4xx status, any
   * other failure as `{ error }` with 500.
   */
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      if (error instanceof HttpError) return json({ error: error.message }, error.status);
      const message = error instanceof Error ? error.message : String(error);
      return json({ error: `Internal error: ${message}` }, 500);
    }
  },
};
