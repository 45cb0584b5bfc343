/**
 * A static file server for the edge tests and the browser benchmarks: serves one folder over HTTP
 * on 127.0.0.1 at a free port, GET only, never outside the folder, and records every path asked
 * for.
 * @module
 */

import { extname, normalize, relative } from "node:path";

/** Content types of the files the tests serve. */
const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/**
 * The headers that make a page cross-origin isolated (`crossOriginIsolated` true), which browsers
 * require before they give it SharedArrayBuffer, and so WebAssembly threads.
 */
export const CROSS_ORIGIN_ISOLATION: Readonly<Record<string, string>> = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** A running server; `close()` stops it. */
export interface StaticServer {
  /** Base URL, ending in "/". */
  url: string;
  port: number;
  /** Paths requested so far (with status), in order. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** Serves the files under `root` (a file: URL of a folder), each response with `headers` added. */
export function serveStatic(
  root: URL,
  headers: Readonly<Record<string, string>> = {},
): StaticServer {
  const base = normalize(root.pathname);
  const requests: StaticServer["requests"] = [];
  const answer = async (request: Request): Promise<Response> => {
    if (request.method !== "GET") return new Response("GET only", { status: 405 });
    const path = decodeURIComponent(new URL(request.url).pathname);
    const file = normalize(base + path);
    const inside = !relative(base, file).startsWith("..");
    if (!inside || path.includes("\0")) return new Response("Forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      return new Response(body, {
        headers: { ...headers, "content-type": type, "cache-control": "no-store" },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
        return new Response("Not found", { status: 404 });
      }
      throw error;
    }
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const response = await answer(request);
    requests.push({ path: new URL(request.url).pathname, status: response.status });
    return response;
  });
  const { port } = server.addr;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    close: () => server.shutdown(),
  };
}
