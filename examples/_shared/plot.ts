/**
 * "Loss landscape + optimisation trajectories → SVG" for the 2-D toy demos: filled contours of
 * f(x, y) on a grid (a Vega `isocontour` transform) with each run's path, its start and its end
 * drawn on top (later runs over earlier ones), rendered headless by Vega. Vega reports errors through its logger instead of
 * throwing (a broken spec gives an empty SVG), so {@linkcode renderSvg} collects every warning
 * and error and throws.
 * @module
 */

import * as vega from "vega";

/** The function under the trajectories, sampled on a grid over a window. */
export interface Landscape {
  /** The function drawn, e.g. the total loss. */
  f: (x: number, y: number) => number;
  /** Window along x (horizontal axis), [min, max]. */
  x: readonly [number, number];
  /** Window along y (vertical axis), [min, max]. */
  y: readonly [number, number];
  /** Contour levels, ascending. */
  thresholds: readonly number[];
  /** Grid samples along x; default 240. */
  nx?: number;
  /** Grid samples along y; default 240. */
  ny?: number;
  /** Name of f in the colour legend; default "f". */
  label?: string;
  /**
   * Colours of the fill: "viridis" (default), or "greys", dark where f is low, which leaves the
   * colours to the trajectories.
   */
  scheme?: "viridis" | "greys";
}

/** A text next to a trajectory's end point, e.g. what the run reached. */
export interface EndLabel {
  /** One line, or several top to bottom. */
  text: string | readonly string[];
  /** Offset of the text's top from the end point in pixels (right and down); default (10, 0). */
  dx?: number;
  dy?: number;
  /** Which side of the text sits at the offset point; default "left". */
  align?: "left" | "center" | "right";
}

/** One optimisation run's path. */
export interface Trajectory {
  /** Legend name of the run. */
  name: string;
  /** Visited points [x, y], first = start, last = end. */
  points: readonly (readonly [number, number])[];
  /** Line colour; default from a qualitative palette. */
  color?: string;
  /** Dash pattern of the line (SVG stroke-dasharray lengths); default solid. */
  dash?: readonly number[];
  /** Text written next to the end point. */
  endLabel?: EndLabel;
}

/** A labelled point drawn on the landscape (e.g. the optimum). */
export interface Marker {
  /** Text next to the point. */
  label: string;
  x: number;
  y: number;
}

/** Everything {@linkcode landscapeSpec} draws. */
export interface LandscapePlot {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  landscape: Landscape;
  trajectories: readonly Trajectory[];
  markers?: readonly Marker[];
  /** Plot area width in pixels; default 520. */
  width?: number;
  /** Plot area height in pixels; default 520. */
  height?: number;
}

/** Qualitative colours that stand out on the viridis fill (each line also gets a white casing). */
const PALETTE = ["#d62728", "#1f3fbf", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];

/** Samples f at cell centres, row 0 at the top (max y), as the isocontour transform expects. */
function sampleGrid(land: Landscape): { width: number; height: number; values: number[] } {
  const nx = land.nx ?? 240;
  const ny = land.ny ?? 240;
  const [x0, x1] = land.x;
  const [y0, y1] = land.y;
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  const values = new Array<number>(nx * ny);
  for (let row = 0; row < ny; row++) {
    const y = y1 - (row + 0.5) * dy;
    for (let col = 0; col < nx; col++) {
      const v = land.f(x0 + (col + 0.5) * dx, y);
      if (!Number.isFinite(v)) {
        throw new RangeError(`Cannot plot the landscape: f(${x0 + (col + 0.5) * dx}, ${y}) = ${v}`);
      }
      values[row * nx + col] = v;
    }
  }
  return { width: nx, height: ny, values };
}

/** One line mark over a run's trajectory points, in step order. */
function trajectoryLine(
  name: string,
  paint: vega.EncodeEntry,
  width: number,
): vega.LineMark {
  return {
    type: "line",
    name,
    from: { data: "series" },
    sort: { field: "datum.order" },
    encode: {
      enter: {
        x: { scale: "x", field: "x" },
        y: { scale: "y", field: "y" },
        ...paint,
        strokeWidth: { value: width },
        strokeJoin: { value: "round" },
      },
    },
  };
}

