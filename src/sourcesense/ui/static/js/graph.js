// A relationship graph drawn as SVG: layered layout, zoom (wheel, buttons, keys), pan (drag,
// arrow keys), and nodes that are links to their table's page.

import { el, svg } from "./dom.js";

const NODE_HEIGHT = 46;
const PAD_X = 14;
const LAYER_GAP = 90;
const ROW_GAP = 18;
const MARGIN = 40;
const MIN_ZOOM = 0.15;
const MAX_ZOOM = 3;
const WAYPOINT_WIDTH = 12;
const READABLE_ZOOM = 0.7;
const VIRTUAL = "\u0000via:";
const FONTS = { table: "600 13px system-ui, sans-serif", schema: "11px system-ui, sans-serif" };
let instances = 0;

/**
 * nodes: [{id, schema, table, kind}], edges: [{from, to, kind: "fk"|"view", names}]
 * hrefFor(node) -> the link of a node; focusId: the node to emphasise.
 */
export function relationshipGraph({ nodes, edges, focusId, hrefFor, label }) {
  const uid = `g${(instances += 1)}`;
  const { boxes, chains, size } = layout(nodes, edges);
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
    class: `edge edge-${edge.kind}`, d: route(from, to, via), "marker-end": `url(#${uid}-${edge.kind})`,
    dataset: { from: from.label, to: to.label, kind: edge.kind, fromId: edge.from, toId: edge.to },
  }, svg("title", { text: `${from.label} ${what} ${to.label}${names}` }));
}

/**
 * A curve from one box to another: left to right through the waypoints of the layers it
 * crosses, looping back below, or a self-loop.
 */
