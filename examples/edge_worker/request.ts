/**
 * Reading and checking one request of the edge worker: the body within MAX_BODY_BYTES, then the
 * call within MAX_TASKS and MAX_ENTRIES, before any gradient is converted or any surgery runs.
 * @module
 */

import type { SurgeryOptions } from "../../mod.ts";
import { MAX_BODY_BYTES, MAX_ENTRIES, MAX_TASKS } from "./limits.ts";

/** A client error: becomes a JSON `{ error }` response with this status. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** One surgery call, as the body asks for it. */
export interface Call {
  grads: Float32Array[];
  options: Omit<SurgeryOptions, "out" | "losses">;
  /** The step's task losses (MGDA's "loss" and "loss+" normalisations need them). */
  losses: unknown;
  /** Whether the response carries the step's stats. */
  stats: boolean;
}

/** The keys a body may have; any other is refused, so a misspelt one is not silently ignored. */
const BODY_KEYS = ["grads", "losses", "options", "stats"];

/** The body as text, refusing more than MAX_BODY_BYTES without buffering past the limit. */
export async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      `Request body of ${declared} bytes exceeds the limit of ${MAX_BODY_BYTES} bytes`,
    );
  }
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop by the throw cancels the stream: nothing past the limit is read.
  for await (const chunk of request.body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
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

/** Rows as plain arrays, within MAX_TASKS and MAX_ENTRIES: HttpError 400 or 422 otherwise. */
function checkShape(grads: unknown): unknown[][] {
  if (!Array.isArray(grads)) throw new HttpError(400, "`grads` must be an array of arrays");
  if (grads.length > MAX_TASKS) {
    throw new HttpError(
      422,
      `grads has ${grads.length} tasks, more than the limit of ${MAX_TASKS}`,
    );
  }
  let entries = 0;
  grads.forEach((row, t) => {
    if (!Array.isArray(row)) throw new HttpError(400, `grads[${t}] must be an array of numbers`);
    entries += row.length;
  });
  if (entries > MAX_ENTRIES) {
    throw new HttpError(
      422,
      `grads has ${entries} entries in all (T·d), more than the limit of ${MAX_ENTRIES}`,
    );
  }
  return grads;
}

/** The call the parsed body asks for; HttpError 400 or 422 naming what is wrong. */
export function parseCall(body: unknown): Call {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "Body must be a JSON object with a `grads` array");
  }
  const unknown = Object.keys(body).filter((key) => !BODY_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      `Body has unknown key${unknown.length > 1 ? "s" : ""} ${
        unknown.map((k) => `"${k}"`).join(", ")
      }; expected ${BODY_KEYS.map((k) => `"${k}"`).join(", ")}`,
    );
  }
  const { grads, options, losses, stats = true } = body as Record<string, unknown>;
  const rows = checkShape(grads).map((row, t) => {
    if (!row.every((x) => typeof x === "number")) {
      throw new HttpError(400, `grads[${t}] must be an array of numbers`);
    }
    return Float32Array.from(row as number[]);
  });
  if (
    options !== undefined &&
    (options === null || typeof options !== "object" || Array.isArray(options))
  ) {
    throw new HttpError(400, "`options` must be an object");
  }
  if (typeof stats !== "boolean") {
    throw new HttpError(400, `\`stats\` must be true or false, found ${JSON.stringify(stats)}`);
  }
  // The library's one-call form takes `losses` among the options: accept them there too, once.
  const { out: _out, losses: optionLosses, ...weightOptions } = (options ?? {}) as SurgeryOptions;
  if (losses !== undefined && optionLosses !== undefined) {
    throw new HttpError(400, "`losses` given twice, at the top level and in `options`");
  }
  return { grads: rows, options: weightOptions, losses: losses ?? optionLosses, stats };
}
