/// <reference lib="dom" />
/**
 * The toy's loss landscape and the runs' paths on a 2-D canvas: banded grey fill of f over a
 * window (one band per contour level, darker where f is lower, darker lines where the band
 * changes), axes with ticks, and each path with a white casing, a circle at its start and a
 * diamond at its end, later paths over earlier ones. Grey leaves the colours to the paths, as in
 * the Deno demo's SVG. The background is computed once and kept as an image; paths are redrawn
 * over it.
 * @module
 */

/** What the canvas draws the paths over. */
export interface Landscape {
  /** The function drawn, e.g. the total loss. */
  f: (x: number, y: number) => number;
  /** Window along x (horizontal axis), [min, max]. */
  x: readonly [number, number];
  /** Window along y (vertical axis), [min, max]. */
  y: readonly [number, number];
  /** Contour levels, ascending. */
  thresholds: readonly number[];
}

/** One run's path. */
export interface Path {
  points: readonly (readonly [number, number])[];
  color: string;
  /** Dash pattern of the line (canvas setLineDash lengths); default solid. */
  dash?: readonly number[];
}

/** Plot area margins in CSS pixels: room for the axes. */
const MARGIN = { left: 44, right: 12, top: 12, bottom: 36 };

/** Grey at u ∈ [0, 1] (lowest to highest band): from mid grey up to near white. */
function grey(u: number): [number, number, number] {
  const v = Math.round(112 + (236 - 112) * Math.min(Math.max(u, 0), 1));
  return [v, v, v];
}

/** Index of the band holding v: 0 below the first level, thresholds.length above the last. */
function band(thresholds: readonly number[], v: number): number {
  let k = 0;
  while (k < thresholds.length && v >= thresholds[k]) k++;
  return k;
}

/** Round tick values covering [lo, hi], one per whole unit. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let v = Math.ceil(lo); v <= hi; v++) out.push(v);
  return out;
}

/** A canvas showing one landscape and any number of paths over it. */
export class LandscapeCanvas {
  #ctx: CanvasRenderingContext2D;
  #landscape: Landscape;
  #width: number;
  #height: number;
  #scale: number;
  #background: ImageData | null = null;

