/**
 * A server process for the edge tests: started on a free loopback port, killed after at most
 * SERVER_LIMIT_MS whatever happens, and stopped by `close()`.
 * @module
 */

/** Longest a test server may live. */
export const SERVER_LIMIT_MS = 120_000;
/** Longest a server may take to start answering. */
const START_LIMIT_MS = 60_000;

/** A running server and its base URL. */
export interface Server {
  url: string;
  /** Stops the server; returns what it printed on stderr. */
  close(): Promise<string>;
}

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Runs `command args(port)` and waits until it answers HTTP on 127.0.0.1:port (any status);
 * throws with its stderr if it exits or stays silent past START_LIMIT_MS.
 */
export async function startServer(
  command: string,
  args: (port: number) => string[],
): Promise<Server> {
  const port = freePort();
  const child = new Deno.Command(command, {
    args: args(port),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(SERVER_LIMIT_MS),
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const close = async () => {
    if (!exited) child.kill("SIGKILL");
    await status;
    return await stderr;
  };
  const url = `http://127.0.0.1:${port}/`;
  const until = Date.now() + START_LIMIT_MS;
  while (!exited && Date.now() < until) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return { url, close };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const printed = await close();
  throw new Error(`${command} did not start answering on ${url}:\n${printed}`);
}
