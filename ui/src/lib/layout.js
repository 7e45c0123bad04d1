// A layered ("Sugiyama") drawing of a job's DAG, left to right: each task
// sits in the column of its longest dependency chain, edges that skip columns
// run through invisible placeholder slots so they never cross a task box, and
// a few barycenter sweeps order each column to cut edge crossings. Pipelines
// are tens to hundreds of tasks, so plain O(V·E) passes are fast enough.
//
// layoutDag(nodes, options) takes [{id, deps: [id...]}] in spec order and
// returns {nodes: [{id, x, y, width, height, layer}], edges: [{from, to,
// path}], width, height}; `path` is SVG path data. Unknown dependencies are
// ignored; a cycle (the server refuses them) still yields a drawing.

export const DEFAULTS = {
  nodeWidth: 168,
  nodeHeight: 46,
  gapX: 64, // between columns
  gapY: 20, // between rows
  margin: 16,
  sweeps: 8,
};

// Column of each node: 1 + the deepest column among its dependencies.
export function assignLayers(nodes) {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const deps = nodes.map((n) => [...new Set(n.deps ?? [])].filter((d) => index.has(d) && d !== n.id));
  const indegree = deps.map((d) => d.length);
  const dependents = nodes.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[index.get(d)].push(i)));

  const layer = new Array(nodes.length).fill(0);
  const queue = [];
  indegree.forEach((n, i) => n === 0 && queue.push(i));
  let seen = 0;
  while (queue.length > 0) {
    const i = queue.shift();
    seen++;
    for (const j of dependents[i]) {
      layer[j] = Math.max(layer[j], layer[i] + 1);
      if (--indegree[j] === 0) queue.push(j);
    }
  }
  if (seen < nodes.length) {
    // Nodes on a cycle never reached indegree 0: put them after everything else.
    const last = Math.max(0, ...layer.filter((_, i) => indegree[i] === 0)) + 1;
    indegree.forEach((n, i) => {
      if (n > 0) layer[i] = last;
    });
  }
  return { layer, deps, index };
}

// Crossings between the edges of two adjacent columns; `edges` are
// [upperPos, lowerPos] pairs.
export function countCrossings(edges) {
  let crossings = 0;
  for (let a = 0; a < edges.length; a++) {
    for (let b = a + 1; b < edges.length; b++) {
      const [u1, l1] = edges[a];
      const [u2, l2] = edges[b];
      if ((u1 - u2) * (l1 - l2) < 0) crossings++;
    }
  }
  return crossings;
}

export function layoutDag(input, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { layer, deps, index } = assignLayers(input);

  // Slots: real nodes first (index = input index), then placeholders for
  // each column an edge skips. `links` join slots of adjacent columns.
  const slots = input.map((n, i) => ({ real: true, id: n.id, layer: layer[i] }));
  const links = []; // [fromSlot, toSlot]
  const routes = []; // per original edge: the slots it passes through
  deps.forEach((ds, to) => {
    for (const d of ds) {
      const from = index.get(d);
      const chain = [from];
      for (let l = layer[from] + 1; l < layer[to]; l++) {
        slots.push({ real: false, layer: l });
        chain.push(slots.length - 1);
      }
      chain.push(to);
      for (let k = 0; k + 1 < chain.length; k++) links.push([chain[k], chain[k + 1]]);
      routes.push({ from: d, to: input[to].id, chain });
    }
  });

  const layerCount = slots.length ? Math.max(...slots.map((s) => s.layer)) + 1 : 0;
  let columns = Array.from({ length: layerCount }, () => []);
  slots.forEach((s, i) => columns[s.layer].push(i)); // spec order to start with

  const ups = slots.map(() => []);
  const downs = slots.map(() => []);
  for (const [a, b] of links) {
    downs[a].push(b);
    ups[b].push(a);
  }

  const positionsOf = (cols) => {
    const pos = new Array(slots.length);
    cols.forEach((col) => col.forEach((s, i) => (pos[s] = i)));
    return pos;
  };
  const totalCrossings = (cols) => {
    const pos = positionsOf(cols);
    let sum = 0;
    for (let l = 0; l + 1 < cols.length; l++) {
      const pairs = [];
      for (const s of cols[l]) for (const t of downs[s]) pairs.push([pos[s], pos[t]]);
      sum += countCrossings(pairs);
    }
    return sum;
  };
  // Orders column `l` by the mean position of its neighbours in the column
  // just swept; a slot without neighbours there keeps its place.
  const reorder = (cols, l, neighbours) => {
    const pos = positionsOf(cols);
    const keyed = cols[l].map((s, i) => {
      const ns = neighbours[s];
      const bary = ns.length ? ns.reduce((acc, n) => acc + pos[n], 0) / ns.length : i;
      return { s, bary, i };
    });
    keyed.sort((a, b) => a.bary - b.bary || a.i - b.i);
    cols[l] = keyed.map((k) => k.s);
  };

  let best = columns.map((c) => [...c]);
  let bestCrossings = totalCrossings(best);
  for (let sweep = 0; sweep < o.sweeps && bestCrossings > 0; sweep++) {
    if (sweep % 2 === 0) for (let l = 1; l < layerCount; l++) reorder(columns, l, ups);
    else for (let l = layerCount - 2; l >= 0; l--) reorder(columns, l, downs);
    const c = totalCrossings(columns);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = columns.map((col) => [...col]);
    }
  }
  columns = best;

  // Coordinates: columns centred on the tallest one.
  const rowStep = o.nodeHeight + o.gapY;
  const colStep = o.nodeWidth + o.gapX;
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  const at = new Array(slots.length);
  columns.forEach((col, l) => {
    const offset = ((tallest - col.length) * rowStep) / 2;
    col.forEach((s, i) => {
      at[s] = { x: o.margin + l * colStep, y: o.margin + offset + i * rowStep };
    });
  });

  const nodes = input.map((n, i) => ({
    id: n.id,
    layer: layer[i],
    x: at[i].x,
    y: at[i].y,
    width: o.nodeWidth,
    height: o.nodeHeight,
  }));

  const mid = o.nodeHeight / 2;
  const edges = routes.map(({ from, to, chain }) => {
    // Leave the right side of the source, cross each placeholder slot
    // horizontally, enter the left side of the target.
    const points = [{ x: at[chain[0]].x + o.nodeWidth, y: at[chain[0]].y + mid }];
    for (const s of chain.slice(1, -1)) {
      points.push({ x: at[s].x, y: at[s].y + mid });
      points.push({ x: at[s].x + o.nodeWidth, y: at[s].y + mid });
    }
    const last = chain[chain.length - 1];
    points.push({ x: at[last].x, y: at[last].y + mid });
    return { from, to, path: smoothPath(points) };
  });

  return {
    nodes,
    edges,
    crossings: bestCrossings,
    width: layerCount ? 2 * o.margin + layerCount * colStep - o.gapX : 2 * o.margin,
    height: 2 * o.margin + Math.max(0, tallest * rowStep - o.gapY),
  };
}

// Cubic segments with horizontal tangents between consecutive points; a
// segment between points at the same height is a straight line.
function smoothPath(points) {
  const f = (n) => Math.round(n * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1];
    const q = points[i];
    if (p.y === q.y) {
      d += ` L${f(q.x)},${f(q.y)}`;
    } else {
      const dx = (q.x - p.x) / 2;
      d += ` C${f(p.x + dx)},${f(p.y)} ${f(q.x - dx)},${f(q.y)} ${f(q.x)},${f(q.y)}`;
    }
  }
  return d;
}
