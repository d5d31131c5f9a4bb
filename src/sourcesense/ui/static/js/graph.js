// A table's neighbourhood drawn as SVG (the run's whole graph is on canvas: graph-canvas.js):
// layered layout, zoom (wheel, buttons, keys), pan (drag, arrow keys), and nodes that are links
// to their table's page.

import { el, svg } from "./dom.js";
import { HEADER as NODE_HEIGHT, layout, pathData, route } from "./graph-layout.js";

const PAD_X = 14;
const MIN_ZOOM = 0.15;
const MAX_ZOOM = 3;
const READABLE_ZOOM = 0.7;
const FONTS = { table: "600 13px system-ui, sans-serif", schema: "11px system-ui, sans-serif" };
let instances = 0;

/**
 * nodes: [{id, schema, table, kind}], edges: [{from, to, kind: "fk"|"view", names}]
 * hrefFor(node) -> the link of a node; focusId: the node to emphasise.
 */
export function relationshipGraph({ nodes, edges, focusId, hrefFor, label }) {
  const uid = `g${(instances += 1)}`;
  const { boxes, chains, size } = layout(nodes, edges, sizeOf);
  const layer = svg("g", { class: "viewport" },
    edges.map((edge, index) => edgePath(edge, boxes, chains.get(index) || [], uid)),
    nodes.map((node) => nodeLink(node, boxes.get(node.id), hrefFor(node), node.id === focusId)));
  const canvas = svg("svg", {
    class: "graph-canvas", tabindex: "0", role: "group", "aria-roledescription": "graph",
    "aria-label": `${label}. Arrow keys pan, plus and minus zoom, 0 fits the view; Tab moves through the tables.`,
  }, markers(uid), layer);
  const view = new Viewport(canvas, layer, size, boxes.get(focusId));
  highlightOnHover(canvas, edges);
  const frame = el("div", { class: "graph-frame" }, canvas);
  new ResizeObserver(() => view.fitOnce()).observe(frame);
  return el("figure", { class: "graph" }, toolbar(view), frame, legend());
}

function toolbar(view) {
  const button = (text, title, action) => el("button", {
    type: "button", class: "secondary small", "aria-label": title, title, text, onclick: action,
  });
  return el("div", { class: "graph-toolbar", role: "toolbar", "aria-label": "Graph view" },
    button("+", "Zoom in", () => view.zoomCenter(1.25)),
    button("−", "Zoom out", () => view.zoomCenter(0.8)),
    button("Fit", "Fit the graph to the view", () => view.fit()));
}

function legend() {
  return el("figcaption", { class: "graph-legend" },
    el("span", { class: "legend-fk" }, "references (foreign key)"),
    el("span", { class: "legend-view" }, "read by (view lineage)"),
    el("span", { class: "legend-hint" }, "Drag to pan, wheel to zoom, select a table to open it."));
}

