// Painting a laid-out graph through the Canvas 2D API: on screen, into a PNG, and (through a
// small SVG-writing stand-in for the same API) into an SVG file, so all three draw alike.

import { HEADER, layout, route } from "./graph-layout.js";

const PAD_X = 14;
const ROW = 18;
const FONTS = {
  table: "600 13px system-ui, sans-serif", schema: "11px system-ui, sans-serif",
  column: "12px system-ui, sans-serif", type: "11px ui-monospace, monospace",
  key: "700 9px system-ui, sans-serif",
};
const KEY_GUTTER = 34; // room for "PK FK" before a column's name
const TEXT_ZOOM = 0.4; // below it names would be unreadable smudges: boxes only
const ARROW_ZOOM = 0.25;
const COLORS = {
  background: "#ffffff", table: "#ffffff", tableLine: "#667085", view: "#f4f0ff", viewLine: "#6d4fc2",
  focus: "#e8f0fe", focusLine: "#1a56db", fk: "#475467", text: "#1f2937", muted: "#5b6472",
  rule: "#d0d5dd",
};

const measure = (() => {
  const context = document.createElement("canvas").getContext("2d");
  return (text, font) => {
    context.font = font;
    return context.measureText(text).width;
  };
})();

/**
 * The drawing of a graph: nodes [{id, schema, table, kind}], edges [{from, to, kind, names}],
 * columns (id -> [{name, type, key: "PK", "FK", "PK FK" or ""}]) or null for names only. Boxes, routes and their bounds are
 * computed once; each frame only culls and paints.
 */
export function buildScene(nodes, edges, columns) {
  const sizeOf = (node) => nodeSize(node, columns?.get(node.id));
  const { boxes, chains, size } = layout(nodes, edges, sizeOf);
  const routes = edges.map((edge, index) => {
    const commands = route(boxes.get(edge.from), boxes.get(edge.to),
      (chains.get(index) || []).map((id) => boxes.get(id)));
    return { edge, commands, bounds: boundsOf(commands) };
  });
  const placed = nodes.map((node) => ({ node, box: boxes.get(node.id),
    columns: (columns?.get(node.id) || []).map((column) => ({ ...column, typeWidth: measure(column.type, FONTS.type) })) }));
  return { placed, routes, size, byId: new Map(placed.map((item) => [item.node.id, item])) };
}

function nodeSize(node, columns) {
  let width = Math.max(measure(node.table, FONTS.table), measure(node.schema, FONTS.schema));
  for (const column of columns || []) {
    width = Math.max(width, KEY_GUTTER + measure(column.name, FONTS.column) + 16 + measure(column.type, FONTS.type));
  }
  const rows = columns?.length || 0;
  return { width: Math.ceil(width + 2 * PAD_X), height: HEADER + (rows ? rows * ROW + 8 : 0) };
}

function boundsOf(commands) {
  const xs = commands.flatMap(([, ...n]) => n.filter((_, i) => i % 2 === 0));
  const ys = commands.flatMap(([, ...n]) => n.filter((_, i) => i % 2 === 1));
  return { left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) };
}

const overlaps = (a, view) => a.right >= view.left && a.left <= view.right && a.bottom >= view.top && a.top <= view.bottom;
const boxBounds = (box) => ({ left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height });

/**
 * Paint what lies in `view` (world coordinates) at zoom k; `active`: the table whose
 * relationships stand out (hovered or focused), `focus`: the table found by search.
 */
export function paint(ctx, scene, { view, k, active = null, focus = null }) {
  const routes = scene.routes.filter((item) => overlaps(item.bounds, view));
  const placed = scene.placed.filter((item) => overlaps(boxBounds(item.box), view));
  const line = Math.max(1.5, 1 / k);
  const touches = (item) => item.edge.from === active || item.edge.to === active;
  ctx.globalAlpha = active ? 0.2 : 1;
  paintEdges(ctx, routes, line, k);
  ctx.globalAlpha = 1;
  if (active) paintEdges(ctx, routes.filter(touches), line * 2, k);
  paintBoxes(ctx, placed, line, focus);
  if (k >= TEXT_ZOOM) for (const item of placed) paintText(ctx, item);
}

function paintEdges(ctx, routes, width, k) {
  for (const [kind, color, dash] of [["fk", COLORS.fk, []], ["view", COLORS.viewLine, [6, 4]]]) {
    const mine = routes.filter((item) => item.edge.kind === kind);
    if (!mine.length) continue;
    Object.assign(ctx, { strokeStyle: color, fillStyle: color, lineWidth: width });
    ctx.setLineDash(dash);
    ctx.beginPath();
    for (const { commands } of mine) trace(ctx, commands);
    ctx.stroke();
    ctx.setLineDash([]);
    if (k < ARROW_ZOOM) continue;
    ctx.beginPath();
    for (const { commands } of mine) arrowHead(ctx, commands);
    ctx.fill();
  }
}

function trace(ctx, commands) {
  for (const [op, ...n] of commands) {
    if (op === "M") ctx.moveTo(n[0], n[1]);
    else ctx.bezierCurveTo(n[0], n[1], n[2], n[3], n[4], n[5]);
  }
}

