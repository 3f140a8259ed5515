// Small inline SVG icons, drawn with DOM calls (decorative: hidden from screen readers).

const NS = "http://www.w3.org/2000/svg";

export function svgIcon(paths, size = 16) {
  const svg = document.createElementNS(NS, "svg");
  const attrs = { viewBox: "0 0 24 24", width: String(size), height: String(size), "aria-hidden": "true", focusable: "false" };
  for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
  for (const d of paths) {
    const p = document.createElementNS(NS, "path");
    for (const [k, v] of Object.entries({ d, fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round" })) {
      p.setAttribute(k, v);
    }
    svg.appendChild(p);
  }
  return svg;
}
