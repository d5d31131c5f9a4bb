// Where the tables of a relationship graph go: each connected part laid out in layers (longest
// path over the graph with its cycles broken, each layer ordered by the mean position of its
// neighbours), then the parts packed in rows, biggest first, so that thousands of tables make
// a roughly 16:10 picture instead of one endless column.

export const HEADER = 46;
const LAYER_GAP = 90;
const ROW_GAP = 18;
const MARGIN = 40;
const PART_GAP = 70;
const WAYPOINT_WIDTH = 12;
const ASPECT = 1.6;
const VIRTUAL = "\u0000via:";

/**
 * nodes: [{id, schema, table}], edges: [{from, to}], sizeOf(node) -> {width, height}.
 * Returns boxes (id -> {x, y, width, height, layer, label}, waypoints included), chains (edge
 * index -> the waypoint ids of the layers it crosses) and the size of the whole picture.
 */
export function layout(nodes, edges, sizeOf) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const boxes = new Map();
  const chains = new Map();
  const parts = components(nodes.map((node) => node.id), edges).map((part) => {
    const laid = layoutPart(part, byId, sizeOf, chains);
    return { ...laid, area: laid.width * laid.height };
  });
  const size = pack(parts.sort((a, b) => b.area - a.area || b.width - a.width));
  for (const part of parts) {
    for (const [id, box] of part.boxes) {
      boxes.set(id, { ...box, x: box.x + part.x, y: box.y + part.y });
    }
  }
  return { boxes, chains, size };
}

/** The connected parts: their ids and the indices of their edges. */
function components(ids, edges) {
  const parent = new Map(ids.map((id) => [id, id]));
  const root = (id) => {
    let top = id;
    while (parent.get(top) !== top) top = parent.get(top);
    for (let at = id; at !== top;) {
      const up = parent.get(at);
      parent.set(at, top);
      at = up;
    }
    return top;
  };
  for (const edge of edges) parent.set(root(edge.from), root(edge.to));
  const parts = new Map();
  const partOf = (id) => {
    const key = root(id);
    if (!parts.has(key)) parts.set(key, { ids: [], edges: [] });
    return parts.get(key);
  };
  for (const id of ids) partOf(id).ids.push(id);
  edges.forEach((edge, index) => partOf(edge.from).edges.push({ ...edge, index }));
  return [...parts.values()];
}

function layoutPart(part, byId, sizeOf, chains) {
  const links = acyclic(part.ids, part.edges.filter((edge) => edge.from !== edge.to));
  const layerOf = layering(part.ids, links);
  const segments = waypoints(part.edges, layerOf, chains);
  const all = [...layerOf.keys()];
  const layers = orderLayers(all, segments, layerOf);
  return place(layers, layerOf, (id) => {
    const node = byId.get(id);
    return node ? sizeOf(node) : { width: WAYPOINT_WIDTH, height: HEADER };
  }, byId);
}

/** Shelf packing: rows about ASPECT times as wide as the whole picture is tall. */
function pack(parts) {
  const area = parts.reduce((sum, part) => sum + (part.width + PART_GAP) * (part.height + PART_GAP), 0);
  const rowWidth = Math.max(Math.sqrt(area * ASPECT), ...parts.map((part) => part.width));
  let [x, y, rowHeight, width] = [0, 0, 0, 0];
  for (const part of parts) {
    if (x > 0 && x + part.width > rowWidth) [x, y, rowHeight] = [0, y + rowHeight + PART_GAP, 0];
    Object.assign(part, { x, y });
    x += part.width + PART_GAP;
    rowHeight = Math.max(rowHeight, part.height);
    width = Math.max(width, x - PART_GAP);
  }
  return { width, height: y + rowHeight };
}

/**
 * A waypoint in every layer an edge crosses, so that long edges are laid out (and drawn)
 * around the tables in between rather than through them.
 */
