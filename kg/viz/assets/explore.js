/* fazhi-kg graph explorer. Nodes and edges arrive as JSON (escaped by the template); every
   text from a document is put into the page with textContent, never innerHTML. */
"use strict";
(function () {
  const T0 = performance.now();
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const NODES = read("explore-nodes"), EDGES = read("explore-edges"), OPTIONS = read("explore-options");
  const $ = (id) => document.getElementById(id);
  const api = window.explorer = {timings: {firstDraw: 0}};
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  }
  const byId = new Map(NODES.map((n) => [n.id, n]));
  const centre = NODES.find((n) => n.depth === 0);
  let maxDepth = 0;
  for (const n of NODES) maxDepth = Math.max(maxDepth, n.depth);
  const kinds = [...new Set(NODES.map((n) => n.kind))];
  // a large neighbourhood opens one step out (the depth control shows the rest)
  const state = {depth: NODES.length > 150 ? Math.min(1, maxDepth) : maxDepth, off: new Set()};

  const nodes = new vis.DataSet(NODES.map((n) => ({id: n.id, label: n.label, x: n.x, y: n.y, shape: n.shape,
    size: n.size, color: n.color, borderWidth: n.borderWidth, fixed: false})));
  // edges from a node to the neighbours it brought in are drawn; cross links between nodes
  // already shown are faint (they light up when a node is selected)
  const FAINT = {color: "rgba(150,158,168,0.16)", highlight: "#222", hover: "#555"};
  const edges = new vis.DataSet(EDGES.map((e, i) => ({id: i, from: e.from, to: e.to, arrows: e.arrows, dashes: e.dashes,
                                                       color: e.tree ? undefined : FAINT})));
  const container = $("graph");
  const network = new vis.Network(container, {nodes, edges}, OPTIONS);
  network.on("afterDrawing", () => { if (!api.timings.firstDraw) api.timings.firstDraw = performance.now() - T0; });

  const visible = (n) => n.depth <= state.depth && (n.depth === 0 || !state.off.has(n.kind));
  function apply() {
    nodes.update(NODES.map((n) => ({id: n.id, hidden: !visible(n)})));
    $("depth").value = String(state.depth);
    $("depth-out").textContent = String(state.depth);
    const shown = NODES.filter(visible).length;
    $("caption").textContent = shown + " / " + NODES.length + " 个节点 nodes · " + EDGES.length + " 条关系 relations · 深度 depth ≤ " + state.depth;
    document.body.dataset.shown = String(shown);
    network.fit({nodes: NODES.filter(visible).map((n) => n.id), animation: false});
  }

  const slider = $("depth");
  slider.max = String(Math.max(1, maxDepth));
  slider.addEventListener("input", () => { state.depth = Number(slider.value); apply(); });
  const colours = {};
  for (const n of NODES) if (!n.more) colours[n.kind] = n.color.background;
  for (const k of kinds) {
    const box = el("input", {type: "checkbox", "data-kind": k});
    box.checked = true;
    box.addEventListener("change", () => { if (box.checked) state.off.delete(k); else state.off.add(k); apply(); });
    const name = NODES.find((n) => n.kind === k).kindName;
    $("kinds").append(el("label", null, box, el("span", {class: "sw", style: "background:" + (colours[k] || "#999")}), name));
  }

  function info(n) {
    const parts = [el("h3", null, n.name), el("div", {class: "sub"}, n.kindName + " · 深度 depth " + n.depth)];
    if (n.page && n.id !== centre.id) parts.push(el("a", {href: n.page}, "⌖ 打开它的关系图 / open its explorer"));
    if (n.kind === "programme" && !n.more) parts.push(el("a", {href: "../spread.html#programme=" + encodeURIComponent(n.name)}, "◎ 在扩散图中查看 / show in the spread view"));
    if (n.kind === "region" && !n.more) parts.push(el("a", {href: "../spread.html#region=" + encodeURIComponent(n.name)}, "◎ 在扩散图中查看 / show in the spread view"));
    if (!n.more) parts.push(el("div", {class: "sub"}, n.id));
    $("info").replaceChildren(...parts);
  }
  const tip = $("tooltip");
  function place(lines, p) {
    tip.replaceChildren(...lines);
    tip.hidden = false;
    const box = $("graph-wrap").getBoundingClientRect();
    tip.style.left = Math.max(4, Math.min(p.x + 14, box.width - tip.offsetWidth - 6)) + "px";
    tip.style.top = Math.max(4, p.y + 14 + tip.offsetHeight > box.height ? p.y - tip.offsetHeight - 10 : p.y + 14) + "px";
  }
  container.addEventListener("mousemove", (ev) => {
    const box = container.getBoundingClientRect(), p = {x: ev.clientX - box.left, y: ev.clientY - box.top};
    const id = network.getNodeAt(p);
    if (id !== undefined) {
      const n = byId.get(id);
      return place([el("div", {class: "name"}, n.name), el("div", null, n.kindName)], p);
    }
    const e = network.getEdgeAt(p);
    if (e !== undefined) {
      const d = EDGES[e];
      return place([el("div", {class: "name"}, byId.get(d.from).name + " → " + byId.get(d.to).name), el("div", null, d.rel)], p);
    }
    tip.hidden = true;
  });
  container.addEventListener("mouseleave", () => { tip.hidden = true; });
  network.on("click", (p) => { if (p.nodes.length) info(byId.get(p.nodes[0])); });
  network.on("doubleClick", (p) => {
    const n = p.nodes.length ? byId.get(p.nodes[0]) : null;
    if (n && n.page && n.id !== centre.id) location.href = n.page;
  });

  Object.assign(api, {
    state: () => ({depth: state.depth, off: [...state.off].sort()}),
    shown: () => nodes.get({filter: (n) => !n.hidden}).map((n) => n.id).sort(),
    nodes: () => NODES.map((n) => ({id: n.id, name: n.name, kind: n.kind, depth: n.depth, more: n.more})),
    edges: () => EDGES.map((e) => ({from: e.from, to: e.to, rel: e.rel})),
    point: (id) => {
      const p = network.canvasToDOM(network.getPosition(id)), box = container.getBoundingClientRect();
      return {x: box.left + p.x, y: box.top + p.y};
    },
    positions: () => network.getPositions(),
  });
  info(centre);
  apply();
  document.body.dataset.ready = "1";
})();