function markers(uid) {
  const marker = (kind) => svg("marker", {
    id: `${uid}-${kind}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8",
    markerHeight: "8", orient: "auto-start-reverse", class: `marker-${kind}`,
  }, svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  return svg("defs", {}, marker("fk"), marker("view"));
}

function nodeLink(node, box, href, focused) {
  const qualified = `${node.schema}.${node.table}`;
  return svg("a", {
    href, class: `node node-${node.kind}${focused ? " node-focus" : ""}`,
    dataset: { table: qualified, id: node.id },
    "aria-label": `${qualified}, ${node.kind === "view" ? "view" : "table"}${focused ? ", this table" : ""}`,
  },
  svg("rect", { x: box.x, y: box.y, width: box.width, height: NODE_HEIGHT, rx: 8 }),
  // "schema." then "table": the drawn words read as the name (label-content-name-mismatch).
  svg("text", { class: "node-schema", x: box.x + PAD_X, y: box.y + 17, text: `${node.schema}.` }),
  svg("text", { class: "node-table", x: box.x + PAD_X, y: box.y + 35, text: node.table }));
}

function edgePath(edge, boxes, waypoints, uid) {
  const from = boxes.get(edge.from);
  const to = boxes.get(edge.to);
  const via = waypoints.map((id) => boxes.get(id));
  const what = edge.kind === "fk" ? "references" : "is read by view";
  const names = edge.names.length ? ` (${edge.names.join(", ")})` : "";
  return svg("path", {
    class: `edge edge-${edge.kind}`, d: pathData(route(from, to, via)), "marker-end": `url(#${uid}-${edge.kind})`,
    dataset: { from: from.label, to: to.label, kind: edge.kind, fromId: edge.from, toId: edge.to },
  }, svg("title", { text: `${from.label} ${what} ${to.label}${names}` }));
}

function highlightOnHover(canvas, edges) {
  const paths = [...canvas.querySelectorAll(".edge")];
  const show = (id) => {
    canvas.classList.toggle("highlighting", id !== null);
    paths.forEach((path, index) => {
      const edge = edges[index];
      path.classList.toggle("active", id !== null && (edge.from === id || edge.to === id));
    });
  };
  for (const node of canvas.querySelectorAll(".node")) {
    const id = node.dataset.id;
    node.addEventListener("pointerenter", () => show(id));
    node.addEventListener("pointerleave", () => show(null));
    node.addEventListener("focus", () => show(id));
    node.addEventListener("blur", () => show(null));
  }
}

const measure = (() => {
  const context = document.createElement("canvas").getContext("2d");
  return (text, font) => {
    context.font = font;
    return context.measureText(text).width;
  };
})();

function sizeOf(node) {
  const width = Math.max(measure(node.table, FONTS.table), measure(node.schema, FONTS.schema));
  return { width: Math.ceil(width + 2 * PAD_X), height: NODE_HEIGHT };
}

// ---- Zoom and pan of the <g class="viewport"> inside the <svg>.

class Viewport {
  constructor(canvas, layer, size, focus) {
    Object.assign(this, { canvas, layer, size, focus, x: 0, y: 0, k: 1, fitted: false });
    this.drag = null;
    this.suppressClick = false;
    canvas.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    canvas.addEventListener("pointerdown", (event) => this.onDown(event));
    canvas.addEventListener("pointermove", (event) => this.onMove(event));
    canvas.addEventListener("pointerup", () => this.onUp());
    canvas.addEventListener("pointercancel", () => this.onUp());
    canvas.addEventListener("click", (event) => this.onClick(event), true);
    canvas.addEventListener("keydown", (event) => this.onKey(event));
    canvas.addEventListener("focusin", (event) => this.reveal(event.target));
  }

  apply() {
    this.layer.setAttribute("transform", `translate(${this.x} ${this.y}) scale(${this.k})`);
    this.canvas.dataset.zoom = this.k.toFixed(2);
  }

  bounds() {
    return this.canvas.getBoundingClientRect();
  }

  fitOnce() {
    if (!this.fitted && this.bounds().width > 0) this.fit();
  }

  /** The whole graph in view; on a small screen, the focused table at a readable size. */
  fit() {
    const { width, height } = this.bounds();
    if (!width) return;
    this.fitted = true;
    this.k = clamp(Math.min(width / this.size.width, height / this.size.height, 1.2));
    this.x = (width - this.size.width * this.k) / 2;
    this.y = (height - this.size.height * this.k) / 2;
    if (this.k < READABLE_ZOOM && this.focus) {
      this.k = READABLE_ZOOM;
      this.x = width / 2 - (this.focus.x + this.focus.width / 2) * this.k;
      this.y = height / 2 - (this.focus.y + NODE_HEIGHT / 2) * this.k;
    }
    this.apply();
  }

  zoomAt(px, py, factor) {
    const k = clamp(this.k * factor);
    this.x = px - ((px - this.x) * k) / this.k;
    this.y = py - ((py - this.y) * k) / this.k;
    this.k = k;
    this.apply();
  }

  zoomCenter(factor) {
    const { width, height } = this.bounds();
    this.zoomAt(width / 2, height / 2, factor);
  }

  panBy(dx, dy) {
    this.x += dx;
    this.y += dy;
    this.apply();
  }

  onWheel(event) {
    event.preventDefault();
    const box = this.bounds();
    this.zoomAt(event.clientX - box.left, event.clientY - box.top, Math.exp(-event.deltaY * 0.0015));
  }

  onDown(event) {
    if (event.button !== 0) return;
    this.suppressClick = false;
    this.drag = { id: event.pointerId, sx: event.clientX, sy: event.clientY, x: this.x, y: this.y, moved: false };
  }

  onMove(event) {
    const drag = this.drag;
    if (!drag || drag.id !== event.pointerId) return;
    const dx = event.clientX - drag.sx;
    const dy = event.clientY - drag.sy;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      this.canvas.setPointerCapture(event.pointerId);
      this.canvas.classList.add("dragging");
    }
    this.x = drag.x + dx;
    this.y = drag.y + dy;
    this.apply();
  }

  onUp() {
    if (this.drag?.moved) this.suppressClick = true;
    this.drag = null;
    this.canvas.classList.remove("dragging");
  }

  /** A drag that ends on a table must not open it. */
  onClick(event) {
    if (!this.suppressClick) return;
    event.preventDefault();
    event.stopPropagation();
    this.suppressClick = false;
  }

  onKey(event) {
    if (event.target !== this.canvas) return;
    const step = 60;
    const actions = {
      ArrowLeft: () => this.panBy(step, 0), ArrowRight: () => this.panBy(-step, 0),
      ArrowUp: () => this.panBy(0, step), ArrowDown: () => this.panBy(0, -step),
      "+": () => this.zoomCenter(1.25), "=": () => this.zoomCenter(1.25),
      "-": () => this.zoomCenter(0.8), 0: () => this.fit(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  /** Pan so that a table reached with Tab is in view. */
  reveal(target) {
    const node = target.closest?.(".node");
    if (!node) return;
    const box = this.bounds();
    const rect = node.getBoundingClientRect();
    const outside = rect.left < box.left || rect.right > box.right || rect.top < box.top || rect.bottom > box.bottom;
    if (!outside) return;
    this.panBy(box.left + box.width / 2 - (rect.left + rect.width / 2),
      box.top + box.height / 2 - (rect.top + rect.height / 2));
  }
}

function clamp(k) {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
}
