/**
 * "Series of (x, y ± spread) → SVG": line charts in side-by-side panels, each series a line with
 * an optional shaded band, rendered headless by Vega through plot.ts's checked renderer. Generic:
 * learning curves, benchmark sweeps.
 * @module
 */

import type * as vega from "vega";
import { countMarkPaths, renderSvg } from "./plot.ts";

/** One point of a series; `lo`/`hi` bound the shaded band (e.g. mean ± std). */
export interface SeriesPoint {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

/** One line in one panel. */
export interface Series {
  /** Legend name; the same name has the same colour in every panel. */
  name: string;
  /** Title of the panel the line goes in. */
  panel: string;
  points: readonly SeriesPoint[];
}

/**
 * A dashed horizontal line at `y` in one panel, in the colour of the series named `series`: a
 * value to compare that series against, such as the final accuracy a paper reports for it.
 */
export interface Reference {
  panel: string;
  series: string;
  y: number;
}

/** Everything {@linkcode lineChartSpec} draws. */
export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Dashed reference lines; default none. */
  references?: readonly Reference[];
  /** y-axis window; default fitted to the data. */
  yDomain?: readonly [number, number];
  /** Width and height of each panel in pixels; default 360 × 280. */
  panelWidth?: number;
  panelHeight?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];

/** The Vega spec of a panelled line chart (pure data: render it with plot.ts's renderSvg). */
export function lineChartSpec(chart: LineChart): vega.Spec {
  const panels = [...new Set(chart.series.map((s) => s.panel))];
  const references = chart.references ?? [];
  const names = [
    ...new Set([...chart.series.map((s) => s.name), ...references.map((r) => r.series)]),
  ];
  for (const r of references) {
    if (!panels.includes(r.panel) || !Number.isFinite(r.y)) {
      throw new RangeError(
        `Cannot draw the reference line ${JSON.stringify(r)}: its panel must be one of ` +
          `${JSON.stringify(panels)} and its y finite`,
      );
    }
  }
  const values = chart.series.flatMap((s) =>
    s.points.map((p) => ({
      panel: s.panel,
      order: panels.indexOf(s.panel),
      series: s.name,
      x: p.x,
      y: p.y,
      lo: p.lo ?? p.y,
      hi: p.hi ?? p.y,
    }))
  );
  if (values.some((v) => ![v.x, v.y, v.lo, v.hi].every(Number.isFinite))) {
    throw new RangeError("Cannot draw the line chart: every x, y, lo and hi must be finite");
  }
  const width = chart.panelWidth ?? 360;
  const height = chart.panelHeight ?? 280;
  const y: vega.Scale = chart.yDomain
    ? { name: "y", type: "linear", domain: [...chart.yDomain], range: [height, 0], zero: false }
    : {
      name: "y",
      type: "linear",
      domain: { data: "points", fields: ["lo", "hi"] },
      range: [height, 0],
      zero: false,
      nice: true,
    };
  const encodeXY = (field: string): vega.EncodeEntry => ({
    x: { scale: "x", field: "x" },
    y: { scale: "y", field },
  });
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    padding: 10,
    background: "white",
    title: {
      text: chart.title,
      ...(chart.subtitle ? { subtitle: chart.subtitle } : {}),
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: "#444",
      offset: 14,
    },
    layout: { columns: panels.length, padding: 24, bounds: "full", align: "all" },
    data: [{ name: "points", values }, { name: "references", values: references }],
    scales: [
      {
        name: "x",
        type: "linear",
        domain: { data: "points", field: "x" },
        range: [0, width],
        zero: false,
      },
      y,
      { name: "color", type: "ordinal", domain: names, range: PALETTE },
    ],
    legends: [{
      stroke: "color",
      title: "run",
      symbolType: "stroke",
      symbolStrokeWidth: 3,
      orient: "right",
    }],
    marks: [{
      type: "group",
      name: "panel",
      from: { facet: { name: "panelData", data: "points", groupby: ["order", "panel"] } },
      sort: { field: "datum.order" },
      title: { text: { signal: "parent.panel" }, fontSize: 13 },
      encode: { update: { width: { value: width }, height: { value: height } } },
      axes: [
        { orient: "bottom", scale: "x", title: chart.xLabel, grid: true, gridOpacity: 0.3 },
        { orient: "left", scale: "y", title: chart.yLabel, grid: true, gridOpacity: 0.3 },
      ],
      data: [{
        name: "panelReferences",
        source: "references",
        transform: [{ type: "filter", expr: "datum.panel === parent.panel" }],
      }],
      marks: [{
        type: "rule",
        name: "reference",
        from: { data: "panelReferences" },
        encode: {
          enter: {
            x: { value: 0 },
            x2: { field: { group: "width" } },
            y: { scale: "y", field: "y" },
            stroke: { scale: "color", field: "series" },
            strokeDash: { value: [6, 4] },
            strokeWidth: { value: 1.5 },
          },
        },
      }, {
        type: "group",
        from: { facet: { name: "seriesData", data: "panelData", groupby: "series" } },
        // A fixed y window cuts lines that leave it at the panel's edge (the axes stay).
        encode: {
          update: {
            width: { field: { group: "width" } },
            height: { field: { group: "height" } },
            clip: { value: chart.yDomain !== undefined },
          },
        },
        marks: [
          {
            type: "area",
            name: "band",
            from: { data: "seriesData" },
            sort: { field: "datum.x" },
            encode: {
              enter: {
                ...encodeXY("lo"),
                y2: { scale: "y", field: "hi" },
                fill: { scale: "color", field: "series" },
                fillOpacity: { value: 0.18 },
              },
            },
          },
          {
            type: "line",
            name: "line",
            from: { data: "seriesData" },
            sort: { field: "datum.x" },
            encode: {
              enter: {
                ...encodeXY("y"),
                stroke: { scale: "color", field: "series" },
                strokeWidth: { value: 2 },
              },
            },
          },
        ],
      }],
    }],
  };
}

/** {@linkcode lineChartSpec} rendered to SVG, checked to draw a line for every series. */
export async function lineChartSvg(chart: LineChart): Promise<string> {
  const svg = await renderSvg(lineChartSpec(chart));
  const drawn = countMarkPaths(svg, "line");
  const lines = chart.series.filter((s) => s.points.length >= 2).length;
  if (drawn < lines) {
    throw new Error(`Cannot render the line chart: ${drawn} of ${lines} lines drawn`);
  }
  return svg;
}