  /** Sizes the canvas's backing store for the device's pixel ratio. */
  constructor(canvas: HTMLCanvasElement, landscape: Landscape, pixelRatio = 1) {
    const ctx = canvas.getContext("2d");
    if (ctx === null) throw new Error("Cannot draw the landscape: no 2-D canvas context");
    this.#ctx = ctx;
    this.#landscape = landscape;
    this.#width = canvas.width;
    this.#height = canvas.height;
    this.#scale = pixelRatio;
    canvas.width = Math.round(this.#width * pixelRatio);
    canvas.height = Math.round(this.#height * pixelRatio);
  }

  /** Canvas x (CSS pixels) of a window x. */
  #px(x: number): number {
    const [lo, hi] = this.#landscape.x;
    return MARGIN.left + ((x - lo) / (hi - lo)) * (this.#width - MARGIN.left - MARGIN.right);
  }

  /** Canvas y (CSS pixels) of a window y. */
  #py(y: number): number {
    const [lo, hi] = this.#landscape.y;
    return MARGIN.top + ((hi - y) / (hi - lo)) * (this.#height - MARGIN.top - MARGIN.bottom);
  }

  /** The banded fill, one sample per device pixel of the plot area, with its contour lines. */
  #fill(): ImageData {
    const { f, x, y, thresholds } = this.#landscape;
    const s = this.#scale;
    const left = Math.round(MARGIN.left * s);
    const top = Math.round(MARGIN.top * s);
    const w = Math.round(this.#width * s) - left - Math.round(MARGIN.right * s);
    const h = Math.round(this.#height * s) - top - Math.round(MARGIN.bottom * s);
    const bands = new Int32Array(w * h);
    for (let j = 0; j < h; j++) {
      const yy = y[1] - ((j + 0.5) / h) * (y[1] - y[0]);
      for (let i = 0; i < w; i++) {
        const xx = x[0] + ((i + 0.5) / w) * (x[1] - x[0]);
        bands[j * w + i] = band(thresholds, f(xx, yy));
      }
    }
    const colors = Array.from(
      { length: thresholds.length + 1 },
      (_, k) => grey(k / thresholds.length),
    );
    const image = this.#ctx.createImageData(w, h);
    for (let p = 0; p < w * h; p++) {
      const i = p % w;
      const edge = (i + 1 < w && bands[p + 1] !== bands[p]) ||
        (p + w < w * h && bands[p + w] !== bands[p]);
      const [r, g, b] = colors[bands[p]];
      const shade = edge ? 0.8 : 1;
      image.data.set([r * shade, g * shade, b * shade, 255], 4 * p);
    }
    return image;
  }

  #axes(): void {
    const ctx = this.#ctx;
    const { x, y } = this.#landscape;
    const bottom = this.#height - MARGIN.bottom;
    ctx.strokeStyle = "#333";
    ctx.fillStyle = "#333";
    ctx.lineWidth = 1;
    ctx.font = "11px sans-serif";
    ctx.strokeRect(MARGIN.left, MARGIN.top, this.#px(x[1]) - MARGIN.left, bottom - MARGIN.top);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of ticks(x[0], x[1])) {
      ctx.beginPath();
      ctx.moveTo(this.#px(v), bottom);
      ctx.lineTo(this.#px(v), bottom + 4);
      ctx.stroke();
      ctx.fillText(String(v), this.#px(v), bottom + 6);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of ticks(y[0], y[1])) {
      ctx.beginPath();
      ctx.moveTo(MARGIN.left - 4, this.#py(v));
      ctx.lineTo(MARGIN.left, this.#py(v));
      ctx.stroke();
      ctx.fillText(String(v), MARGIN.left - 6, this.#py(v));
    }
    ctx.font = "bold 13px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText("θ1", this.#px((x[0] + x[1]) / 2), this.#height - 2);
    ctx.save();
    ctx.translate(12, this.#py((y[0] + y[1]) / 2));
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText("θ2", 0, 0);
    ctx.restore();
  }

  #path({ points, color, dash = [] }: Path): void {
    if (points.length === 0) return;
    const ctx = this.#ctx;
    ctx.beginPath();
    points.forEach(([a, b], k) =>
      k === 0 ? ctx.moveTo(this.#px(a), this.#py(b)) : ctx.lineTo(this.#px(a), this.#py(b))
    );
    ctx.lineJoin = "round";
    ctx.strokeStyle = "white";
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(dash);
    ctx.stroke();
    ctx.setLineDash([]);
    const [sx, sy] = points[0];
    ctx.beginPath();
    ctx.arc(this.#px(sx), this.#py(sy), 5, 0, 2 * Math.PI);
    ctx.fillStyle = "white";
    ctx.fill();
    ctx.strokeStyle = "#222";
    ctx.lineWidth = 1.5;
    ctx.stroke();
    const [ex, ey] = points[points.length - 1];
    ctx.beginPath();
    ctx.moveTo(this.#px(ex), this.#py(ey) - 6);
    ctx.lineTo(this.#px(ex) + 6, this.#py(ey));
    ctx.lineTo(this.#px(ex), this.#py(ey) + 6);
    ctx.lineTo(this.#px(ex) - 6, this.#py(ey));
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.stroke();
  }

  /** Redraws the landscape (computed on the first call) and the paths over it. */
  draw(paths: readonly Path[]): void {
    const ctx = this.#ctx;
    const s = this.#scale;
    this.#background ??= this.#fill();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, Math.round(this.#width * s), Math.round(this.#height * s));
    ctx.putImageData(this.#background, Math.round(MARGIN.left * s), Math.round(MARGIN.top * s));
    ctx.setTransform(s, 0, 0, s, 0, 0);
    this.#axes();
    ctx.save();
    ctx.beginPath();
    ctx.rect(
      MARGIN.left,
      MARGIN.top,
      this.#width - MARGIN.left - MARGIN.right,
      this.#height - MARGIN.top - MARGIN.bottom,
    );
    ctx.clip();
    for (const path of paths) this.#path(path);
    ctx.restore();
  }
}
