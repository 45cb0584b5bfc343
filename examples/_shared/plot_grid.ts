/**
 * Several rendered SVG panels side by side in one SVG file (nested `<svg>` elements, which
 * browsers, GitHub and rsvg-convert all draw), with a title on top.
 * @module
 */

/** The width and height attributes of a rendered SVG's root element. */
function sizeOf(svg: string): [number, number] {
  const root = svg.slice(0, svg.indexOf(">"));
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) {
    throw new RangeError("Cannot compose the panels: a panel has no width and height");
  }
  return [width, height];
}

/** The panels in rows of `columns`, under a title line. */
export function composeGrid(panels: readonly string[], columns: number, title: string): string {
  const sizes = panels.map(sizeOf);
  const cellW = Math.max(...sizes.map((s) => s[0]));
  const cellH = Math.max(...sizes.map((s) => s[1]));
  const top = 36;
  const rows = Math.ceil(panels.length / columns);
  const width = cellW * Math.min(columns, panels.length);
  const height = top + cellH * rows;
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const body = panels.map((svg, k) => {
    const x = (k % columns) * cellW;
    const y = top + Math.floor(k / columns) * cellH;
    // Each panel keeps its own root, re-positioned: <svg x= y= …>.
    return svg.replace(/^<svg/, `<svg x="${x}" y="${y}"`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="18" ` +
    `font-weight="bold">${escaped}</text>${body.join("")}</svg>`;
}
