// The run's whole relationship graph on one <canvas>: thousands of tables stay fast because a
// frame paints only what is in view, batched per style, and names only when readable. Zoom
// (wheel, buttons, keys) and pan (drag, arrow keys) redraw on the next animation frame; each
// redraw is measured ("graph-step", "graph-draw" in performance.getEntriesByType("measure")).

import { el } from "./dom.js";
import { HEADER } from "./graph-layout.js";
import { paint } from "./graph-paint.js";

const MAX_ZOOM = 3;
const READABLE_ZOOM = 1;

export class CanvasGraph {
  /** scene: from buildScene(); onOpen(node): a table chosen by click or Enter; onHover(node or null). */
  constructor(scene, { label, onOpen, onHover = () => {} }) {
    Object.assign(this, { scene, onOpen, onHover, x: 0, y: 0, k: 1, fitted: false, active: null, focus: null });
    this.drag = null;
    this.touches = new Map(); // pointer id -> [x, y] of the fingers down, for a pinch
    this.pending = null; // when the input waiting for the next frame happened
    this.canvas = el("canvas", {
      class: "graph-canvas", tabindex: "0", role: "img", "aria-roledescription": "graph",
      "aria-label": `${label}. Arrow keys pan, plus and minus zoom, 0 fits the view, Enter opens the found table.`,
      dataset: { nodes: scene.placed.length, edges: scene.routes.length,
        columns: scene.placed.some((item) => item.columns.length) ? "shown" : "hidden" },
    });
    this.frame = el("div", { class: "graph-frame" }, this.canvas);
    this.listen();
    new ResizeObserver(() => this.resize()).observe(this.frame);
  }

  listen() {
    const on = (type, handler, options) => this.canvas.addEventListener(type, handler, options);
    on("wheel", (event) => this.onWheel(event), { passive: false });
    on("pointerdown", (event) => this.onDown(event));
    on("pointermove", (event) => this.onMove(event));
    on("pointerup", (event) => this.onUp(event));
    on("pointercancel", (event) => this.onUp(event, false));
    on("pointerleave", () => { this.setActive(null); this.onHover(null); });
    on("keydown", (event) => this.onKey(event));
  }

  resize() {
    const { clientWidth: width, clientHeight: height } = this.canvas;
    if (!width || !height) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    if (!this.fitted) this.fit();
    else this.request();
  }

  /** The whole graph in view. */
  fit() {
    const { clientWidth: width, clientHeight: height } = this.canvas;
    if (!width) return;
    this.fitted = true;
    const { size } = this.scene;
    this.k = Math.min(width / size.width, height / size.height, 1.2);
    this.x = (width - size.width * this.k) / 2;
    this.y = (height - size.height * this.k) / 2;
    this.request();
  }

  minZoom() {
    const { size } = this.scene;
    return Math.min(0.15, (0.5 * this.canvas.clientWidth) / size.width, (0.5 * this.canvas.clientHeight) / size.height);
  }

  zoomAt(px, py, factor) {
    const k = Math.min(MAX_ZOOM, Math.max(this.minZoom(), this.k * factor));
    this.x = px - ((px - this.x) * k) / this.k;
    this.y = py - ((py - this.y) * k) / this.k;
    this.k = k;
    this.request();
  }

  zoomCenter(factor) {
    this.zoomAt(this.canvas.clientWidth / 2, this.canvas.clientHeight / 2, factor);
  }

  panBy(dx, dy) {
    this.x += dx;
    this.y += dy;
    this.request();
  }

  /** Emphasise a table and bring it to the middle at a readable size. */
  focusOn(id) {
    const item = this.scene.byId.get(id);
    if (!item) return false;
    this.focus = id;
    this.active = id;
    this.fitted ||= this.canvas.clientWidth > 0; // a later first resize keeps this view
    this.k = Math.max(this.k, READABLE_ZOOM);
    this.x = this.canvas.clientWidth / 2 - (item.box.x + item.box.width / 2) * this.k;
    this.y = this.canvas.clientHeight / 2 - (item.box.y + Math.min(item.box.height, 200) / 2) * this.k;
    this.canvas.dataset.focus = `${item.node.schema}.${item.node.table}`;
    this.request();
    return true;
  }

