/**
 * MultiMNIST reproduction (PCGrad paper Appendix E: Sener & Koltun 96.45 / 94.95,
 * PCGrad 96.58 / 95.50 left / right test accuracy): the shared-trunk LeNet trained with Adam under
 * equal weighting and under gradient surgery, over several seeds. Prints a progress bar, a table of
 * left / right test accuracy (mean ± std over seeds), and writes the learning curves to
 * out/multimnist_<setting>.svg and every number to out/multimnist_<setting>.json (docs/ instead
 * with --docs: the figures and numbers the README shows).
 *
 *   deno task multimnist                # quick: 5120 images, 2 epochs, 3 seeds (≤ 2 min on 2 cores)
 *   deno task multimnist --setting=full # 60k / 10k images (the paper's split), 3 epochs
 *   options: --methods=sum,pcgrad,mgda-ub,…  --seeds=3  --epochs=N  --train=N  --test=N  --backend=wasm
 *            --tag=name (writes multimnist_<setting>_<name>.*)  --docs (writes to docs/)
 *            --variants=full,direction,magnitude (PCGrad's ablation variants; other methods run "full")
 *            --protocol=sener (Sener & Koltun's released training code: 100 epochs, lr × 0.85 every
 *              10 epochs, standardised inputs, their dropout, nearest-neighbour resize, PyTorch's
 *              default initialisation, MGDA with "loss+" normalisation, one evaluation per epoch)  --lr=0.001
 *            --checkpoints=DIR (checkpoint every run there, and resume any run found there; a
 *              finished run's checkpoint gives its result at once; the task may write under out/)
 *            --firstseed=K (seeds K…K+N−1)
 *            --collect (with --checkpoints: train nothing; gather the finished runs found there and
 *              list the others, e.g. while separate processes are still training)
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import cliProgress from "cli-progress";
import { lineChartSvg, type Reference, type Series } from "../_shared/line_chart.ts";
import { meanStd } from "../_shared/mean_std.ts";
import { outputFolder, writeOutput } from "../_shared/output.ts";
import { METHODS } from "../../vocabulary/methods.ts";
import { type Variant, VARIANTS } from "../../vocabulary/options.ts";
import { registerConv2dGradient } from "./conv_grad.ts";
import { paperAccuracy } from "./paper.ts";
import { byRun, runLabel } from "./run_label.ts";
import { buildMultiMnist, readMnist } from "./data.ts";
import {
  checkpointStatus,
  type RunMethod,
  type RunResult,
  type RunSettings,
  train,
} from "./train.ts";

/** A named setting: data sizes and the training schedule. */
export interface Setting {
  train: number;
  test: number;
  epochs: number;
  evalsPerEpoch: number;
}

/** quick: a smoke-sized run; full: the paper's 60k / 10k split for as many epochs as fit ~90 min. */
export const SETTINGS: Record<"quick" | "full", Setting> = {
  quick: { train: 5120, test: 2000, epochs: 2, evalsPerEpoch: 4 },
  full: { train: 60000, test: 10000, epochs: 3, evalsPerEpoch: 3 },
};
/** Adam's learning rate and the batch size, for every method (PCGrad adds no hyperparameter). */
export const LEARNING_RATE = 1e-3;
export const BATCH = 256;
/** Steps between checkpoints with --checkpoints (about 15 s of PCGrad steps on wasm). */
export const CHECKPOINT_EVERY = 50;

/** The wasm backend's thread count (1 without wasm threads). */
async function wasmThreads(): Promise<number> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  return wasm.getThreadsCount();
}