function route(a, b, via) {
  const mid = NODE_HEIGHT / 2;
  if (a === b) {
    const sx = a.x + a.width - 26;
    const ey = a.y + 12;
    const ex = a.x + a.width;
    return `M${sx},${a.y} C${sx},${a.y - 34} ${ex + 34},${ey} ${ex},${ey}`;
  }
  if (b.layer > a.layer) {
    const points = [[a.x + a.width, a.y + mid], ...via.map((v) => [v.x + v.width / 2, v.y + mid]),
      [b.x, b.y + mid]];
    return points.slice(1).reduce((path, [ex, ey], index) => {
      const [sx, sy] = points[index];
      const bend = Math.max(20, (ex - sx) / 2);
      return `${path} C${sx + bend},${sy} ${ex - bend},${ey} ${ex},${ey}`;
    }, `M${points[0][0]},${points[0][1]}`);
  }
  const sx = a.x + a.width / 2;
  const ex = b.x + b.width / 2;
  const sy = a.y + NODE_HEIGHT;
  const ey = b.y + NODE_HEIGHT;
  const drop = Math.max(sy, ey) + 50;
  return `M${sx},${sy} C${sx},${drop} ${ex},${drop} ${ex},${ey}`;
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

// ---- Layout: layers by longest path over the graph with its cycles broken, then ordering
// each layer by the mean position of its neighbours to keep edges short and uncrossed.

function layout(nodes, edges) {
  const ids = nodes.map((node) => node.id);
  const links = acyclic(ids, edges.filter((edge) => edge.from !== edge.to));
  const layerOf = layering(ids, links);
  const { chains, segments } = waypoints(edges, layerOf);
  const all = [...ids, ...[...chains.values()].flat()];
  const layers = orderLayers(all, segments, layerOf);
  return { chains, ...place(nodes, layers, layerOf) };
}

/**
 * A waypoint in every layer an edge crosses, so that long edges are laid out (and drawn)
 * around the tables in between rather than through them.
 */
function waypoints(edges, layerOf) {
  const chains = new Map();
  const segments = [];
  edges.forEach((edge, index) => {
    if (edge.from === edge.to) return;
    const [first, last] = [layerOf.get(edge.from), layerOf.get(edge.to)];
    const chain = [];
    for (let layer = first + 1; layer < last; layer += 1) {
      const id = `${VIRTUAL}${index}:${layer}`;
      layerOf.set(id, layer);
      chain.push(id);
    }
    chains.set(index, chain);
    const path = [edge.from, ...chain, edge.to];
    for (let i = 1; i < path.length; i += 1) segments.push([path[i - 1], path[i]]);
  });
  return { chains, segments };
}

/** The edges with those closing a cycle turned around, found by depth-first search. */
function acyclic(ids, edges) {
  const out = new Map(ids.map((id) => [id, []]));
  for (const edge of edges) out.get(edge.from)?.push(edge.to);
  const state = new Map();
  const links = [];
  const visit = (id) => {
    state.set(id, "open");
    for (const next of out.get(id) || []) {
      if (state.get(next) === "open") links.push([next, id]);
      else {
        links.push([id, next]);
        if (!state.has(next)) visit(next);
      }
    }
    state.set(id, "done");
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  return links;
}

function layering(ids, links) {
  const incoming = new Map(ids.map((id) => [id, 0]));
  const out = new Map(ids.map((id) => [id, []]));
  for (const [from, to] of links) {
    out.get(from).push(to);
    incoming.set(to, incoming.get(to) + 1);
  }
  const layerOf = new Map(ids.map((id) => [id, 0]));
  const ready = ids.filter((id) => incoming.get(id) === 0);
  while (ready.length) {
    const id = ready.shift();
    for (const next of out.get(id)) {
      layerOf.set(next, Math.max(layerOf.get(next), layerOf.get(id) + 1));
      incoming.set(next, incoming.get(next) - 1);
      if (incoming.get(next) === 0) ready.push(next);
    }
  }
  return layerOf;
}

function orderLayers(ids, links, layerOf) {
  const count = Math.max(0, ...layerOf.values()) + 1;
  const layers = Array.from({ length: count }, () => []);
  for (const id of [...ids].sort()) layers[layerOf.get(id)].push(id);
  const neighbours = new Map(ids.map((id) => [id, []]));
  for (const [from, to] of links) {
    neighbours.get(from).push(to);
    neighbours.get(to).push(from);
  }
  for (let sweep = 0; sweep < 6; sweep += 1) {
    const position = new Map(layers.flatMap((layer) => layer.map((id, index) => [id, index])));
    const order = sweep % 2 === 0 ? layers : [...layers].reverse();
    for (const layer of order) {
      const weight = (id) => {
        const around = neighbours.get(id);
        if (!around.length) return position.get(id);
        return around.reduce((sum, other) => sum + position.get(other), 0) / around.length;
      };
      const weights = new Map(layer.map((id) => [id, weight(id)]));
      layer.sort((a, b) => weights.get(a) - weights.get(b));
      layer.forEach((id, index) => position.set(id, index));
    }
  }
  return layers;
}

const measure = (() => {
  const context = document.createElement("canvas").getContext("2d");
  return (text, font) => {
    context.font = font;
    return context.measureText(text).width;
  };
})();

function place(nodes, layers, layerOf) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const widthOf = (node) => (node ? Math.ceil(Math.max(measure(node.table, FONTS.table),
    measure(node.schema, FONTS.schema)) + 2 * PAD_X) : WAYPOINT_WIDTH);
  const heights = layers.map((layer) => layer.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP);
  const tallest = Math.max(NODE_HEIGHT, ...heights);
  const boxes = new Map();
  let x = MARGIN;
  layers.forEach((layer, index) => {
    const widths = layer.map((id) => widthOf(byId.get(id)));
    const column = Math.max(0, ...widths);
    let y = MARGIN + (tallest - heights[index]) / 2;
    layer.forEach((id, row) => {
      const node = byId.get(id);
      boxes.set(id, { x: x + (column - widths[row]) / 2, y, width: widths[row],
        layer: layerOf.get(id), label: node ? `${node.schema}.${node.table}` : "" });
      y += NODE_HEIGHT + ROW_GAP;
    });
    x += column + LAYER_GAP;
  });
  return { boxes, size: { width: x - LAYER_GAP + MARGIN, height: tallest + 2 * MARGIN + 40 } };
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
