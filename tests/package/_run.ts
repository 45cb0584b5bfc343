/**
 * Runs a subprocess for the package tests under a time limit. coreutils' `timeout` runs it in a
 * process group of its own and signals the whole group when the limit passes, so grandchildren
 * (npm → prepack → deno → tsc) stop too; an AbortSignal a little later is the backstop. A failure
 * or a timeout throws with the command and its output.
 * @module
 */

/** Where and how long a command may run. */
export interface RunOptions {
  cwd?: string;
  timeoutMs: number;
  env?: Record<string, string>;
}

/** A finished command's exit code and output. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `timeout`'s exit code when the limit passed. */
const TIMED_OUT = 124;
/** Seconds between `timeout`'s SIGTERM and its SIGKILL. */
const GRACE_S = 5;

/** Runs `command` with `args`; throws unless it exits with 0 within `timeoutMs`. */
export async function run(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const seconds = Math.ceil(options.timeoutMs / 1000);
  const signal = AbortSignal.timeout((seconds + GRACE_S + 10) * 1000);
  const output = await new Deno.Command("timeout", {
    args: [`--kill-after=${GRACE_S}`, `${seconds}`, command, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  const text = new TextDecoder();
  const result = {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
  const shown = `${command} ${args.join(" ")}`;
  if (signal.aborted || result.code === TIMED_OUT || output.signal !== null) {
    throw new Error(`${shown} did not finish within ${seconds} s:\n${result.stderr}`);
  }
  if (result.code !== 0) {
    throw new Error(`${shown} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