/** The Markdown table: one row per method, left and right accuracy, seconds per epoch. */
export function resultTable(results: readonly RunResult[]): string {
  const rows = [...byRun(results)].map(([method, runs]) => {
    const perEpoch = runs.map((r) => r.trainSeconds / r.settings.epochs);
    const conflicts = runs[0].conflictRate === null
      ? "–"
      : meanStd(runs.map((r) => 100 * r.conflictRate!), 0) + " %";
    return [
      method,
      String(runs.length),
      meanStd(runs.map((r) => r.accuracy[0])),
      meanStd(runs.map((r) => r.accuracy[1])),
      conflicts,
      meanStd(perEpoch, 1),
    ];
  });
  const header = ["method", "seeds", "left acc %", "right acc %", "steps in conflict", "s / epoch"];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, c) => (c === 0 ? "---" : "---:"))), ...rows.map(line)]
    .join("\n");
}

/** "3 seeds", or "1–3 seeds per run" when the runs have different numbers of finished seeds. */
export function seedCount(results: readonly RunResult[]): string {
  const counts = [...byRun(results).values()].map((runs) => runs.length);
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return lo === hi ? `${lo} seed${lo === 1 ? "" : "s"}` : `${lo}–${hi} seeds per run`;
}

/** Learning curves: test accuracy per task, mean over seeds with a ± std band, one line per method. */
export function curveSeries(results: readonly RunResult[]): Series[] {
  return [...byRun(results)].flatMap(([method, runs]) => {
    return [0, 1].map((task) => ({
      name: method,
      panel: curvePanel(task),
      points: runs[0].curve.map((point, k) => {
        const ys = runs.map((r) => r.curve[k].testAccuracy[task]);
        const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
        const std = Math.sqrt(
          ys.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ys.length - 1),
        );
        return { x: point.epoch, y: mean, lo: mean - std, hi: mean + std };
      }),
    }));
  });
}

/** The learning-curve panel of task 0 (left) or 1 (right). */
function curvePanel(task: number): string {
  return `task ${task === 0 ? "left" : "right"}: test accuracy`;
}

/** The paper's final accuracy for each run in `results` it reports, as reference lines. */
export function paperReferences(results: readonly RunResult[]): Reference[] {
  return [...byRun(results).keys()].flatMap((label) => {
    const paper = paperAccuracy(label);
    return paper === undefined ? [] : [0, 1].map((t) => ({
      panel: curvePanel(t),
      series: label,
      y: paper[t],
    }));
  });
}

/** Creates the --checkpoints folder, naming the fix when Deno may not write there. */
export async function makeCheckpointFolder(folder: string): Promise<void> {
  try {
    await Deno.mkdir(folder, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      throw e;
    }
    throw new Error(
      `Cannot write checkpoints to --checkpoints=${folder}: no write permission there ` +
        `(\`npm run multimnist\` may write under out/ and docs/: use --checkpoints=out/<name>, or ` +
        `run main.ts with --allow-write=${folder})`,
      { cause: e },
    );
  }
}

/** Options without a value. */
const FLAGS = ["collect"];

function parseArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const match = /^--([a-z]+)(?:=(.+))?$/.exec(arg);
    if (!match || (match[2] === undefined && !FLAGS.includes(match[1]))) {
      throw new RangeError(
        `Cannot parse the argument ${JSON.stringify(arg)}: expected --name=value or one of ${
          FLAGS.map((f) => `--${f}`).join(", ")
        }`,
      );
    }
    out[match[1]] = match[2] ?? "true";
  }
  return out;
}

