/* fazhi-kg spread view. Data arrive as JSON in #spread-data; every text taken from a
   document is put into the page with textContent (never innerHTML). */
"use strict";
(function () {
  const T0 = performance.now();
  const DATA = JSON.parse(document.getElementById("spread-data").textContent);
  const R = DATA.regions, P = DATA.programmes, A = DATA.adoptions;
  const REP = DATA.reports, AG = DATA.agencies, EV = DATA.evidence, MAP = DATA.map;
  const DOC = DATA.documents, CIT = DATA.citations, E = DATA.edges, RULES = DATA.rules;
  const nR = R.id.length, nP = P.id.length, nA = A.region.length, nE = E.kind.length;
  const PALETTE = ["#3a6fb0", "#e07b28", "#4a9a44", "#9b59a6", "#cf4440", "#2b9c98"];
  const RAMP = DATA.ramp;  // a sequential ramp checked for colour-blind readers (kg/data/year_ramp.json)
  const EDGE_COLOUR = ["#1d1d1d", "#7a4fb0", "#b0561d", "#3d7a8c"];  // learned, parent, document, neighbour
  const DIM_BORDER = "rgba(120,120,120,0.0)";
  const LEVEL_ZH = ["省级", "地级", "县级", "乡镇", "村社区"];
  const LEVEL_EN = ["province", "prefecture", "county", "township", "village"];
  const SHAPES = ["square", "diamond", "dot", "dot", "dot"];
  const $ = (id) => document.getElementById(id);
  const api = window.spreadView = {timings: {script: 0, firstDraw: 0}};

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "data") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }
  const svg = (tag, attrs) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };

  // ---- indexes -----------------------------------------------------------------------
  const years = A.year.length ? A.year : [new Date().getFullYear()];
  // a loop, not Math.min(...years): spreading 100,000+ values overflows the call stack
  let Y0 = years[0], Y1 = years[0];
  for (const y of years) { if (y < Y0) Y0 = y; if (y > Y1) Y1 = y; }
  for (const y of REP.year) if (y) { if (y < Y0) Y0 = y; if (y > Y1) Y1 = y; }
  // coverage: the years each region has a report for, and the reports per year
  const reportYears = Array.from({length: nR}, () => new Set()), reportsPerYear = new Map();
  const firstReport = new Int32Array(nR);
  REP.region.forEach((r, i) => {
    const y = REP.year[i];
    if (!y) return;
    reportsPerYear.set(y, (reportsPerYear.get(y) || 0) + 1);
    if (r < 0) return;
    reportYears[r].add(y);
    if (!firstReport[r] || y < firstReport[r]) firstReport[r] = y;
  });
  const edgesOf = Array.from({length: nP}, () => []);
  for (let e = 0; e < nE; e++) edgesOf[E.programme[e]].push(e);
  const citedBy = Array.from({length: REP.id.length}, () => []);
  CIT.report.forEach((r, i) => citedBy[r].push(CIT.document[i]));
  const byProgramme = Array.from({length: nP}, () => []);
  const byRegion = Array.from({length: nR}, () => []);
  for (let a = 0; a < nA; a++) { byProgramme[A.programme[a]].push(a); byRegion[A.region[a]].push(a); }
  const placed = [];
  for (let r = 0; r < nR; r++) if (R.x[r] !== null) placed.push(r);
  const provinceName = (r) => R.province[r] >= 0 ? DATA.provinces[R.province[r]].name : "";
  const provinceColour = (r) => PALETTE[R.province[r] >= 0 ? DATA.provinces[R.province[r]].colour % PALETTE.length : 0];
  const reportText = (i) => i < 0 ? "" : (REP.title[i] || REP.source[i]) + (REP.title[i] && REP.source[i] ? " (" + REP.source[i] + ")" : "");
  const nCand = P.curated.filter((c) => !c).length;

  function rampColour(year) {
    const t = Y1 === Y0 ? 1 : (year - Y0) / (Y1 - Y0);
    // no more years than colours: each year its own colour of the ramp, none mixed
    if (Y1 - Y0 < RAMP.length) return RAMP[Math.round(t * (RAMP.length - 1))];
    const pos = t * (RAMP.length - 1), i = Math.min(Math.floor(pos), RAMP.length - 2), f = pos - i;
    const c0 = parseInt(RAMP[i].slice(1), 16), c1 = parseInt(RAMP[i + 1].slice(1), 16);
    const ch = (s) => Math.round(((c0 >> s) & 255) * (1 - f) + ((c1 >> s) & 255) * f);
    return "rgb(" + ch(16) + "," + ch(8) + "," + ch(0) + ")";
  }

  // ---- state and the one pass over adoptions ------------------------------------------
  const state = {programme: -1, region: -1, year: Y1, candidates: false, planned: false, inferred: true};
  const counts = new Int32Array(nR), first = new Int32Array(nR), firstAdoption = new Int32Array(nR);
  let series = null, litCount = 0;

  const passes = (a) => (state.planned || !A.planned[a]) && (state.candidates || P.curated[A.programme[a]]);

  function compute() {
    counts.fill(0); first.fill(0); firstAdoption.fill(-1);
    const perYear = new Map();
    // rows are sorted by (region, programme, year): the first passing row of a run is the first year
    let lastR = -1, lastP = -1;
    for (let a = 0; a < nA; a++) {
      if (!passes(a)) continue;
      const r = A.region[a], p = A.programme[a], y = A.year[a];
      if (r === lastR && p === lastP) continue;
      lastR = r; lastP = p;
      if (y <= state.year) counts[r]++;
      if (state.programme < 0) perYear.set(y, (perYear.get(y) || 0) + 1);
    }
    if (state.programme >= 0) {
      for (const a of byProgramme[state.programme]) {
        if (!passes(a)) continue;
        const r = A.region[a];
        if (!first[r] || A.year[a] < first[r]) { first[r] = A.year[a]; firstAdoption[r] = a; }
      }
      for (let r = 0; r < nR; r++) if (first[r]) perYear.set(first[r], (perYear.get(first[r]) || 0) + 1);
    }
    series = [];
    let cum = 0;
    for (let y = Y0; y <= Y1; y++) { cum += perYear.get(y) || 0; series.push([y, perYear.get(y) || 0, cum]); }
  }
  const isLit = (r) => state.programme >= 0 ? first[r] > 0 && first[r] <= state.year : counts[r] > 0;
  // "adopted" (lit), "reported" (a report for the year that does not name it) or "none" (no report that year)
  const coverage = (r) => isLit(r) ? "adopted" : reportYears[r].has(state.year) ? "reported" : "none";

  // ---- the network --------------------------------------------------------------------
  const dense = placed.length > 80;
  const DIM_FILL = dense ? (placed.length > 1000 ? "rgba(120,120,120,0.22)" : "rgba(105,105,105,0.5)") : "rgba(110,110,110,0.45)";
  const NO_REPORT_FILL = "rgba(255,255,255,0.9)", NO_REPORT_BORDER = "#6f6f6f";
  const sizeOf = (n) => dense ? 3 + 1.6 * Math.sqrt(n) : 9 + 3 * Math.sqrt(n);
  const baseFont = dense ? 11 : 26;

  function look(r) {
    const lit = isLit(r), sel = r === state.region, cover = coverage(r);
    // no report for the year: a hollow ring, not the grey dot of a report that does not name it
    const fill = cover === "none" ? NO_REPORT_FILL : !lit ? DIM_FILL : state.programme >= 0 ? rampColour(first[r]) : provinceColour(r);
    const size = lit ? sizeOf(counts[r]) : (dense ? (placed.length > 1000 ? 2.5 : 3.5) : 8);
    const fewLit = state.programme >= 0 && litCount <= 25;
    // dense maps label lit nodes only when few; sparse maps label every node (dimmed ones smaller)
    const font = sel || (lit && (!dense || fewLit)) ? (dense ? 22 : baseFont) : (dense ? baseFont : 20);
    return {
      id: r, size, lit,
      cover,
      color: {background: fill, border: sel ? "#000" : (lit ? (state.programme >= 0 ? "#333333" : "#ffffff") : cover === "none" ? NO_REPORT_BORDER : DIM_BORDER),
              highlight: {background: fill, border: "#000"}, hover: {background: fill, border: "#333"}},
      borderWidth: sel ? 3 : (lit || cover === "none" ? 1 : 0),
      font: {size: font, color: lit || sel ? "#1d1d1d" : "#9a9a9a", strokeWidth: 3, strokeColor: "#ffffff"},
    };
  }
  const shown = new Map();
  function countLit() {
    litCount = 0;
    if (state.programme >= 0) for (const r of placed) if (isLit(r)) litCount++;
  }
  function restyle() {
    countLit();
    const changes = [];
    for (const r of placed) {
      const v = look(r), old = shown.get(r);
      const key = v.color.background + v.size + v.borderWidth + v.font.size + v.color.border + v.cover;
      if (!old || old !== key) { changes.push(v); shown.set(r, key); }
    }
    if (changes.length) nodes.update(changes);
    restyleEdges();
  }

  // ---- diffusion edges of the selected programme, up to the slider's year -------------------
  let edgesShown = "";
  function visibleEdges() {
    if (state.programme < 0) return [];
    return edgesOf[state.programme].filter((e) => E.year[e] <= state.year && (state.inferred || E.kind[e] === 0) &&
                                                  R.x[E.source[e]] !== null && R.x[E.target[e]] !== null);
  }
  function restyleEdges() {
    const want = visibleEdges(), key = state.programme + "/" + want.length + "/" + want[want.length - 1];
    if (key === edgesShown) return;
    edgesShown = key;
    edges.clear();
    edges.add(want.map((e) => ({
      id: e, from: E.source[e], to: E.target[e], kind: E.kind[e],
      dashes: E.kind[e] === 0 ? false : [6, 4], width: E.kind[e] === 0 ? 2.6 : 1.3,
      color: {color: EDGE_COLOUR[E.kind[e]], highlight: "#000", hover: "#000", opacity: E.kind[e] === 0 ? 0.95 : 0.7},
      arrows: {to: {enabled: true, scaleFactor: E.kind[e] === 0 ? 0.7 : 0.45}},
    })));
  }

  initial();
  compute();
  countLit();
  const edges = new vis.DataSet([]);
  const nodes = new vis.DataSet(placed.map((r) => {
    const v = look(r);
    shown.set(r, v.color.background + v.size + v.borderWidth + v.font.size + v.color.border + v.cover);
    return Object.assign(v, {
      x: R.x[r], y: R.y[r], label: R.label[r], shape: SHAPES[R.level[r]] || "dot",
      shapeProperties: {borderDashes: R.approx[r] ? [2, 2] : false},
    });
  }));
  const container = $("map");
  const network = new vis.Network(container, {nodes, edges}, {
    physics: {enabled: false}, layout: {improvedLayout: false, randomSeed: 1},
    interaction: {hover: true, tooltipDelay: 80, hideEdgesOnDrag: true, multiselect: false,
                  zoomSpeed: 0.6, keyboard: false},
    nodes: {fixed: true, scaling: {label: {enabled: false, drawThreshold: 7, maxVisible: 18}},
            font: {face: "Noto Sans CJK SC, Microsoft YaHei, sans-serif"}},
    edges: {smooth: false},
  });

  function fitMap() {
    const [x0, y0, x1, y1] = MAP.bounds, W = container.clientWidth, H = container.clientHeight;
    const scale = 0.96 * Math.min(W / (x1 - x0), (H - 40) / (y1 - y0));
    network.moveTo({position: {x: (x0 + x1) / 2, y: (y0 + y1) / 2 - 12 / scale}, scale, animation: false});
  }
  fitMap();

  // ---- base map, drawn under the nodes in network coordinates -------------------------
  const provincePaths = MAP.provinces.map((p) => new Path2D(p.path));
  const countryPath = new Path2D(MAP.country), maritimePath = new Path2D(MAP.maritime);
  const PALE = PALETTE.map((c) => c + "1c");
  function drawBase(ctx, s, inset) {
    MAP.provinces.forEach((p, i) => { ctx.fillStyle = PALE[p.colour % PALE.length]; ctx.fill(provincePaths[i]); });
    ctx.lineJoin = "round";
    ctx.lineWidth = 0.8 / s; ctx.strokeStyle = "#b4bcc6";
    provincePaths.forEach((p) => ctx.stroke(p));
    ctx.lineWidth = 1.3 / s; ctx.strokeStyle = "#7d8792"; ctx.stroke(countryPath);
    if (inset) {
      ctx.lineWidth = 1.4 / s; ctx.stroke(maritimePath);  // each segment is one dash of the line
      ctx.fillStyle = "#7d8792";
      for (const [x, y] of MAP.islands) { ctx.beginPath(); ctx.arc(x, y, 1.1 / s, 0, 6.3); ctx.fill(); }
      return;
    }
    ctx.font = (11 / s) + "px " + "Noto Sans CJK SC, Microsoft YaHei, sans-serif";
    ctx.fillStyle = "rgba(90,100,112,0.75)"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    MAP.provinces.forEach((p) => { if (!["810000", "820000"].includes(p.code)) ctx.fillText(p.short, p.label[0], p.label[1]); });
  }
  network.on("beforeDrawing", (ctx) => {
    const s = network.getScale();
    ctx.save();
    drawBase(ctx, s, false);
    const [bx, by, bw, bh] = MAP.inset.box, [sx, sy] = MAP.inset.source, k = MAP.inset.scale;
    ctx.fillStyle = "#f4f7fa"; ctx.fillRect(bx, by, bw, bh);
    ctx.lineWidth = 1 / s; ctx.strokeStyle = "#7d8792"; ctx.strokeRect(bx, by, bw, bh);
    ctx.save();
    ctx.beginPath(); ctx.rect(bx, by, bw, bh); ctx.clip();
    ctx.translate(bx - sx * k, by - sy * k); ctx.scale(k, k);
    drawBase(ctx, s * k, true);
    ctx.restore();
    ctx.font = (10 / s) + "px Noto Sans CJK SC, sans-serif"; ctx.fillStyle = "#5a6470";
    ctx.textAlign = "right"; ctx.textBaseline = "bottom";
    ctx.fillText("南海诸岛", bx + bw - 4 / s, by + bh - 3 / s);
    ctx.restore();
  });
  let drawnWaiters = [];
  network.on("afterDrawing", () => {
    if (!api.timings.firstDraw) api.timings.firstDraw = performance.now() - T0;
    const w = drawnWaiters; drawnWaiters = []; w.forEach((f) => f());
  });

  // ---- tooltip ------------------------------------------------------------------------
  const tip = $("tooltip");
  function showTip(r, pointer) {
    const lines = [el("div", {class: "name"}, R.label[r], " ", el("span", {class: "src"}, provinceName(r)))];
    if (R.approx[r]) lines.push(el("div", {class: "src"}, "位置近似(上级地区坐标)/ approximate location (parent's point)"));
    if (state.programme >= 0 && first[r]) {
      const a = firstAdoption[r];
      lines.push(el("div", null, P.label[state.programme], " · 首次提及 first mention ", A.year[a],
                    A.planned[a] ? " (计划 planned)" : "", first[r] > state.year ? " (晚于 after " + state.year + ")" : ""));
      if (first[r] === firstReport[r]) lines.push(el("div", {class: "src"}, "该地最早的报告即已提及:实际可能更早 / named in its earliest report: may be older"));
      if (A.evidence[a] >= 0) lines.push(el("div", {class: "ev"}, "“" + EV[A.evidence[a]] + "”"));
      if (A.report[a] >= 0) lines.push(el("div", {class: "src"}, "来源 / source: " + reportText(A.report[a])));
    } else {
      lines.push(el("div", null, counts[r] + " 项措施 programmes (≤ " + state.year + ")"));
    }
    if (!isLit(r)) lines.push(el("div", {class: "src cover-" + coverage(r)}, coverage(r) === "reported"
      ? state.year + " 年有报告,未提及 / the " + state.year + " report does not name it"
      : state.year + " 年无报告 / no report for " + state.year));
    placeTip(lines, pointer);
  }
  function placeTip(lines, pointer) {
    tip.replaceChildren(...lines);
    tip.hidden = false;
    const box = $("map-wrap").getBoundingClientRect();
    const x = Math.min(pointer.x + 14, box.width - tip.offsetWidth - 6);
    const y = pointer.y + 14 + tip.offsetHeight > box.height ? pointer.y - tip.offsetHeight - 10 : pointer.y + 14;
    tip.style.left = Math.max(4, x) + "px"; tip.style.top = Math.max(4, y) + "px";
  }
  function showEdgeTip(e, pointer) {
    const kind = E.kind[e], rule = RULES[kind];
    const lines = [el("div", {class: "name"}, R.label[E.source[e]], " → ", R.label[E.target[e]]),
                   el("div", null, P.label[E.programme[e]], " · ", E.year[e]),
                   el("div", {class: kind === 0 ? "" : "src"}, rule.zh + " / " + rule.en)];
    if (kind === 0 && E.note[e] >= 0) lines.push(el("div", {class: "ev"}, "“" + EV[E.note[e]] + "”"));
    if (rule.kind === "document" && E.note[e] >= 0) lines.push(el("div", {class: "ev"}, "《" + DOC.title[E.note[e]] + "》"));
    placeTip(lines, pointer);
  }
  // the tooltip follows the pointer itself (not vis-network's hover events, which miss a
  // return to the node last hovered after the pointer left the map)
  let pending = null;
  container.addEventListener("mousemove", (ev) => {
    const box = container.getBoundingClientRect();
    pending = {x: ev.clientX - box.left, y: ev.clientY - box.top};
    requestAnimationFrame(() => {
      if (!pending) return;
      const p = pending, n = network.getNodeAt(p);
      pending = null;
      if (n !== undefined) return showTip(n, p);
      const e = network.getEdgeAt(p);
      if (e !== undefined) showEdgeTip(e, p); else tip.hidden = true;
    });
  });
  container.addEventListener("mouseleave", () => { pending = null; tip.hidden = true; });
  network.on("dragStart", () => { tip.hidden = true; });
  network.on("click", (p) => selectRegion(p.nodes.length ? p.nodes[0] : -1));

  // ---- chart ----------------------------------------------------------------------------
  function drawChart() {
    const chart = $("chart"), W = chart.clientWidth || 320, H = 136, L = 30, Rm = 34, Tm = 28, B = 18;
    chart.setAttribute("viewBox", "0 0 " + W + " " + H);
    const maxBar = Math.max(1, ...series.map((s) => s[1])), maxCum = Math.max(1, series[series.length - 1][2]);
    const maxRep = Math.max(1, ...series.map((s) => reportsPerYear.get(s[0]) || 0));
    const n = series.length, bw = (W - L - Rm) / n;
    const kids = [];
    const yb = (v) => H - B - (H - B - Tm) * v / maxBar, yc = (v) => H - B - (H - B - Tm) * v / maxCum;
    kids.push(svg("line", {x1: L, x2: W - Rm, y1: H - B, y2: H - B, stroke: "#999"}));
    series.forEach(([y], i) => {  // reports per year: pale bars on their own scale, behind
      const v = reportsPerYear.get(y) || 0, top = H - B - (H - B - Tm) * v / maxRep;
      const rect = svg("rect", {x: L + i * bw + bw * 0.05, width: bw * 0.9, y: top, height: H - B - top,
                                fill: "none", stroke: "#9aa3ad", "stroke-dasharray": "2 1.5", class: "reports-bar"});
      rect.appendChild(svg("title")).textContent = y + ": " + v + " 份报告 reports";
      kids.push(rect);
    });
    series.forEach(([y, v], i) => {
      const past = y <= state.year;
      const rect = svg("rect", {x: L + i * bw + bw * 0.15, width: bw * 0.7, y: yb(v), height: H - B - yb(v),
                                fill: state.programme >= 0 ? rampColour(y) : "#5b7fa6", opacity: past ? 0.9 : 0.25});
      rect.appendChild(svg("title")).textContent = y + ": " + v + (state.programme >= 0 ? " 个地区首次提及 regions first mentioning it" : " 项新增实施 new adoptions");
      kids.push(rect);
      if (n <= 12 || i % Math.ceil(n / 8) === 0 || i === n - 1) {
        const t = svg("text", {x: L + (i + 0.5) * bw, y: H - 5, "text-anchor": "middle"}); t.textContent = String(y); kids.push(t);
      }
    });
    const pts = series.map(([y, , c], i) => (L + (i + 0.5) * bw) + "," + yc(c)).join(" ");
    kids.push(svg("polyline", {points: pts, fill: "none", stroke: "#222", "stroke-width": 1.6}));
    series.forEach(([y, , c], i) => kids.push(svg("circle", {cx: L + (i + 0.5) * bw, cy: yc(c), r: 2.2, fill: y <= state.year ? "#222" : "#bbb"})));
    const cur = series.findIndex((s) => s[0] === state.year);
    if (cur >= 0) kids.push(svg("line", {x1: L + (cur + 1) * bw, x2: L + (cur + 1) * bw, y1: Tm - 4, y2: H - B, stroke: "#c33", "stroke-dasharray": "3 2"}));
    const label = (x, y, text, anchor) => { const t = svg("text", {x, y, "text-anchor": anchor}); t.textContent = text; return t; };
    kids.push(label(L - 3, yb(maxBar) + 3, String(maxBar), "end"), label(L - 3, H - B, "0", "end"));
    kids.push(label(W - Rm + 3, yc(maxCum) + 3, String(maxCum), "start"));
    kids.push(label(L, 9, state.programme >= 0 ? "▮ 首次提及 first mentions" : "▮ 新增实施 new adoptions", "start"));
    kids.push(label(L, 21, "┆ 每年报告数 reports per year (max " + maxRep + ")", "start"));
    kids.push(label(W - 2, 9, "— 累计 cumulative", "end"));
    chart.replaceChildren(...kids);
  }

  // ---- side panel ---------------------------------------------------------------------------
  const progButtons = [];
  let regionCounts = null, regionCountsKey = "";
  function regionCountFor(p) {
    // regions per programme under the current toggles; one pass, cached per toggle state
    const key = state.candidates + "/" + state.planned;
    if (key !== regionCountsKey) {
      regionCounts = new Int32Array(nP);
      let lastR = -1, lastP = -1;
      for (let a = 0; a < nA; a++) {
        if (!passes(a)) continue;
        const r = A.region[a], q = A.programme[a];
        if (r === lastR && q === lastP) continue;
        lastR = r; lastP = q; regionCounts[q]++;
      }
      regionCountsKey = key;
    }
    return regionCounts[p];
  }
  function buildList() {
    const q = $("search").value.trim().toLowerCase();
    const groups = DATA.themes.map(() => []);
    for (let p = 0; p < nP; p++) {
      if (!state.candidates && !P.curated[p] && p !== state.programme) continue;
      const n = regionCountFor(p);
      if (!n && p !== state.programme) continue;
      if (q && !(P.label[p].toLowerCase().includes(q) || P.alt[p].toLowerCase().includes(q))) continue;
      groups[P.theme[p]].push([p, n]);
    }
    const out = [];
    progButtons.length = 0;
    DATA.themes.forEach((t, i) => {
      if (!groups[i].length) return;
      groups[i].sort((a, b) => b[1] - a[1] || (P.label[a[0]] < P.label[b[0]] ? -1 : 1));
      const d = el("details", {open: ""}, el("summary", null, t.zh, " ", el("small", null, t.en + " · " + groups[i].length)));
      for (const [p, n] of groups[i]) {
        const b = el("button", {type: "button", class: "prog" + (P.curated[p] ? "" : " cand") + (p === state.programme ? " on" : ""),
                                data: {programme: P.id[p], index: p}, onclick: () => selectProgramme(p === state.programme ? -1 : p, {scroll: true})},
                     el("span", {class: "l"}, P.label[p]), el("span", {class: "n"}, n));
        b.title = P.alt[p] ? "同义 / also: " + P.alt[p].split("\u001f").join("、") : P.label[p];
        progButtons.push(b);
        d.appendChild(b);
      }
      out.push(d);
    });
    if (!out.length) out.push(el("p", {class: "sub"}, "无匹配 / no match"));
    $("programmes").replaceChildren(...out);
    const hits = [];
    if (q) for (let r = 0; r < nR && hits.length < 8; r++) {
      if (R.label[r].toLowerCase().includes(q) || R.code[r] === q) {
        hits.push(el("span", {class: "hit link", data: {region: R.id[r]}, onclick: () => { selectRegion(r); focusRegion(r); }},
                     "◎ " + R.label[r] + " (" + provinceName(r) + ")"));
      }
    }
    $("found").replaceChildren(...hits);
  }

  const link = (text, fn) => el("span", {class: "link", onclick: fn}, text);
  // the explorer page of an entity: explore/KIND-HASH.html beside this page (kg.viz.explore.page_name)
  function fnv64(text) {
    let h = 0xcbf29ce484222325n;
    for (const b of new TextEncoder().encode(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    return h.toString(16).padStart(16, "0");
  }
  const kindOf = (iri) => (iri.split("/id/")[1] || "entity").split("/")[0].replace(/[^a-z]/g, "") || "entity";
  const exploreHref = (iri) => "explore/" + kindOf(iri) + "-" + fnv64(iri) + ".html";
  const explore = (iri, name) => el("a", {class: "explore", href: exploreHref(iri), target: "_blank", rel: "noopener",
    title: "关系图 / graph explorer: " + name + "(经 kg serve 打开,或先运行 kg viz --explore-all / open via kg serve or kg viz --explore-all)", data: {iri}}, "⌖");
  function programmeCard() {
    const p = state.programme;
    const adopters = [];
    for (let r = 0; r < nR; r++) if (first[r]) adopters.push(r);
    adopters.sort((a, b) => first[a] - first[b] || (R.label[a] < R.label[b] ? -1 : 1));
    const shownNow = adopters.filter((r) => first[r] <= state.year);
    const card = el("div", {class: "card", id: "programme-card"},
      el("h3", null, P.label[p], " ", explore(P.id[p], P.label[p]), P.curated[p] ? null : el("span", {class: "badge cand"}, "候选 candidate")),
      el("div", {class: "sub"}, DATA.themes[P.theme[p]].zh + " / " + DATA.themes[P.theme[p]].en),
      el("div", null, adopters.length + " 个地区 regions" + (adopters.length ? " · 首次提及 first mention " + first[adopters[0]] : "") +
                      " · 截至 " + state.year + " 年: " + shownNow.length),
      el("div", {class: "sub"}, "年份为报告首次提及之年,不是采纳之年 / years are first mentions in the reports, not adoption dates"));
    const mine = edgesOf[p], learned = mine.filter((e) => E.kind[e] === 0);
    if (mine.length) {
      card.appendChild(el("h4", null, "扩散路径 / diffusion paths: " + learned.length + " 文中借鉴 learned-from · " +
                                      (mine.length - learned.length) + " 推断 inferred"));
      const ul = el("ul", {class: "learned"});
      for (const e of learned) {
        const li = el("li", {data: {source: R.id[E.source[e]], target: R.id[E.target[e]]}},
                      link(R.label[E.target[e]], () => { selectRegion(E.target[e]); focusRegion(E.target[e]); }),
                      " ← " + R.label[E.source[e]] + " (" + E.year[e] + ")");
        if (E.note[e] >= 0) li.title = EV[E.note[e]];
        ul.appendChild(li);
      }
      if (learned.length) card.appendChild(ul);
    }
    if (P.alt[p]) card.appendChild(el("div", {class: "sub"}, "同义 / also: " + P.alt[p].split("\u001f").join("、")));
    const fold = adopters.length > 40;
    let early = 0;
    let y = null, row = null;
    for (const r of adopters) {
      if (first[r] !== y) {
        y = first[r];
        const head = el("b", {style: "color:" + rampColour(y)}, y);
        const n = adopters.filter((x) => first[x] === y).length;
        row = fold ? el("details", {class: "yearrow"}, el("summary", null, head, " (" + n + ")"), el("div"))
                   : el("div", {class: "yearrow"}, head);
        card.appendChild(row);
        row = fold ? row.lastChild : row;
      } else row.appendChild(document.createTextNode("、"));
      const s = link(R.label[r] + (first[r] === firstReport[r] ? "≤" : ""), () => { selectRegion(r); focusRegion(r); });
      if (first[r] === firstReport[r]) early++;
      s.dataset.region = R.id[r];
      const a = firstAdoption[r];
      s.title = (A.evidence[a] >= 0 ? EV[A.evidence[a]] + "\n" : "") + reportText(A.report[a]);
      row.appendChild(s);
    }
    if (early) card.appendChild(el("div", {class: "sub early"}, "≤ " + early + " 个地区在其最早的报告中即已提及,实际可能更早 / " +
                                                               early + " named it in their earliest report: it may be older there"));
    return card;
  }
  function regionCard() {
    const r = state.region;
    const card = el("div", {class: "card", id: "region-card"},
      el("h3", null, R.label[r], " ", explore(R.id[r], R.label[r])),
      el("div", {class: "sub"}, [provinceName(r), LEVEL_ZH[R.level[r]] + " " + LEVEL_EN[R.level[r]], R.code[r]].filter(Boolean).join(" · ") +
                                (R.approx[r] ? " · 位置近似 approximate location" : "") + (R.x[r] === null ? " · 无坐标 not on map" : "")));
    const perYear = new Map();
    for (const a of byRegion[r]) {
      if (!perYear.has(A.year[a])) perYear.set(A.year[a], new Map());
      const m = perYear.get(A.year[a]);
      if (!m.has(A.programme[a])) m.set(A.programme[a], []);
      m.get(A.programme[a]).push(a);
    }
    card.appendChild(el("h4", null, "措施(按年)/ programmes by year"));
    for (const y of [...perYear.keys()].sort()) {
      card.appendChild(el("div", {class: "yearrow"}, el("b", null, y)));
      const items = [...perYear.get(y).entries()].sort((a, b) => (P.label[a[0]] < P.label[b[0]] ? -1 : 1));
      for (const [p, rows] of items) {
        const allPlanned = rows.every((a) => A.planned[a]);
        const summary = el("summary", null, link(P.label[p], (ev) => { ev.preventDefault(); selectProgramme(p); }), " ", explore(P.id[p], P.label[p]),
                           allPlanned ? el("span", {class: "badge planned"}, "计划 planned") : null,
                           P.curated[p] ? null : el("span", {class: "badge cand"}, "候选"));
        const det = el("details", {data: {programme: P.id[p], year: y}}, summary);
        for (const a of rows) {
          if (A.evidence[a] >= 0) det.appendChild(el("p", null, "“" + EV[A.evidence[a]] + "”"));
          const extra = A.agency[a] >= 0 ? AG.label[A.agency[a]] + " · " : "";
          if (A.report[a] >= 0 || extra) det.appendChild(el("p", {class: "src"}, extra + reportText(A.report[a])));
        }
        card.appendChild(det);
      }
    }
    const agencies = new Set();
    for (let i = 0; i < AG.label.length; i++) if (AG.region[i] === r) agencies.add(i);
    for (const a of byRegion[r]) if (A.agency[a] >= 0) agencies.add(A.agency[a]);
    card.appendChild(el("h4", null, "机关 / agencies (" + agencies.size + ")"));
    const names = el("div", {class: "sub agencies"});
    [...agencies].sort((a, b) => (AG.label[a] < AG.label[b] ? -1 : 1)).forEach((i, k) => {
      if (k) names.appendChild(document.createTextNode("、"));
      names.append(AG.label[i], explore(AG.id[i], AG.label[i]));
    });
    card.appendChild(agencies.size ? names : el("div", {class: "sub"}, "—"));
    const reports = new Set();
    for (let i = 0; i < REP.id.length; i++) if (REP.region[i] === r) reports.add(i);
    for (const a of byRegion[r]) if (A.report[a] >= 0) reports.add(A.report[a]);
    card.appendChild(el("h4", null, "报告 / reports (" + reports.size + ")"));
    const ul = el("ul");
    for (const i of [...reports].sort((a, b) => (REP.year[a] || 0) - (REP.year[b] || 0))) {
      ul.appendChild(el("li", {data: {report: REP.id[i]}}, (REP.year[i] ? REP.year[i] + " · " : "") + reportText(i)));
    }
    card.appendChild(ul);
    const docs = new Set();
    for (const i of reports) for (const d of citedBy[i]) docs.add(d);
    if (docs.size) {
      card.appendChild(el("h4", null, "引用的文件 / documents cited (" + docs.size + ")"));
      const dl = el("ul", {class: "documents"});
      for (const d of [...docs].sort((a, b) => (DOC.title[a] < DOC.title[b] ? -1 : 1))) {
        dl.appendChild(el("li", {data: {document: DOC.id[d]}}, "《" + DOC.title[d] + "》 ", explore(DOC.id[d], DOC.title[d])));
      }
      card.appendChild(dl);
    }
    return card;
  }

  function legend() {
    const parts = [];
    if (state.programme >= 0) {
      const sw = el("div", {class: "swatches"});
      for (let y = Y0; y <= Y1; y++) sw.appendChild(el("span", {class: "sw"}, el("span", {class: "dot", style: "background:" + rampColour(y)}), y));
      parts.push(el("div", null, "颜色 = 首次提及年份 / colour = year of first mention"), sw,
                 el("div", {class: "note"}, "灰点 = 当年报告未提及 / grey = that year's report does not name it · " +
                                            "空心 = 当年无报告 / hollow = no report for that year"));
      if (edgesOf[state.programme].length) {
        parts.push(el("div", {class: "note edges-legend"}, "实线箭头 = 文中说明借鉴 / solid = learnt from (text) · " +
                                                           "虚线 = 推断路径(上级、省级文件、相邻)/ dashed = inferred (region above, provincial document, neighbour)"));
      }
    } else {
      const sw = el("div", {class: "swatches"});
      PALETTE.forEach((c) => sw.appendChild(el("span", {class: "dot", style: "background:" + c})));
      parts.push(el("div", null, "颜色 = 省份(相邻省份不同色)/ colour = province"), sw,
                 el("div", {class: "note"}, "灰点 = 截至所选年份无实施 / grey = nothing yet by that year · " +
                                            "空心 = 当年无报告 / hollow = no report for that year"));
    }
    parts.push(el("div", {class: "note"}, "大小 = 措施数 / size = number of programmes · ■ 省级 ◆ 地级 ● 县级 · 虚线 = 位置近似 dashed = approximate"));
    $("legend").replaceChildren(...parts);
  }

  function status() {
    const what = state.programme >= 0 ? P.label[state.programme] : "全部措施 / all programmes";
    const lit = placed.filter(isLit).length;
    $("status").replaceChildren(el("span", null, what), " ",
      el("small", null, "· 截至 " + state.year + " 年 / up to " + state.year + " · " + lit + " 个地区 regions" +
                        (state.planned ? " · 含计划 incl. planned" : "") + (state.candidates ? " · 含候选 incl. candidates" : "")));
    document.body.dataset.programme = state.programme >= 0 ? P.id[state.programme] : "";
    document.body.dataset.region = state.region >= 0 ? R.id[state.region] : "";
    document.body.dataset.year = String(state.year);
    document.body.dataset.lit = String(lit);
  }

  function caption() {
    const facts = A.planned.filter((v) => !v).length, planned = nA - facts;
    const curated = nP - nCand;
    $("caption").textContent =
      DATA.meta.reports + " 份报告 reports · " + (Y0 === Y1 ? Y0 : Y0 + "–" + Y1) + " · " + nR + " 个地区 regions" +
      (placed.length < nR ? " (" + (nR - placed.length) + " 无坐标 unplaced)" : "") +
      " · " + curated + " 项措施 programmes" + (nCand ? " + " + nCand + " 候选 candidates" : "") +
      " · " + facts + " 条实施记录 implementation facts" + (planned ? " + " + planned + " 计划 planned" : "") +
      " · 数据 data: fazhi-kg";
    $("candidate-count").textContent = "(" + nCand + ")";
  }

  function writeHash() {
    const parts = [];
    if (state.programme >= 0) parts.push("programme=" + encodeURIComponent(P.label[state.programme]));
    if (state.region >= 0) parts.push("region=" + encodeURIComponent(R.code[state.region] || R.label[state.region]));
    if (state.year !== Y1) parts.push("year=" + state.year);
    if (state.candidates) parts.push("candidates=1");
    if (state.planned) parts.push("planned=1");
    if (!state.inferred) parts.push("inferred=0");
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) { /* some browsers refuse on file:// */ }
  }

  function render({list = false} = {}) {
    const t = [performance.now()];
    compute(); t.push(performance.now());
    restyle(); t.push(performance.now());
    drawChart();
    legend();
    status();
    $("year").value = String(state.year);
    $("year-out").textContent = String(state.year);
    const cards = [];
    if (state.programme >= 0) cards.push(programmeCard());
    if (state.region >= 0) cards.push(regionCard());
    $("detail").replaceChildren(...cards);
    t.push(performance.now());
    if (list) buildList();
    else progButtons.forEach((b) => b.classList.toggle("on", Number(b.dataset.index) === state.programme));
    writeHash();
    t.push(performance.now());
    api.timings.render = {compute: t[1] - t[0], restyle: t[2] - t[1], panel: t[3] - t[2], list: t[4] - t[3]};
  }

  function selectProgramme(p, {scroll = false} = {}) {
    state.programme = p;
    let list = false;
    if (p >= 0 && !P.curated[p] && !state.candidates) { state.candidates = true; $("candidates").checked = true; list = true; }
    render({list});
    // picked from the long list: bring its card (at the top of the panel) into view
    if (scroll && p >= 0) $("programme-card").scrollIntoView({block: "nearest"});
  }
  function selectRegion(r) { state.region = r; render(); }
  function focusRegion(r) {
    if (R.x[r] !== null) network.focus(r, {scale: Math.max(network.getScale(), dense ? 2.2 : 0.9), animation: false});
  }

  // ---- controls ------------------------------------------------------------------------------
  const slider = $("year");
  slider.min = String(Y0); slider.max = String(Y1); slider.value = String(Y1);
  slider.addEventListener("input", () => { state.year = Number(slider.value); render(); });
  let timer = null;
  function stop() { clearInterval(timer); timer = null; $("play").textContent = "▶"; }
  $("play").addEventListener("click", () => {
    if (timer) return stop();
    if (state.year >= Y1) { state.year = Y0; render(); }
    $("play").textContent = "❚❚";
    timer = setInterval(() => { if (state.year >= Y1) return stop(); state.year++; render(); }, 900);
  });
  $("candidates").addEventListener("change", (e) => { state.candidates = e.target.checked; if (!state.candidates && state.programme >= 0 && !P.curated[state.programme]) state.programme = -1; render({list: true}); });
  $("planned").addEventListener("change", (e) => { state.planned = e.target.checked; render({list: true}); });
  $("inferred").addEventListener("change", (e) => { state.inferred = e.target.checked; render(); });
  $("csv").addEventListener("click", () => download(csvName(""), csvFacts()));
  $("csv-edges").addEventListener("click", () => download(csvName("-paths"), csvEdges()));
  window.addEventListener("hashchange", () => { initial(); render({list: true}); if (state.region >= 0) focusRegion(state.region); });

  // ---- "download CSV of what I see" ---------------------------------------------------------------
  const cell = (v) => {
    let t = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(t)) t = "'" + t;  // a spreadsheet must not read a cell as a formula
    return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  };
  const table = (rows) => "\ufeff" + rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
  function csvFacts() {
    // the implementation facts behind the map: the toggles, the year, the programme and region chosen
    const rows = [["programme", "region", "code", "province", "year", "first_mention", "planned", "evidence", "agency", "report", "source",
                   "programme_iri", "region_iri"]];
    let lastR = -1, lastP = -1;
    for (let a = 0; a < nA; a++) {
      if (!passes(a)) continue;
      const r = A.region[a], p = A.programme[a], isFirst = !(r === lastR && p === lastP);
      lastR = r; lastP = p;
      if (A.year[a] > state.year || (state.programme >= 0 && p !== state.programme) || (state.region >= 0 && r !== state.region)) continue;
      const rep = A.report[a];
      rows.push([P.label[p], R.label[r], R.code[r], provinceName(r), A.year[a], isFirst ? 1 : 0, A.planned[a], A.evidence[a] >= 0 ? EV[A.evidence[a]] : "",
                 A.agency[a] >= 0 ? AG.label[A.agency[a]] : "", rep >= 0 ? REP.title[rep] : "", rep >= 0 ? REP.source[rep] : "", P.id[p], R.id[r]]);
    }
    return table(rows);
  }
  function csvEdges() {
    const rows = [["programme", "from", "to", "year", "kind", "rule", "evidence_or_document", "from_iri", "to_iri"]];
    for (const e of visibleEdges()) {
      const rule = RULES[E.kind[e]];
      const note = E.note[e] < 0 ? "" : rule.kind === "document" ? DOC.title[E.note[e]] : EV[E.note[e]];
      rows.push([P.label[E.programme[e]], R.label[E.source[e]], R.label[E.target[e]], E.year[e], rule.kind, rule.en, note, R.id[E.source[e]], R.id[E.target[e]]]);
    }
    return table(rows);
  }
  const csvName = (what) => "spread" + (state.programme >= 0 ? "-" + P.label[state.programme] : "") +
                            (state.region >= 0 ? "-" + R.label[state.region] : "") + "-" + state.year + what + ".csv";
  function download(name, text) {
    const a = el("a", {href: URL.createObjectURL(new Blob([text], {type: "text/csv;charset=utf-8"})), download: name.replace(/[\\/:*?"<>|\s]+/g, "_")});
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
  $("search").addEventListener("input", buildList);
  $("search").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const b = document.querySelector("#programmes .prog"); const h = document.querySelector("#found .hit");
    if (b) b.click(); else if (h) h.click();
  });
  function reset() {
    stop();
    Object.assign(state, {programme: -1, region: -1, year: Y1, candidates: false, planned: false, inferred: true});
    $("candidates").checked = false; $("planned").checked = false; $("inferred").checked = true; $("search").value = "";
    tip.hidden = true; tip.replaceChildren();
    render({list: true});
    fitMap();
  }
  $("reset").addEventListener("click", reset);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") { state.region = -1; render(); } });

  // ---- initial view: the URL hash, else what `kg viz` asked for --------------------------------
  function initial() {
    const init = Object.assign({}, DATA.initial || {});
    const h = new URLSearchParams(location.hash.slice(1));
    const byLabel = (labels, v) => labels.indexOf(v);
    if (h.has("programme")) init.programme = byLabel(P.label, h.get("programme"));
    if (h.has("region")) { const v = h.get("region"); init.region = R.code.indexOf(v) >= 0 ? R.code.indexOf(v) : byLabel(R.label, v); }
    if (h.has("year")) init.year = Number(h.get("year"));
    if (h.get("candidates") === "1") init.candidates = true;
    if (h.get("planned") === "1") init.planned = true;
    state.inferred = h.get("inferred") !== "0";
    $("inferred").checked = state.inferred;
    state.programme = init.programme >= 0 ? init.programme : -1;
    state.region = init.region >= 0 ? init.region : -1;
    state.year = init.year >= Y0 && init.year <= Y1 ? init.year : Y1;
    state.candidates = Boolean(init.candidates) || (state.programme >= 0 && !P.curated[state.programme]);
    state.planned = Boolean(init.planned);
    $("candidates").checked = state.candidates; $("planned").checked = state.planned;
  }

  // ---- accessor for tests and benchmarks ---------------------------------------------------------
  Object.assign(api, {
    state: () => ({programme: state.programme >= 0 ? P.id[state.programme] : null,
                   region: state.region >= 0 ? R.id[state.region] : null,
                   year: state.year, candidates: state.candidates, planned: state.planned}),
    /** IRIs of the regions drawn lit, read back from the network's node data. */
    litRegions: () => nodes.get({filter: (n) => n.lit}).map((n) => R.id[n.id]).sort(),
    coverage: () => Object.fromEntries(placed.map((r) => [R.id[r], nodes.get(r).cover])),
    /** The edges drawn now, read back from the network's edge data. */
    edgesDrawn: () => edges.get().map((e) => ({from: R.id[e.from], to: R.id[e.to], kind: RULES[e.kind].kind,
                                               dashed: Boolean(e.dashes), year: E.year[e.id]})),
    edgeIds: () => edges.getIds(),
    /** Each placed region's node as the network holds it (id as IRI). */
    nodeLooks: () => nodes.get().map((n) => Object.assign({}, n, {id: R.id[n.id]})),
    edgePoint: (id) => {
      const a = network.canvasToDOM({x: R.x[E.source[id]], y: R.y[E.source[id]]}), b = network.canvasToDOM({x: R.x[E.target[id]], y: R.y[E.target[id]]});
      const box = container.getBoundingClientRect();
      return {x: box.left + (a.x + b.x) / 2, y: box.top + (a.y + b.y) / 2};
    },
    csvFacts, csvEdges, exploreHref,
    firstYears: () => Object.fromEntries(placed.filter((r) => first[r]).map((r) => [R.id[r], first[r]])),
    selectProgramme: (label) => selectProgramme(P.label.indexOf(label)),
    selectRegion: (label) => selectRegion(R.label.indexOf(label)),
    setYear: (y) => { state.year = y; render(); },
    /** Page coordinates of a region's node (for pointer tests). */
    nodePoint: (iri) => {
      const r = R.id.indexOf(iri), p = network.canvasToDOM({x: R.x[r], y: R.y[r]}), box = container.getBoundingClientRect();
      return {x: box.left + p.x, y: box.top + p.y};
    },
    reset,
    drawn: () => new Promise((resolve) => { drawnWaiters.push(resolve); network.redraw(); }),
    years: [Y0, Y1],
  });

  caption();
  render({list: true});
  if (state.region >= 0) focusRegion(state.region);
  api.timings.script = performance.now() - T0;
  document.body.dataset.ready = "1";
})();
