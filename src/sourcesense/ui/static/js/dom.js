// DOM building without innerHTML: every piece of data becomes a text node.

const SVG_NS = "http://www.w3.org/2000/svg";

/** An element with attributes (`text`, `class`, `dataset`, `on<event>` are special). */
export function el(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, same conventions as el(). */
export function svg(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props)) setProp(node, key, value);
  append(node, children);
  return node;
}

function setProp(node, key, value) {
  if (value === undefined || value === null || value === false) return;
  if (key === "text") node.textContent = String(value);
  else if (key === "class") node.setAttribute("class", value);
  else if (key === "dataset") Object.assign(node.dataset, value);
  else if (key.startsWith("on") && typeof value === "function") {
    node.addEventListener(key.slice(2), value);
  } else node.setAttribute(key, value === true ? "" : String(value));
}

/** Append nodes or strings (as text); null, undefined and false are skipped. */
export function append(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Empty a node, then append the children given (nodes, strings, arrays of them). */
export function clear(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Say something to screen readers without moving focus. */
export function announce(message) {
  const region = $("#announcer");
  region.textContent = "";
  // A fresh text node after a tick is announced even when the message repeats.
  setTimeout(() => { region.textContent = message; }, 50);
}

/**
 * A table in a scrollable, keyboard-focusable wrapper.
 * columns: [{label, value(row) -> Node|string, className?}]
 */
export function dataTable({ caption, columns, rows, empty = "Nothing to show.", rowId }) {
  if (!rows.length) return el("p", { class: "empty", text: empty });
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c.label })));
  const body = rows.map((row) => el("tr", { id: rowId ? rowId(row) : undefined },
    columns.map((c) => el("td", { class: c.className }, c.value(row)))));
  const table = el("table", {},
    el("caption", { class: caption.visible ? "" : "visually-hidden", text: caption.text }),
    el("thead", {}, head), el("tbody", {}, body));
  // Named apart from the section around it, which often bears the caption's words.
  return el("div", { class: "table-scroll", tabindex: "0", role: "region",
    "aria-label": `${caption.text} (table)` }, table);
}

/** A <dl> of [term, description] pairs; null descriptions are skipped. */
export function facts(pairs, className = "facts") {
  return el("dl", { class: className }, factItems(pairs));
}

/** The term/description groups of facts(), to fill an existing <dl>. */
export function factItems(pairs) {
  return pairs.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", {}, value)));
}

export function badge(text, tone = "neutral") {
  return el("span", { class: `badge badge-${tone}`, text });
}

export function code(text) {
  return el("code", { text });
}

export function heading(level, text, props = {}) {
  return el(`h${level}`, { tabindex: "-1", ...props, text });
}

/** An alert box: title, message and optional advice. */
export function errorBox({ title, message, advice, actions = [] }) {
  return el("div", { class: "error-box", role: "alert" },
    el("p", { class: "error-title", text: title }),
    message ? el("p", { class: "error-message", text: message }) : null,
    advice ? el("p", { class: "error-advice", text: advice }) : null,
    actions.length ? el("div", { class: "actions" }, actions) : null);
}