function positive(args: Record<string, string>, name: string, fallback: number): number {
  if (args[name] === undefined) return fallback;
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Cannot run: --${name} must be a positive integer, found ${args[name]}`);
  }
  return n;
}

async function main(argv: readonly string[]) {
  const { folder, rest } = outputFolder(argv);
  const args = parseArgs(rest);
  const name = (args.setting ?? "quick") as keyof typeof SETTINGS;
  if (!(name in SETTINGS)) {
    throw new RangeError(`Cannot run: --setting must be quick or full, found ${name}`);
  }
  const setting: Setting = {
    ...SETTINGS[name],
    train: positive(args, "train", SETTINGS[name].train),
    test: positive(args, "test", SETTINGS[name].test),
    epochs: positive(args, "epochs", SETTINGS[name].epochs),
  };
  const seeds = positive(args, "seeds", 3);
  // Seeds firstseed … firstseed + seeds − 1: processes sharing --checkpoints can split the seeds.
  const firstSeed = args.firstseed === undefined || args.firstseed === "0"
    ? 0
    : positive(args, "firstseed", 0);
  // Output files: multimnist_<setting>[_<tag>].{json,svg}, in out/ or docs/.
  const output = args.tag === undefined ? name : `${name}_${args.tag}`;
  const methods = (args.methods ?? "sum,pcgrad").split(",") as RunMethod[];
  const variants = (args.variants ?? "full").split(",") as Variant[];
  for (const v of variants) {
    if (!(VARIANTS as readonly string[]).includes(v)) {
      throw new RangeError(
        `Cannot run: unknown variant ${JSON.stringify(v)}; known: ${VARIANTS.join(", ")}`,
      );
    }
  }
  if (args.protocol !== undefined && args.protocol !== "sener") {
    throw new RangeError(`Cannot run: --protocol must be sener, found ${args.protocol}`);
  }
  const sener = args.protocol === "sener";
  const protocol = sener
    ? {
      lrDecay: { every: 10, factor: 0.85 },
      normalizeInputs: true,
      dropout: true,
      init: "torch" as const,
    }
    : {};
  const resize = sener ? "nearest" : "area";
  if (sener && args.epochs === undefined) setting.epochs = 100;
  // Their code evaluates once per epoch.
  if (sener) setting.evalsPerEpoch = 1;
  const learningRate = args.lr === undefined ? LEARNING_RATE : Number(args.lr);
  if (!(learningRate > 0 && learningRate < 1)) {
    throw new RangeError(`Cannot run: --lr must be a number in (0, 1), found ${args.lr}`);
  }
  const checkpoints = args.checkpoints;
  const collect = args.collect === "true";
  if (collect && checkpoints === undefined) {
    throw new RangeError("Cannot run: --collect gathers runs from --checkpoints=DIR, found none");
  }
  if (checkpoints !== undefined && !collect) await makeCheckpointFolder(checkpoints);
  for (const m of methods) {
    if (!(METHODS as readonly string[]).includes(m) && m !== "mgda-ub") {
      throw new RangeError(
        `Cannot run: unknown method ${JSON.stringify(m)}; known: ${METHODS.join(", ")}, mgda-ub`,
      );
    }
  }
  tf.env().set("PROD", true);
  registerConv2dGradient();
  const backend = args.backend ?? "wasm";
  if (!(await tf.setBackend(backend))) {
    throw new Error(`Cannot run: the ${backend} backend failed to start`);
  }
  const started = performance.now();
  const trainSet = buildMultiMnist(await readMnist("train"), setting.train, 1, resize);
  const testSet = buildMultiMnist(await readMnist("test"), setting.test, 2, resize);
  console.log(
    `MultiMNIST ${name}: ${trainSet.n} train / ${testSet.n} test images, ${setting.epochs} epochs, ` +
      `batch ${BATCH}, Adam lr ${learningRate}, ${seeds} seeds, backend ${tf.getBackend()}` +
      (tf.getBackend() === "wasm" ? ` (${await wasmThreads()} threads) ` : " ") +
      `(data built in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const bar = new cliProgress.SingleBar({
    format: "{run} |{bar}| {value}/{total} steps | loss L {left} R {right} | ETA {eta_formatted}",
    noTTYOutput: true,
    notTTYSchedule: 15000,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const results: RunResult[] = [];
  // With --collect: the runs whose checkpoints are missing or part-way.
  const pending: { run: string; seed: number; done: number; total: number }[] = [];
  const stepsPerEpoch = Math.floor(trainSet.n / BATCH);
  // Each run's result as soon as it is known: long runs are read off the log.
  const report = (result: RunResult) => {
    results.push(result);
    console.log(
      `  ${runLabel(result.settings)} seed ${result.settings.seed}: left ${
        result.accuracy[0].toFixed(2)
      } %, right ${result.accuracy[1].toFixed(2)} %, ${result.trainSeconds.toFixed(0)} s`,
    );
  };
  // Partial results survive an interrupted run, in out/ whatever the final folder.
  const partialFolder = outputFolder([]).folder;
  const partialName = `multimnist_${output}.partial.json`;
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const runs = methods.flatMap((method): { method: RunMethod; variant: Variant }[] =>
      method !== "pcgrad" ? [{ method, variant: "full" }] : variants.map((variant) => ({
        method,
        variant,
      }))
    );
    for (const { method, variant } of runs) {
      const settings: RunSettings = {
        method,
        variant,
        seed,
        epochs: setting.epochs,
        batch: BATCH,
        learningRate,
        evalsPerEpoch: setting.evalsPerEpoch,
        ...protocol,
        ...(sener && (method === "mgda" || method === "mgda-ub")
          ? { normalization: "loss+" as const }
          : {}),
      };
      const label = runLabel(settings);
      const checkpoint = checkpoints === undefined ? undefined : {
        path: `${checkpoints}/multimnist_${output}_${label.replace(" ", "_")}_seed${seed}.json`,
        everySteps: CHECKPOINT_EVERY,
        resume: true,
      };
      if (collect) {
        const status = await checkpointStatus(settings, stepsPerEpoch, checkpoint!.path);
        if (status.state === "finished") report(status.result);
        else {
          const done = status.state === "running" ? status.done : 0;
          pending.push({ run: label, seed, done, total: stepsPerEpoch * setting.epochs });
          console.log(`  ${label} seed ${seed}: not finished (${done} steps done)`);
        }
        continue;
      }
      let barStarted = false;
      const result = await train(settings, trainSet, testSet, (done, total, [l, r]) => {
        const payload = {
          run: `${label.padEnd(8)} seed ${seed}`,
          left: l.toFixed(3),
          right: r.toFixed(3),
        };
        if (!barStarted) {
          bar.start(total, done, payload);
          barStarted = true;
        } else bar.update(done, payload);
      }, checkpoint);
      bar.stop();
      report(result);
      await writeOutput(partialFolder, partialName, JSON.stringify(results) + "\n");
    }
  }
  if (results.length === 0) throw new Error("Cannot write results: no run has finished yet");
  const table = resultTable(results);
  console.log(
    `\n${table}\n\nTotal wall time ${((performance.now() - started) / 60000).toFixed(1)} min`,
  );
  const jsonPath = await writeOutput(
    folder,
    `multimnist_${output}.json`,
    JSON.stringify(
      {
        setting: { name, ...setting, seeds, batch: BATCH, learningRate, resize, ...protocol },
        table,
        results,
        ...(collect ? { pending } : {}),
      },
      null,
      1,
    ) + "\n",
  );
  const svg = await lineChartSvg({
    title: `MultiMNIST (${name}${sener ? ", Sener & Koltun's protocol" : ""}): test accuracy, ` +
      `mean ± std over ${seedCount(results)}`,
    subtitle: `${trainSet.n} training images, Adam lr ${learningRate}${
      sener ? " × 0.85 every 10 epochs" : ""
    }, batch ${BATCH}, backend ${tf.getBackend()}${
      sener ? "; dashed: the paper's final accuracy" : ""
    }`,
    xLabel: "epoch",
    yLabel: "accuracy %",
    series: curveSeries(results),
    // 100 epochs end within a point of each other: the window shows the end, not the first epochs.
    ...(sener ? { yDomain: [92, 97.5] as const, references: paperReferences(results) } : {}),
  });
  const svgPath = await writeOutput(folder, `multimnist_${output}.svg`, svg);
  if (!collect) await Deno.remove(new URL(partialName, partialFolder.url));
  console.log(`Wrote ${svgPath} and ${jsonPath}`);
}

if (import.meta.main) await main(Deno.args);