function waypoints(edges, layerOf, chains) {
  const segments = [];
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    const [first, last] = [layerOf.get(edge.from), layerOf.get(edge.to)];
    const chain = [];
    for (let layer = first + 1; layer < last; layer += 1) {
      const id = `${VIRTUAL}${edge.index}:${layer}`;
      layerOf.set(id, layer);
      chain.push(id);
    }
    chains.set(edge.index, chain);
    const path = [edge.from, ...chain, edge.to];
    for (let i = 1; i < path.length; i += 1) segments.push([path[i - 1], path[i]]);
  }
  return segments;
}

/** The edges with those closing a cycle turned around, found by depth-first search. */
function acyclic(ids, edges) {
  const out = new Map(ids.map((id) => [id, []]));
  for (const edge of edges) out.get(edge.from)?.push(edge.to);
  const state = new Map();
  const links = [];
  for (const start of ids) {
    if (state.has(start)) continue;
    // An explicit stack: a chain of thousands of tables would overflow the call stack.
    const stack = [[start, 0]];
    state.set(start, "open");
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = out.get(top[0])[top[1]++];
      if (next === undefined) {
        state.set(top[0], "done");
        stack.pop();
      } else if (state.get(next) === "open") links.push([next, top[0]]);
      else {
        links.push([top[0], next]);
        if (!state.has(next)) {
          state.set(next, "open");
          stack.push([next, 0]);
        }
      }
    }
  }
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
  for (let at = 0; at < ready.length; at += 1) {
    const id = ready[at];
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
  const position = new Map();
  for (const layer of layers) layer.forEach((id, index) => position.set(id, index));
  for (let sweep = 0; sweep < 6; sweep += 1) {
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

function place(layers, layerOf, sizeOf, byId) {
  const sizes = layers.map((layer) => layer.map(sizeOf));
  const heights = sizes.map((layer) => layer.reduce((sum, size) => sum + size.height + ROW_GAP, -ROW_GAP));
  const tallest = Math.max(HEADER, ...heights);
  const boxes = new Map();
  let x = MARGIN;
  layers.forEach((layer, index) => {
    const column = Math.max(0, ...sizes[index].map((size) => size.width));
    let y = MARGIN + (tallest - heights[index]) / 2;
    layer.forEach((id, row) => {
      const { width, height } = sizes[index][row];
      const node = byId.get(id);
      boxes.set(id, { x: x + (column - width) / 2, y, width, height, layer: layerOf.get(id),
        label: node ? `${node.schema}.${node.table}` : "" });
      y += height + ROW_GAP;
    });
    x += column + LAYER_GAP;
  });
  return { boxes, width: x - LAYER_GAP + MARGIN, height: tallest + 2 * MARGIN + 40 };
}

/**
 * A curve from one box to another as path commands ([op, ...numbers], op M or C): left to
 * right through the waypoints of the layers it crosses, looping back below, or a self-loop.
 */
export function route(a, b, via) {
  const mid = HEADER / 2;
  if (a === b) {
    const sx = a.x + a.width - 26;
    const ey = a.y + 12;
    const ex = a.x + a.width;
    return [["M", sx, a.y], ["C", sx, a.y - 34, ex + 34, ey, ex, ey]];
  }
  if (b.layer > a.layer) {
    const points = [[a.x + a.width, a.y + mid], ...via.map((v) => [v.x + v.width / 2, v.y + mid]),
      [b.x, b.y + mid]];
    return [["M", ...points[0]], ...points.slice(1).map(([ex, ey], index) => {
      const [sx, sy] = points[index];
      const bend = Math.max(20, (ex - sx) / 2);
      return ["C", sx + bend, sy, ex - bend, ey, ex, ey];
    })];
  }
  const sx = a.x + a.width / 2;
  const ex = b.x + b.width / 2;
  const sy = a.y + a.height;
  const ey = b.y + b.height;
  const drop = Math.max(sy, ey) + 50;
  return [["M", sx, sy], ["C", sx, drop, ex, drop, ex, ey]];
}

/** The same commands as an SVG path's d attribute. */
export function pathData(commands) {
  return commands.map(([op, ...numbers]) => `${op}${numbers.map(round).join(",")}`).join(" ");
}

const round = (value) => Math.round(value * 10) / 10;