function arrowHead(ctx, commands) {
  const last = commands[commands.length - 1];
  const [cx, cy, ex, ey] = last.slice(-4);
  const angle = Math.atan2(ey - cy, ex - cx);
  const side = (turn) => [ex - 9 * Math.cos(angle + turn), ey - 9 * Math.sin(angle + turn)];
  ctx.moveTo(ex, ey);
  ctx.lineTo(...side(0.45));
  ctx.lineTo(...side(-0.45));
  ctx.closePath();
}

function paintBoxes(ctx, placed, width, focus) {
  const styles = [
    [(item) => item.node.kind !== "view" && item.node.id !== focus, COLORS.table, COLORS.tableLine, width],
    [(item) => item.node.kind === "view" && item.node.id !== focus, COLORS.view, COLORS.viewLine, width],
    [(item) => item.node.id === focus, COLORS.focus, COLORS.focusLine, width * 2],
  ];
  for (const [pick, fill, stroke, lineWidth] of styles) {
    const mine = placed.filter(pick);
    if (!mine.length) continue;
    ctx.beginPath();
    for (const { box } of mine) ctx.rect(box.x, box.y, box.width, box.height);
    Object.assign(ctx, { fillStyle: fill, strokeStyle: stroke, lineWidth });
    ctx.fill();
    ctx.stroke();
  }
}

function paintText(ctx, { node, box, columns }) {
  ctx.textBaseline = "alphabetic";
  Object.assign(ctx, { font: FONTS.schema, fillStyle: COLORS.muted });
  ctx.fillText(node.schema, box.x + PAD_X, box.y + 17);
  Object.assign(ctx, { font: FONTS.table, fillStyle: COLORS.text });
  ctx.fillText(node.table, box.x + PAD_X, box.y + 35);
  if (!columns.length) return;
  Object.assign(ctx, { strokeStyle: COLORS.rule, lineWidth: 1 });
  ctx.beginPath();
  ctx.moveTo(box.x, box.y + HEADER);
  ctx.lineTo(box.x + box.width, box.y + HEADER);
  ctx.stroke();
  columns.forEach((column, index) => {
    const y = box.y + HEADER + 4 + ROW * (index + 1) - 5;
    if (column.key) {
      Object.assign(ctx, { font: FONTS.key, fillStyle: COLORS.focusLine });
      ctx.fillText(column.key, box.x + PAD_X, y - 1);
    }
    Object.assign(ctx, { font: FONTS.column, fillStyle: COLORS.text });
    ctx.fillText(column.name, box.x + PAD_X + KEY_GUTTER, y);
    Object.assign(ctx, { font: FONTS.type, fillStyle: COLORS.muted });
    ctx.fillText(column.type, box.x + box.width - PAD_X - column.typeWidth, y);
  });
}

const EXPORT_PIXELS = 40e6; // a canvas much larger than this fails to allocate in Chromium
const EXPORT_SIDE = 16_000;

/** The whole graph as a PNG blob, scaled down when it would not fit one canvas. */
export function toPng(scene) {
  const { width, height } = scene.size;
  const scale = Math.min(2, EXPORT_SIDE / width, EXPORT_SIDE / height, Math.sqrt(EXPORT_PIXELS / (width * height)));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  paint(ctx, scene, { view: { left: 0, top: 0, right: width, bottom: height }, k: Math.max(scale, TEXT_ZOOM) });
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

/** The whole graph as an SVG document (text). */
export function toSvg(scene, title) {
  const { width, height } = scene.size;
  const ctx = new SvgContext();
  paint(ctx, scene, { view: { left: 0, top: 0, right: width, bottom: height }, k: 1 });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}"`,
    ` viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}">`,
    `<title>${escape(title)}</title><rect width="100%" height="100%" fill="${COLORS.background}"/>`,
    ...ctx.parts, "</svg>\n",
  ].join("");
}

/** The part of CanvasRenderingContext2D that paint() uses, writing SVG elements. */
class SvgContext {
  constructor() {
    Object.assign(this, { parts: [], d: [], dash: [], globalAlpha: 1, lineWidth: 1, font: "",
      fillStyle: "#000", strokeStyle: "#000", textBaseline: "alphabetic" });
  }

  beginPath() { this.d = []; }
  moveTo(x, y) { this.d.push(`M${r(x)},${r(y)}`); }
  lineTo(x, y) { this.d.push(`L${r(x)},${r(y)}`); }
  bezierCurveTo(...n) { this.d.push(`C${n.map(r).join(",")}`); }
  closePath() { this.d.push("Z"); }
  rect(x, y, w, h) { this.d.push(`M${r(x)},${r(y)}h${r(w)}v${r(h)}h${r(-w)}z`); }
  setLineDash(dash) { this.dash = dash; }

  stroke() {
    const dash = this.dash.length ? ` stroke-dasharray="${this.dash.join(" ")}"` : "";
    this.parts.push(`<path d="${this.d.join("")}" fill="none" stroke="${this.strokeStyle}"`
      + ` stroke-width="${r(this.lineWidth)}"${dash}${this.alpha()}/>`);
  }

  fill() { this.parts.push(`<path d="${this.d.join("")}" fill="${this.fillStyle}"${this.alpha()}/>`); }

  fillText(text, x, y) {
    this.parts.push(`<text x="${r(x)}" y="${r(y)}" fill="${this.fillStyle}" style="font: ${this.font}">`
      + `${escape(text)}</text>`);
  }

  alpha() { return this.globalAlpha === 1 ? "" : ` opacity="${this.globalAlpha}"`; }
}

const r = (value) => Math.round(value * 10) / 10;
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
