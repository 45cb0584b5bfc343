// The parallel surgery never keeps a process alive: each scenario of _close_scenario.ts (close
// after a step, close while a step is queued or running, at many moments, and the worker pool
// closed while its worker waits on a step's flag, sleeps between steps or has a message queued)
// runs in its own `deno run`, which must exit by itself. A worker left spinning or in Atomics.wait
// when close() is called hangs the process after its last line, so this needs many processes:
// before the fix, 9 of 12 "after" runs hung on a 2-core machine.
import assert from "node:assert/strict";

const SCENARIO = new URL("_close_scenario.ts", import.meta.url).pathname;
/** Each process's limit; a passing run takes well under a second. */
const LIMIT_MS = 30_000;
/** Processes at a time: enough to keep this quick, few enough for a 2-core machine. */
const AT_ONCE = 3;

const SCENARIOS = [
  "after-cold",
  "after-warm",
  "inflight-sync-warm",
  "inflight-ticks1-cold",
  "inflight-ticks1-warm",
  "inflight-ticks3-warm",
  "inflight-ticks6-asleep",
  "inflight-timer0-cold",
  "inflight-timer0-warm",
  "inflight-timer1-asleep",
  "pool-flag",
  "pool-asleep",
  "pool-queued",
];
/** Runs of each scenario (13 × 5 = 65 processes). */
const REPEATS = 5;

interface Run {
  scenario: string;
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * One process, killed at LIMIT_MS, with no permissions and reading files denied: the library,
 * imported by a local path, starts its threads without reading its worker from disk.
 */
async function run(scenario: string): Promise<Run> {
  const { code, signal, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--deny-read", SCENARIO, scenario],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(LIMIT_MS),
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { scenario, code, signal, stdout: text(stdout), stderr: text(stderr) };
}

/** Runs every scenario REPEATS times, AT_ONCE processes at a time. */
async function runAll(): Promise<Run[]> {
  const queue = SCENARIOS.flatMap((s) => Array<string>(REPEATS).fill(s));
  const runs: Run[] = [];
  const lane = async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) runs.push(await run(s));
  };
  await Promise.all(Array.from({ length: AT_ONCE }, lane));
  return runs;
}

Deno.test("parallel surgery: the process exits by itself after close(), whenever it is called", async () => {
  const runs = await runAll();
  assert.equal(runs.length, SCENARIOS.length * REPEATS);
  const hung = runs.filter((r) => r.signal !== null).map((r) => r.scenario);
  assert.deepEqual(hung, [], `processes still alive after ${LIMIT_MS} ms: ${hung.join(", ")}`);
  for (const r of runs) {
    assert.equal(r.code, 0, `${r.scenario} failed:\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^${r.scenario}: (step|closed)`), r.scenario);
  }
  // Every way a step in flight can end was met: resolved, and rejected once close() cut it.
  const said = new Set(runs.map((r) => r.stdout.replace(/^[^:]*: /, "")));
  assert.ok(said.has("step resolved with the right update"), [...said].join("; "));
  assert.ok(
    said.has("step rejected: Cannot run surgery: this parallel surgery was closed during the step"),
    [...said].join("; "),
  );
});

Deno.test("parallel surgery: imported by a local path, its threads need no --allow-read", async () => {
  const r = await run("after-warm");
  assert.equal(r.signal, null, `still alive after ${LIMIT_MS} ms`);
  assert.equal(r.code, 0, `deno run --deny-read failed:\n${r.stderr}`);
  // The scenario checks it ran on 2 threads and got the single-threaded update.
  assert.equal(r.stdout, "after-warm: step resolved with the right update");
  assert.doesNotMatch(r.stderr, /read access/i);
});