  setActive(id) {
    const active = id ?? this.focus;
    if (active === this.active) return;
    this.active = active;
    this.request();
  }

  /** One redraw per animation frame, however many inputs arrive before it. */
  request() {
    if (this.pending !== null) return;
    this.pending = performance.now();
    requestAnimationFrame(() => this.draw());
  }

  draw() {
    const started = performance.now();
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(ratio * this.k, 0, 0, ratio * this.k, ratio * this.x, ratio * this.y);
    const view = { left: -this.x / this.k, top: -this.y / this.k,
      right: (this.canvas.clientWidth - this.x) / this.k, bottom: (this.canvas.clientHeight - this.y) / this.k };
    paint(ctx, this.scene, { view, k: this.k, active: this.active, focus: this.focus });
    const ended = performance.now();
    performance.measure("graph-draw", { start: started, end: ended });
    performance.measure("graph-step", { start: this.pending, end: ended });
    this.pending = null;
    this.canvas.dataset.zoom = this.k.toFixed(3);
    this.canvas.dataset.draws = String(Number(this.canvas.dataset.draws || 0) + 1);
  }

  /** The table under a point of the canvas (CSS pixels), if any. */
  hit(px, py) {
    const wx = (px - this.x) / this.k;
    const wy = (py - this.y) / this.k;
    return this.scene.placed.find(({ box }) => wx >= box.x && wx <= box.x + box.width
      && wy >= box.y && wy <= box.y + Math.max(box.height, HEADER))?.node ?? null;
  }

  local(event) {
    const box = this.canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  onWheel(event) {
    event.preventDefault();
    this.zoomAt(...this.local(event), Math.exp(-event.deltaY * 0.0015));
  }

  onDown(event) {
    if (event.button !== 0) return;
    this.touches.set(event.pointerId, this.local(event));
    if (this.touches.size === 2) {
      this.drag = null; // two fingers pinch: no pan, no click
      return;
    }
    this.drag = { id: event.pointerId, sx: event.clientX, sy: event.clientY, x: this.x, y: this.y, moved: false };
  }

  onMove(event) {
    if (this.touches.size === 2 && this.touches.has(event.pointerId)) {
      this.pinch(event);
      return;
    }
    const drag = this.drag;
    if (!drag || drag.id !== event.pointerId) {
      const node = this.hit(...this.local(event));
      this.canvas.classList.toggle("over-node", Boolean(node));
      this.setActive(node?.id ?? null);
      this.onHover(node);
      return;
    }
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
    this.request();
  }

  /** Zoom by the change of the distance between two fingers, about their midpoint. */
  pinch(event) {
    const [a, b] = [...this.touches.values()];
    const before = Math.hypot(a[0] - b[0], a[1] - b[1]);
    this.touches.set(event.pointerId, this.local(event));
    const [c, d] = [...this.touches.values()];
    const after = Math.hypot(c[0] - d[0], c[1] - d[1]);
    if (before > 0) this.zoomAt((c[0] + d[0]) / 2, (c[1] + d[1]) / 2, after / before);
  }

  /** A click (not the end of a drag or pinch) on a table opens it. */
  onUp(event, released = true) {
    const pinched = this.touches.size > 1;
    this.touches.delete(event.pointerId);
    const drag = this.drag;
    this.drag = null;
    this.canvas.classList.remove("dragging");
    if (!released || pinched || !drag || drag.id !== event.pointerId || drag.moved) return;
    const node = this.hit(...this.local(event));
    if (node) this.onOpen(node);
  }

  onKey(event) {
    const step = 60;
    const actions = {
      ArrowLeft: () => this.panBy(step, 0), ArrowRight: () => this.panBy(-step, 0),
      ArrowUp: () => this.panBy(0, step), ArrowDown: () => this.panBy(0, -step),
      "+": () => this.zoomCenter(1.25), "=": () => this.zoomCenter(1.25),
      "-": () => this.zoomCenter(0.8), 0: () => this.fit(),
      Enter: () => this.focus && this.onOpen(this.scene.byId.get(this.focus).node),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
}
