/**
 * The synthetic ablation as one figure: a heatmap per (optimizer, arm) over the conflict angle φ
 * (columns) and the magnitude ratio R (rows), coloured by the mean number of steps to reach the
 * target loss, with the number written in each cell. Built as a Vega spec from the sweep's summary
 * (the JSON the sweep writes), so the figure can be redrawn from the file alone.
 * @module
 */

import type * as vega from "vega";
import { renderSvg } from "../_shared/plot.ts";
import { ARMS, type CellSummary, OPTIMIZERS, type SweepSettings } from "./sweep.ts";

/** What the figure needs from docs/ablation_synthetic.json. */
export interface AblationFile {
  settings: SweepSettings;
  summary: CellSummary[];
}

/** Panel titles of the arms. */
const ARM_TITLES: Record<typeof ARMS[number], string> = {
  sum: "sum",
  pcgrad: "PCGrad",
  direction: "direction only",
  magnitude: "magnitude only",
};

/** The heatmap grid's Vega spec: rows Adam and gradient descent, columns the four arms. */
export function ablationSpec(file: AblationFile): vega.Spec {
  const { settings, summary } = file;
  const cells = summary.map((c) => {
    const all = c.reached === c.runs;
    return {
      order: OPTIMIZERS.indexOf(c.optimizer) * ARMS.length + ARMS.indexOf(c.arm),
      panel: `${c.optimizer === "adam" ? "Adam" : "gradient descent"} · ${ARM_TITLES[c.arm]}`,
      phi: `${c.phi}°`,
      ratio: String(c.ratio),
      steps: all ? c.meanSteps : null,
      label: all
        ? String(Math.round(c.meanSteps!))
        : c.diverged > 0
        ? "div"
        : `${c.reached}/${c.runs}`,
    };
  });
  const panelSize = 210;
  return {
    $schema: "https://vega.github.io/schema/vega/v5.json",
    padding: 10,
    autosize: "pad",
    background: "white",
    title: {
      text: "Synthetic ablation: steps until L₁ + L₂ falls below " +
        `${settings.target} of its start (mean over ${settings.seeds.length} seeds)`,
      subtitle: [
        "Two tasks whose gradients make the angle φ, with norm ratio R, at the start. " +
        `Adam lr ${settings.adamLr}; gradient descent lr ${settings.sgdLrTimesCurvature} / top curvature of L₁ + L₂.`,
        "Direction only: PCGrad's direction with the sum's length. Magnitude only: the sum's direction " +
        "with PCGrad's length.",
        `Budget ${settings.steps} steps; grey "k/n": only k of n seeds got there; "div": diverged.`,
      ],
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 11,
    },
    layout: {
      columns: ARMS.length,
      padding: { row: 30, column: 24 },
      bounds: "full",
      align: "all",
    },
    data: [{ name: "cells", values: cells }],
    scales: [
      {
        name: "x",
        type: "band",
        domain: settings.phis.map((p) => `${p}°`),
        range: [0, panelSize],
      },
      {
        name: "y",
        type: "band",
        domain: settings.ratios.map(String).reverse(),
        range: [0, panelSize],
      },
      {
        name: "color",
        type: "log",
        domain: [1, settings.steps],
        range: { scheme: "viridis" },
        reverse: true,
      },
    ],
    legends: [{
      fill: "color",
      type: "gradient",
      title: "steps",
      orient: "right",
      gradientLength: 300,
    }],
    marks: [{
      type: "group",
      from: {
        facet: {
          name: "panel",
          data: "cells",
          groupby: ["panel"],
          aggregate: { fields: ["order"], ops: ["min"], as: ["order"] },
        },
      },
      sort: { field: "datum.order" },
      encode: { update: { width: { value: panelSize }, height: { value: panelSize } } },
      title: { text: { signal: "parent.panel" }, fontSize: 12, anchor: "start" },
      axes: [
        { scale: "x", orient: "bottom", title: "conflict angle φ", labelFontSize: 9 },
        { scale: "y", orient: "left", title: "norm ratio R", labelFontSize: 9 },
      ],
      marks: [
        {
          type: "rect",
          name: "cell",
          from: { data: "panel" },
          encode: {
            update: {
              x: { scale: "x", field: "phi" },
              width: { scale: "x", band: 1 },
              y: { scale: "y", field: "ratio" },
              height: { scale: "y", band: 1 },
              fill: [
                { test: "datum.steps === null", value: "#d9d9d9" },
                { scale: "color", field: "steps" },
              ],
              stroke: { value: "white" },
            },
          },
        },
        {
          type: "text",
          from: { data: "panel" },
          encode: {
            update: {
              x: { scale: "x", field: "phi", band: 0.5 },
              y: { scale: "y", field: "ratio", band: 0.5 },
              text: { field: "label" },
              align: { value: "center" },
              baseline: { value: "middle" },
              fontSize: { value: 8 },
              fill: [
                { test: "datum.steps !== null && datum.steps < 150", value: "black" },
                { test: "datum.steps === null", value: "black" },
                { value: "white" },
              ],
            },
          },
        },
      ],
    }],
  };
}

/** The figure as SVG text; throws if Vega reports a problem or draws no cells. */
export async function ablationSvg(file: AblationFile): Promise<string> {
  const svg = await renderSvg(ablationSpec(file));
  const panels = svg.match(/role-mark cell"/g)?.length ?? 0;
  if (panels !== OPTIMIZERS.length * ARMS.length) {
    throw new Error(
      `Cannot render the ablation: ${panels} heatmap panels drawn, expected ${
        OPTIMIZERS.length * ARMS.length
      }`,
    );
  }
  return svg;
}
