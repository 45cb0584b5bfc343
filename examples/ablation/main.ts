/**
 * The synthetic ablation of PCGrad's direction and magnitude (Yu et al. 2020, §5.2) over controlled
 * conflict angles and magnitude ratios: runs the sweep of sweep.ts, writes every run and the
 * per-cell summary to ablation_synthetic.json and the heatmaps to ablation_synthetic.svg, in out/
 * (or docs/ with --docs). `--plot` only redraws the SVG from an existing JSON file.
 * `--adamlr=X`, `--sgdlr=Y` (× 1 / curvature) change the step sizes for a sensitivity check;
 * `--tag=name` then names the files ablation_synthetic_<name>.*.
 *
 *   npm run ablation                   # ~1 min (deno task ablation, where Deno is installed)
 *   npm run ablation -- --docs
 *   npm run ablation -- --docs --plot
 * @module
 */

import { type AblationFile, ablationSvg } from "./plot.ts";
import { DEFAULT_SETTINGS, summarize, sweep } from "./sweep.ts";

/** A positive number from `--name=value`, or the fallback. */
function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!(x > 0 && Number.isFinite(x))) {
    throw new RangeError(
      `Cannot run the ablation: --${name} must be a positive number, found ${value}`,
    );
  }
  return x;
}

async function main(args: readonly string[]) {
  const options: Record<string, string> = {};
  for (const a of args) {
    const match = /^--(adamlr|sgdlr|tag)=(.+)$/.exec(a);
    if (match) options[match[1]] = match[2];
    else if (a !== "--docs" && a !== "--plot") {
      throw new RangeError(`Cannot run the ablation: unknown argument ${JSON.stringify(a)}`);
    }
  }
  const settings = {
    ...DEFAULT_SETTINGS,
    adamLr: positiveNumber(options.adamlr, "adamlr", DEFAULT_SETTINGS.adamLr),
    sgdLrTimesCurvature: positiveNumber(
      options.sgdlr,
      "sgdlr",
      DEFAULT_SETTINGS.sgdLrTimesCurvature,
    ),
  };
  const name = options.tag === undefined
    ? "ablation_synthetic"
    : `ablation_synthetic_${options.tag}`;
  const dir = new URL(args.includes("--docs") ? "../../docs/" : "../../out/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const json = new URL(`${name}.json`, dir);
  let file: AblationFile;
  if (args.includes("--plot")) {
    file = JSON.parse(await Deno.readTextFile(json));
  } else {
    const started = performance.now();
    const records = sweep(settings, (done, total) => {
      if (done % 200 === 0 || done === total) console.log(`  ${done} / ${total} runs`);
    });
    const summary = summarize(records);
    file = { settings, summary };
    await Deno.writeTextFile(json, JSON.stringify({ settings, summary, records }) + "\n");
    console.log(
      `${records.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `wrote ${json.pathname}`,
    );
  }
  const svg = new URL(`${name}.svg`, dir);
  await Deno.writeTextFile(svg, await ablationSvg(file));
  console.log(`wrote ${svg.pathname}`);
}

if (import.meta.main) await main(Deno.args);
