/**
 * The synthetic ablation of PCGrad's direction and magnitude (Yu et al. 2020, §5.2) over controlled
 * conflict angles and magnitude ratios: runs the sweep of sweep.ts, writes every run and the
 * per-cell summary to ablation_synthetic.json and the heatmaps to ablation_synthetic.svg, in out/
 * (or docs/ with --docs). `--plot` only redraws the SVG from an existing JSON file.
 *
 *   deno run --allow-read=. --allow-write=out examples/ablation/main.ts           # ~1 min
 *   deno run --allow-read=. --allow-write=docs examples/ablation/main.ts --docs
 *   deno run --allow-read=. --allow-write=docs examples/ablation/main.ts --docs --plot
 * @module
 */

import { type AblationFile, ablationSvg } from "./plot.ts";
import { DEFAULT_SETTINGS, summarize, sweep } from "./sweep.ts";

async function main(args: readonly string[]) {
  for (const a of args) {
    if (a !== "--docs" && a !== "--plot") {
      throw new RangeError(`Cannot run the ablation: unknown argument ${JSON.stringify(a)}`);
    }
  }
  const dir = new URL(args.includes("--docs") ? "../../docs/" : "../../out/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const json = new URL("ablation_synthetic.json", dir);
  let file: AblationFile;
  if (args.includes("--plot")) {
    file = JSON.parse(await Deno.readTextFile(json));
  } else {
    const started = performance.now();
    const records = sweep(DEFAULT_SETTINGS, (done, total) => {
      if (done % 200 === 0 || done === total) console.log(`  ${done} / ${total} runs`);
    });
    const summary = summarize(records);
    file = { settings: DEFAULT_SETTINGS, summary };
    await Deno.writeTextFile(
      json,
      JSON.stringify({ settings: DEFAULT_SETTINGS, summary, records }) + "\n",
    );
    console.log(
      `${records.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `wrote ${json.pathname}`,
    );
  }
  const svg = new URL("ablation_synthetic.svg", dir);
  await Deno.writeTextFile(svg, await ablationSvg(file));
  console.log(`wrote ${svg.pathname}`);
}

if (import.meta.main) await main(Deno.args);
