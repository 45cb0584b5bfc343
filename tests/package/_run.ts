/**
 * Runs a subprocess for the package tests under a time limit: it is killed when the limit passes,
 * and a failure or a timeout throws with the command and its output.
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

/** Runs `command` with `args`; throws unless it exits with 0 within `timeoutMs`. */
export async function run(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  });
  const output = await child.output();
  const text = new TextDecoder();
  const result = {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
  const shown = `${command} ${args.join(" ")}`;
  if (signal.aborted) {
    throw new Error(`${shown} did not finish within ${options.timeoutMs} ms:\n${result.stderr}`);
  }
  if (result.code !== 0) {
    throw new Error(
      `${shown} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}