/** The Vega spec of a landscape plot (pure data: render it with {@linkcode renderSvg}). */
export function landscapeSpec(plot: LandscapePlot): vega.Spec {
  const land = plot.landscape;
  const thresholds = [...land.thresholds];
  if (thresholds.length < 2 || thresholds.some((t, k) => k > 0 && !(t > thresholds[k - 1]))) {
    throw new RangeError("Cannot plot the landscape: thresholds must be at least 2, ascending");
  }
  const names = plot.trajectories.map((t) => t.name);
  const colors = plot.trajectories.map((t, k) => t.color ?? PALETTE[k % PALETTE.length]);
  const dashes = plot.trajectories.map((t) => [...(t.dash ?? [])]);
  const dashed = dashes.some((d) => d.length > 0);
  const endLabels = plot.trajectories.flatMap((t) => {
    if (t.endLabel === undefined || t.points.length === 0) return [];
    const [x, y] = t.points[t.points.length - 1];
    const { text, dx = 10, dy = 0, align = "left" } = t.endLabel;
    return [{
      run: t.name,
      x,
      y,
      text: typeof text === "string" ? text : [...text],
      dx,
      dy,
      align,
    }];
  });
  // Each run's index keeps the draw order: later runs on top of earlier ones.
  const path = plot.trajectories.flatMap((t, layer) =>
    t.points.map(([x, y], order) => ({ run: t.name, layer, order, x, y }))
  );
  const ends = plot.trajectories.flatMap((t) => {
    if (t.points.length === 0) return [];
    const first = t.points[0];
    const last = t.points[t.points.length - 1];
    return [
      { run: t.name, kind: "start", x: first[0], y: first[1] },
      { run: t.name, kind: "end", x: last[0], y: last[1] },
    ];
  });
  const grid = sampleGrid(land);
  // One more level at the grid's minimum, so that the fill covers the whole window (each
  // isocontour polygon is the region f ≥ level; below the lowest level nothing is drawn).
  const lowest = grid.values.reduce((a, b) => Math.min(a, b), Infinity);
  const levels = lowest < thresholds[0] ? [lowest, ...thresholds] : thresholds;
  const label = land.label ?? "f";
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: plot.width ?? 520,
    height: plot.height ?? 520,
    padding: 10,
    background: "white",
    title: {
      text: plot.title,
      ...(plot.subtitle ? { subtitle: plot.subtitle } : {}),
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: "#444",
      offset: 10,
    },
    config: { axis: { labelFontSize: 11, titleFontSize: 13 }, legend: { labelFontSize: 11 } },
    data: [
      {
        name: "grid",
        values: [grid],
        transform: [{
          type: "isocontour",
          thresholds: levels,
          smooth: true,
          scale: { expr: "[width / datum.width, height / datum.height]" },
        }],
      },
      { name: "path", values: path },
      { name: "ends", values: ends },
      { name: "markers", values: [...(plot.markers ?? [])] },
      { name: "endLabels", values: endLabels },
    ],
    scales: [
      { name: "x", type: "linear", domain: [...land.x], range: "width", zero: false, nice: false },
      { name: "y", type: "linear", domain: [...land.y], range: "height", zero: false, nice: false },
      {
        name: "fill",
        type: "linear",
        domain: [thresholds[0], thresholds[thresholds.length - 1]],
        range: land.scheme === "greys"
          ? { scheme: "greys", extent: [0.75, 0.04] }
          : { scheme: "viridis" },
        zero: false,
        clamp: true,
      },
      { name: "run", type: "ordinal", domain: names, range: colors },
      { name: "dash", type: "ordinal", domain: names, range: dashes },
      { name: "kind", type: "ordinal", domain: ["start", "end"], range: ["circle", "diamond"] },
    ],
    axes: [
      { orient: "bottom", scale: "x", title: plot.xLabel, grid: false, tickCount: 10 },
      { orient: "left", scale: "y", title: plot.yLabel, grid: false, tickCount: 10 },
    ],
    legends: [
      {
        stroke: "run",
        ...(dashed ? { strokeDash: "dash" } : {}),
        title: "run",
        symbolType: "stroke",
        symbolStrokeWidth: 3,
        symbolSize: 300,
        orient: "right",
      },
      {
        shape: "kind",
        title: "marker",
        symbolFillColor: "white",
        symbolStrokeColor: "black",
        orient: "right",
      },
      { fill: "fill", title: label, type: "gradient", gradientLength: 200, orient: "right" },
    ],
    marks: [
      {
        type: "shape",
        name: "contours",
        from: { data: "grid" },
        clip: true,
        encode: {
          enter: {
            fill: { scale: "fill", field: "contour.value" },
            fillOpacity: { value: 0.75 },
            stroke: { value: "#ffffff" },
            strokeOpacity: { value: 0.35 },
            strokeWidth: { value: 0.4 },
          },
        },
        transform: [{ type: "geoshape", field: "datum.contour" }],
      },
      {
        type: "group",
        name: "trajectories",
        from: { facet: { name: "series", data: "path", groupby: ["layer", "run"] } },
        sort: { field: "datum.layer" },
        encode: { enter: { width: { signal: "width" }, height: { signal: "height" } } },
        clip: true,
        marks: [
          // A white casing under each line keeps it visible on dark and light fill alike.
          trajectoryLine(
            "casing",
            { stroke: { value: "white" }, strokeOpacity: { value: 0.85 } },
            5,
          ),
          trajectoryLine("trajectory", {
            stroke: { scale: "run", field: "run" },
            strokeDash: { scale: "dash", field: "run" },
          }, 2.5),
        ],
      },
      {
        type: "symbol",
        name: "endpoints",
        from: { data: "ends" },
        clip: true,
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "y" },
            shape: { scale: "kind", field: "kind" },
            size: { value: 110 },
            fill: [{ test: "datum.kind === 'start'", value: "white" }, {
              scale: "run",
              field: "run",
            }],
            stroke: { value: "black" },
            strokeWidth: { value: 1.2 },
          },
        },
      },
      // Each end label twice: a white outline under the text keeps it legible on any fill.
      ...(["endLabelHalo", "endLabel"] as const).map((name): vega.TextMark => ({
        type: "text",
        name,
        from: { data: "endLabels" },
        encode: {
          enter: {
            x: { scale: "x", field: "x", offset: { field: "dx" } },
            y: { scale: "y", field: "y", offset: { field: "dy" } },
            text: { field: "text" },
            align: { field: "align" },
            baseline: { value: "top" },
            fontSize: { value: 12 },
            fontWeight: { value: "bold" },
            fill: name === "endLabel" ? { scale: "run", field: "run" } : { value: "white" },
            ...(name === "endLabelHalo"
              ? {
                stroke: { value: "white" },
                strokeWidth: { value: 4 },
                strokeJoin: { value: "round" },
              }
              : {}),
          },
        },
      })),
      {
        type: "symbol",
        name: "markerPoints",
        from: { data: "markers" },
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "y" },
            shape: { value: "cross" },
            size: { value: 90 },
            fill: { value: "black" },
          },
        },
      },
      {
        type: "text",
        name: "markerLabels",
        from: { data: "markers" },
        encode: {
          enter: {
            x: { scale: "x", field: "x", offset: 8 },
            y: { scale: "y", field: "y", offset: -8 },
            text: { field: "label" },
            fontSize: { value: 12 },
            fontWeight: { value: "bold" },
            fill: { value: "black" },
          },
        },
      },
    ],
  };
}

