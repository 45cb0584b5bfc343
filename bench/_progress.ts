/**
 * The benchmark's progress line: a bar over the work planned, what is being measured now, the time
 * spent and about how much is left, drawn by cli-progress at the bottom of the terminal (on stderr)
 * with the log lines scrolling above it. Where stderr is not a terminal (CI, a pipe), nothing is
 * drawn and the log lines are printed as they are.
 * @module
 */

import cliProgress from "cli-progress";
import process from "node:process";

/** What the benchmark tells its progress line. */
export interface Progress {
  /** What is being measured now ("T=8, d=1e7: tf.js wasm"). */
  stage(text: string): void;
  /** `units` more of the planned work are done. */
  advance(units: number): void;
  /** Prints a line (a log line or a table) above the bar. */
  log(text: string): void;
  /** Removes the bar; later lines print as they are. */
  stop(): void;
}

/** "45s", "3m12s", "1h02m". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/**
 * A progress line over `total` units of planned work. Log lines go to stdout, or to stderr when
 * `logToStderr` (with --json, where stdout carries only the JSON document). Time left is the
 * time spent so far per unit done, times the units left: as good as the units' weights.
 */
export function createProgress(total: number, logToStderr: boolean): Progress {
  const print = logToStderr ? console.error : console.log;
  const bars = new cliProgress.MultiBar({
    stream: process.stderr,
    format: "{bar} {percentage}% | {elapsed} spent, {left} | {stage}",
    barsize: 24,
    // The cursor stays visible and lines wrap (the tables are wide; the bar is cut to the
    // terminal's width instead): an interrupted run leaves the terminal as it was.
    hideCursor: false,
    linewrap: true,
    clearOnComplete: true,
    // Redraws come mostly from the calls below: the measurements keep the event loop busy.
    fps: 1,
  }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  let done = 0;
  let stage = "measuring the machine's limits";
  const payload = () => {
    const spent = (performance.now() - started) / 1000;
    return {
      stage,
      elapsed: duration(spent),
      left: done > 0 ? `about ${duration(spent / done * (total - done))} left` : "? left",
    };
  };
  const bar = bars.create(total, 0, payload());
  // cli-progress draws only on a terminal; elsewhere every call below just prints.
  let live = bars.isActive;
  // Log lines share the terminal with the bar when they go to it: through the bar's log.
  const sameTerminal = () => logToStderr || process.stdout.isTTY === true;
  const redraw = () => {
    bar.update(done, payload());
    bars.update();
  };
  if (live) redraw();
  return {
    stage(text) {
      stage = text;
      if (live) redraw();
    },
    advance(units) {
      done = Math.min(total, done + units);
      if (live) redraw();
    },
    log(text) {
      if (live && sameTerminal()) {
        bars.log(`${text}\n`);
        redraw();
      } else print(text);
    },
    stop() {
      if (live) bars.stop();
      live = false;
    },
  };
}