/**
 * Renders a Vega spec to SVG text headless. Throws on a spec Vega rejects, on any warning or
 * error Vega logs while running it (Vega itself would only log them and return an empty SVG),
 * and on an SVG without any drawn path.
 */
export async function renderSvg(spec: vega.Spec): Promise<string> {
  const problems: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    problems.push(
      `${level} ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ")}`,
    );
  });
  let runtime: vega.Runtime;
  try {
    runtime = vega.parse(spec);
  } catch (error) {
    throw new Error(`Cannot render the plot: Vega rejects the spec: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const view = new vega.View(runtime, { renderer: "none", logger, logLevel: vega.Warn });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (problems.length > 0) {
    throw new Error(`Cannot render the plot: Vega reports\n  ${problems.join("\n  ")}`);
  }
  if (!svg.startsWith("<svg")) {
    throw new Error(`Cannot render the plot: Vega returned no SVG (${svg.length} characters)`);
  }
  return svg;
}

/** Number of `<g class="mark-… role-mark NAME">` groups of the SVG that draw a path. */
export function countMarkPaths(svg: string, name: string): number {
  const pattern = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}"[^>]*><path `, "g");
  return svg.match(pattern)?.length ?? 0;
}

/**
 * {@linkcode landscapeSpec} rendered by {@linkcode renderSvg}, checked to hold the contours and
 * a drawn line for every trajectory of two points or more.
 */
export async function landscapeSvg(plot: LandscapePlot): Promise<string> {
  const svg = await renderSvg(landscapeSpec(plot));
  if (countMarkPaths(svg, "contours") !== 1) {
    throw new Error("Cannot render the plot: the SVG has no contours");
  }
  const lines = plot.trajectories.filter((t) => t.points.length >= 2).length;
  const drawn = countMarkPaths(svg, "trajectory");
  if (drawn < lines) {
    throw new Error(`Cannot render the plot: ${drawn} of ${lines} trajectories drawn`);
  }
  return svg;
}
